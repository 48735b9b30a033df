"""Training speed with the trainer's thread count (training_threads(): every core but one) against
torch's default (one per core), on a quiet machine and with one competing CPU-bound process
(a user's browser, the studio's own audio and window). Prints JSON; every figure comes from this
one run, so read the ratios.

    python bench/train_threads.py --steps 12
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time

import torch

from ganstudio.data import Dataset, ImportSettings
from ganstudio.library import render_kit
from ganstudio.training import Trainer, model_config_for, recipe
from ganstudio.training.threads import available_cores, training_threads


def _burn(stop) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def steps_per_s(ds: Dataset, threads: int, steps: int) -> float:
    import tempfile
    torch.set_num_threads(threads)
    tc = recipe("tiny", max_steps=steps + 2, checkpoint_every=10**9, checkpoint_minutes=1e9)
    mc = model_config_for(ds, "tiny", False)
    times = []

    def tick(p):
        if p.event == "step":
            times.append(time.perf_counter())
    with tempfile.TemporaryDirectory() as out:
        Trainer(ds, out, mc, tc, resume=False, progress_fn=tick).run()
    span = times[-1] - times[1]              # the first step warms up
    return (len(times) - 2) / span


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=12)
    a = ap.parse_args()
    ds = Dataset.from_arrays(render_kit(per_class=8, seed=0), ImportSettings())
    cores = available_cores()
    chosen, default = training_threads(), cores
    out = {"cores": cores, "chosen_threads": chosen, "torch_default_threads": default, "steps": a.steps}
    for busy in (False, True):
        stop = mp.Event()
        hog = mp.Process(target=_burn, args=(stop,), daemon=True) if busy else None
        if hog:
            hog.start()
            time.sleep(0.5)
        key = "busy" if busy else "quiet"
        out[f"{key}_chosen_steps_per_s"] = round(steps_per_s(ds, chosen, a.steps), 3)
        out[f"{key}_default_steps_per_s"] = round(steps_per_s(ds, default, a.steps), 3)
        if hog:
            stop.set()
            hog.join(5)
    out["busy_chosen_over_default"] = round(out["busy_chosen_steps_per_s"] / out["busy_default_steps_per_s"], 2)
    out["quiet_chosen_over_default"] = round(out["quiet_chosen_steps_per_s"] / out["quiet_default_steps_per_s"], 2)
    out["chosen_busy_over_quiet"] = round(out["busy_chosen_steps_per_s"] / out["quiet_chosen_steps_per_s"], 2)
    out["default_busy_over_quiet"] = round(out["busy_default_steps_per_s"] / out["quiet_default_steps_per_s"], 2)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
