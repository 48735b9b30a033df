#!/bin/bash
# CUDA check of training, for a lent GPU machine (never part of the tests): the CLI trains,
# resumes and generates on CUDA, then bench/quality.py compares the generators at equal minutes
# on the GPU. Needs bench/data/gpu/kits.npz (`bench/quality.py --datasets kits --pack; move it to bench/data/gpu/`) and, on a
# machine without them, wheels of the audio libraries in .whl/ (bench/gpu_env.sh).
#   bash bench/gpu_check.sh OUT_DIR [BUDGETS] [VARIANT ...]     (budgets in minutes, e.g. 0.5,1.2)
set -u
out=${1:?output folder}; budgets=${2:-1,2}; shift 2 || shift $#
variants=("$@"); [ ${#variants[@]} -gt 0 ] || variants=(istft:upsample=istft)
mkdir -p "$out"
. "$(dirname "$0")/gpu_env.sh"
if [ -z "${SKIP_CLI:-}" ]; then                       # SKIP_CLI=1: only the quality comparison
wavs=$(mktemp -d)
$py - "$wavs" <<'PY'
import sys, numpy as np, soundfile as sf
with np.load("bench/data/gpu/kits.npz") as z:
    clips = z["clips"][::8].astype(np.float32)
for i, c in enumerate(clips):
    sf.write(f"{sys.argv[1]}/hit{i:03d}.wav", c, 16000)
print(len(clips), "clips written")
PY
set -x
$py -m ganstudio train "$wavs" --out /tmp/m_cuda --steps 300 --device cuda --no-cache 2>&1 | tr '\r' '\n' | tail -4
$py -m ganstudio train "$wavs" --out /tmp/m_cuda --steps 500 --device cuda --no-cache 2>&1 | tr '\r' '\n' | tail -3
$py -c "import json; print('resumed to step', json.load(open('/tmp/m_cuda/config.json'))['training']['step'])"
$py -m ganstudio generate /tmp/m_cuda --out /tmp/gen_cuda -n 4 --quiet && ls /tmp/gen_cuda | head -4
set +x
fi
$py bench/quality.py --data bench/data/gpu --models tiny --datasets kits --budgets "$budgets" --snapshots 6 \
    "${variants[@]/#/--variant=}" > "$out/gpu_quality.json" 2> "$out/gpu_quality.err"
echo "quality rc $?"; tail -3 "$out/gpu_quality.err"
