#!/usr/bin/env bash
# Remake resources/demo-model: the tiny preset trained on the procedural demo kit (about 6 minutes
# on 2 CPU cores). Only the generator and its config are kept; the training state stays behind.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/ganstudio kit "$work/demo-kit"
.venv/bin/ganstudio train "$work/demo-kit" --preset tiny --minutes "${MINUTES:-6}" --out "$work/model"
mkdir -p resources/demo-model
cp "$work/model/generator.safetensors" "$work/model/config.json" resources/demo-model/
.venv/bin/ganstudio info resources/demo-model
