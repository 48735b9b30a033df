#!/usr/bin/env bash
# Remake resources/demo-model: the tiny preset trained on the procedural demo kit (about 6 minutes
# on 2 CPU cores), and its own bandwidth extender: the shipped one's recipe plus the hiss-floor
# augmentation (11 400 steps, about 17 minutes on one thread; docs/hifi.md, "hiss"). Only the
# weights and configs are kept; the training states stay behind.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/ganstudio kit "$work/demo-kit"
.venv/bin/ganstudio train "$work/demo-kit" --preset tiny --minutes "${MINUTES:-6}" --out "$work/model"
mkdir -p resources/demo-model
cp "$work/model/generator.safetensors" "$work/model/config.json" resources/demo-model/
# the kit lived in a temporary folder: record what it was, not where
.venv/bin/python - <<'PY'
import json, pathlib
p = pathlib.Path("resources/demo-model/config.json")
cfg = json.loads(p.read_text())
cfg["data"]["source"] = "ganstudio kit (the built-in procedural demo kit, 24 sounds per class)"
p.write_text(json.dumps(cfg, indent=2) + "\n")
PY
.venv/bin/python tools/make_extender.py --steps 11400 --threads 1 --floor-share 0.5 \
    --out resources/demo-model/extender
.venv/bin/ganstudio info resources/demo-model
