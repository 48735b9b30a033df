#!/usr/bin/env bash
# PNG screenshots of the studio window under Xvfb: bash tools/screenshot.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tools/screenshot.py "${1:-docs/screenshots}"
