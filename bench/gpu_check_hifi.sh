#!/bin/bash
# CUDA check of full-band training, for a lent GPU machine (never part of the tests): `train --hifi`
# trains a generator and its own bandwidth extender on CUDA, resumes both, `train-hifi
# --adversarial` goes on against the discriminators, and `export` writes 48 kHz stems, which are
# measured (rate, share of energy above 8 kHz, first sample, peak, tail). Then, unless
# SKIP_QUALITY=1, bench/quality.py compares the two shipped bases on the drum kits at equal GPU
# minutes. Needs DATA/hifi_drums (44.1/48 kHz sounds) and DATA/kits.npz (`bench/quality.py
# --datasets kits --pack`), and, on a machine without them, wheels of soundfile, soxr, pyloudnorm,
# platformdirs and sounddevice in .whl/ (bench/gpu_env.sh).
#   bash bench/gpu_check_hifi.sh OUT_DIR DATA [DEVICE] [STEPS]     (DEVICE cuda by default)
set -u
out=${1:?output folder}; data=${2:?data folder}; device=${3:-cuda}; steps=${4:-300}
mkdir -p "$out"
. "$(dirname "$0")/gpu_env.sh"
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
from ganstudio.dsp.bands import energy_above
for f in sorted(glob.glob(f"{sys.argv[1]}/*.wav"))[:8]:
    x, sr = sf.read(f, dtype="float32")
    x = x if x.ndim == 1 else x.mean(1)
    tail = 20 * np.log10(np.sqrt(np.mean(x[-int(0.01 * sr):].astype(np.float64) ** 2)) + 1e-12)
    print(f"{f.rsplit('/', 1)[1]}: {sr} Hz, above 8 kHz {energy_above(x, sr):.3f}, "
          f"first {x[0]:.1e}, peak {np.abs(x).max():.3f}, last 10 ms {tail:.0f} dBFS, finite {np.isfinite(x).all()}")
PY
[ -n "${SKIP_QUALITY:-}" ] && exit 0
$py bench/quality.py --data "$data" --models tiny --datasets kits --budgets "${BUDGETS:-1,2}" --snapshots 6 \
    --no-current --variant=base:init_from=resources/base \
    --variant=base_sustained:upsample=istft,peak_norm=true,init_from=resources/base_sustained \
    > "$out/gpu_quality.json" 2> "$out/gpu_quality.err"
echo "quality rc $?"; tail -3 "$out/gpu_quality.err"
