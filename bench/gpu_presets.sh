#!/bin/bash
# For a lent GPU machine (never part of the tests): does a wider preset trained from scratch beat
# `tiny` from the pretrained base when CUDA is there? Trains the variants side by side on the
# one GPU (one process each, the same contention for all), scored on the drum kits at equal
# minutes, while the full-band CLI check (bench/gpu_check_hifi.sh, SKIP_QUALITY=1) runs beside
# them. Needs bench/data/gpu/{kits.npz,hifi_drums} and, on a machine without them, the wheels of
# bench/gpu_env.sh.
#   bash bench/gpu_presets.sh OUT_DIR [BUDGETS] [NAME:FIELD=VALUE ...]
set -u
out=${1:?output folder}; budgets=${2:-1,2.5,5}; shift 2 || shift $#
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(base:init_from=resources/base standard:preset=standard large:preset=large)
mkdir -p "$out"
. "$(dirname "$0")/gpu_env.sh"
data=${DATA:-bench/data/gpu}; set=${DATASET:-kits}          # e.g. DATA=bench/data/gpu2 DATASET=digits
# FIRST_SEED=N: the seed to train with (0 by default)
threads=$(( $(nproc) / (${#variants[@]} + 1) )); [ "$threads" -ge 1 ] || threads=1
pids=()
for v in "${variants[@]}"; do
    name=${v%%:*}
    OMP_NUM_THREADS=$threads $py bench/quality.py --data "$data" --models tiny --datasets "$set" \
        --budgets "$budgets" --snapshots 8 --first-seed "${FIRST_SEED:-0}" --no-current --variant="$v" \
        > "$out/presets_$name.json" 2> "$out/presets_$name.err" &
    pids+=($!)
done
[ -n "${SKIP_HIFI:-}" ] || OMP_NUM_THREADS=$threads SKIP_QUALITY=1 bash "$(dirname "$0")/gpu_check_hifi.sh" "$out" bench/data/gpu cuda 300 \
    > "$out/hifi_cli.log" 2>&1
[ -n "${SKIP_HIFI:-}" ] || cat "$out/hifi_cli.log"
for p in "${pids[@]}"; do wait "$p"; echo "variant rc $?"; done
nvidia-smi --query-gpu=name,utilization.gpu,memory.used --format=csv,noheader
for v in "${variants[@]}"; do name=${v%%:*}; tail -2 "$out/presets_$name.err"; head -1 "$out/presets_$name.json" | cut -c1-400; done
