#!/bin/bash
# CUDA check of full-band training, for a lent GPU machine (never part of the tests): `train --hifi`
# trains a generator and its own bandwidth extender on CUDA, resumes both, `train-hifi
# --adversarial` goes on against the discriminators, and `export` writes 48 kHz stems, which are
# measured (rate, share of energy above 8 kHz, first sample, peak, tail). Then, unless
# SKIP_QUALITY=1, bench/quality.py compares the two shipped bases on the drum kits at equal GPU
# minutes. Needs DATA/hifi_drums (44.1/48 kHz sounds) and DATA/kits.npz (`bench/quality.py
# --datasets kits --pack`), and, on a machine without them, wheels of soundfile, soxr, pyloudnorm,
# platformdirs and sounddevice in .whl/.
#   bash bench/gpu_check_hifi.sh OUT_DIR DATA [DEVICE] [STEPS]     (DEVICE cuda by default)
set -u
out=${1:?output folder}; data=${2:?data folder}; device=${3:-cuda}; steps=${4:-300}
mkdir -p "$out"
py=${PYTHON:-python3}
if ! $py -c "import soxr, soundfile, pyloudnorm, platformdirs" 2>/dev/null && ls .whl/*.whl >/dev/null 2>&1; then
    $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
$py -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
m=$(mktemp -d)/model; ex=$(mktemp -d)
run() { echo "+ $*"; "$@" 2>&1 | tr '\r' '\n' | grep -v '^ *$' | tail -4; echo "rc ${PIPESTATUS[0]}"; }
run $py -m ganstudio train "$data/hifi_drums" --out "$m" --device "$device" --steps "$steps" \
    --hifi --hifi-steps "$steps" --no-cache
run $py -m ganstudio train "$data/hifi_drums" --out "$m" --device "$device" --steps $((steps * 5 / 3)) \
    --hifi --hifi-steps $((steps * 2)) --no-cache
run $py -m ganstudio train-hifi "$data/hifi_drums" --model "$m" --device "$device" \
    --steps $((steps * 3)) --adversarial --no-cache
$py - "$m" <<'PY'
import json, sys
c = json.load(open(f"{sys.argv[1]}/config.json")); e = json.load(open(f"{sys.argv[1]}/extender/extender.json"))
print("generator step", c["training"]["step"], "precision", c["training"].get("precision"),
      "| extender step", e.get("training", {}).get("step"))
PY
run $py -m ganstudio export "$m" --random 8 --out "$ex"
$py - "$ex" <<'PY'
import sys, glob, numpy as np, soundfile as sf
for f in sorted(glob.glob(f"{sys.argv[1]}/*.wav"))[:8]:
    x, sr = sf.read(f, dtype="float64")
    x = x if x.ndim == 1 else x.mean(1)
    p = np.abs(np.fft.rfft(x)) ** 2; fr = np.fft.rfftfreq(len(x), 1 / sr)
    tail = 20 * np.log10(np.sqrt(np.mean(x[-int(0.01 * sr):] ** 2)) + 1e-12)
    print(f"{f.rsplit('/', 1)[1]}: {sr} Hz, above 8 kHz {p[fr > 8000].sum() / p.sum():.3f}, "
          f"first {x[0]:.1e}, peak {np.abs(x).max():.3f}, last 10 ms {tail:.0f} dBFS, finite {np.isfinite(x).all()}")
PY
[ -n "${SKIP_QUALITY:-}" ] && exit 0
$py bench/quality.py --data "$data" --models tiny --datasets kits --budgets "${BUDGETS:-1,2}" --snapshots 6 \
    --no-current --variant=base:init_from=resources/base \
    --variant=base_sustained:upsample=istft,peak_norm=true,init_from=resources/base_sustained \
    > "$out/gpu_quality.json" 2> "$out/gpu_quality.err"
echo "quality rc $?"; tail -3 "$out/gpu_quality.err"
