#!/usr/bin/env bash
# Build the one-folder app with PyInstaller into dist/ganstudio (a few minutes; about 1 GB with torch).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install -q "pyinstaller>=6.10" 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/ganstudio.spec
du -sh dist/ganstudio
