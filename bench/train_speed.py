"""Training speed and generation real-time factor per preset, and `tiny` vs the paper-size WaveGAN
(d=64, WGAN-GP, batch 64) at the same wall-clock budget on the same clips. Prints JSON.

    python bench/train_speed.py                      # all presets, 300 s per model in the comparison
    python bench/train_speed.py --budget 60 --presets tiny
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np
import torch

from ganstudio.data import Dataset, ImportSettings
from ganstudio.library import render_kit
from ganstudio.metrics import logmel_frechet
from ganstudio.models import Generator
from ganstudio.training import Trainer, model_config_for, recipe
from ganstudio.training.loop import frozen_copy


def kit_dataset(per_class: int) -> Dataset:
    return Dataset.from_arrays(render_kit(per_class=per_class, seed=0), ImportSettings())


def generate(g: Generator, n: int, seed: int = 0) -> np.ndarray:
    z = torch.randn(n, g.cfg.latent_dim, generator=torch.Generator().manual_seed(seed))
    with torch.inference_mode():
        return g(z).squeeze(1).numpy()


def speed(preset: str, ds: Dataset, steps: int) -> dict:
    tc = recipe(preset, max_steps=steps + 1, checkpoint_every=10**9, checkpoint_minutes=1e9)
    mc = model_config_for(ds, preset, False)
    times: list[float] = []
    last = [time.perf_counter()]

    def tick(p):
        if p.event == "step":
            now = time.perf_counter()
            times.append(now - last[0])
            last[0] = now
        elif p.event == "start":
            last[0] = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        t = Trainer(ds, out, mc, tc, resume=False, progress_fn=tick)
        t.run()
        g = frozen_copy(t.G_ema)
    step_s = float(np.median(times[1:])) if len(times) > 1 else times[0]
    generate(g, 2)
    t0 = time.perf_counter()
    n = 16
    generate(g, n)
    gen_s = time.perf_counter() - t0
    audio_s = n * mc.clip_length / mc.sample_rate
    return {"preset": preset, "batch_size": tc.batch_size, "n_critic": tc.n_critic, "loss": tc.loss,
            "generator_params_M": round(sum(p.numel() for p in g.parameters()) / 1e6, 2),
            "steps_per_s": round(1 / step_s, 3), "generation_realtime_factor": round(audio_s / gen_s, 1)}


def train_for(preset: str, ds: Dataset, seconds: float, seed: int, keep: str | None) -> dict:
    tc = recipe(preset, max_minutes=seconds / 60, seed=seed, checkpoint_every=10**9, checkpoint_minutes=1e9)
    mc = model_config_for(ds, preset, False)
    with tempfile.TemporaryDirectory() as tmp:
        out = f"{keep}/{preset}" if keep else tmp
        t = Trainer(ds, out, mc, tc, resume=False)
        r = t.run()
        return {"steps": r.step, "seconds": round(r.elapsed_s, 1), "steps_per_s": round(r.step / r.elapsed_s, 3),
                "generator": frozen_copy(t.G_ema)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", nargs="+", default=["tiny", "standard", "large"])
    ap.add_argument("--steps", type=int, default=3, help="timed steps per preset")
    ap.add_argument("--budget", type=float, default=300.0, help="seconds of training per model in the comparison")
    ap.add_argument("--per-class", type=int, default=24)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-compare", action="store_true")
    ap.add_argument("--keep", help="keep the compared models in this folder (KEEP/tiny, KEEP/wavegan)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ds = kit_dataset(a.per_class)
    rng = np.random.default_rng(a.seed)
    real = ds.clips[rng.choice(len(ds), 64, replace=len(ds) < 64)]
    report: dict = {"device": "cpu", "threads": a.threads, "clips": len(ds),
                    "presets": [speed(p, ds, a.steps) for p in a.presets]}
    if not a.no_compare:
        sr = ds.settings.sample_rate
        other_real = Dataset.from_arrays(render_kit(per_class=12, seed=99), ds.settings).clips[:64]
        untrained = Generator(model_config_for(ds, "tiny", False)).eval()
        floors = {"fd_real_vs_real": logmel_frechet(other_real, real, sr),
                  "fd_untrained_tiny": logmel_frechet(generate(untrained, 64), real, sr),
                  "fd_white_noise": logmel_frechet(rng.uniform(-0.5, 0.5, real.shape).astype(np.float32), real, sr)}
        runs = {}
        for name in ("tiny", "wavegan"):
            r = train_for(name, ds, a.budget, a.seed, a.keep)
            r["fd"] = logmel_frechet(generate(r.pop("generator"), 64, seed=1), real, sr)
            runs[name] = r
        report["comparison"] = {
            "budget_s": a.budget, **{k: round(v, 1) for k, v in floors.items()},
            "tiny": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in runs["tiny"].items()},
            "wavegan_paper": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in runs["wavegan"].items()},
            "ratio_steps_per_s_tiny_over_paper": round(runs["tiny"]["steps_per_s"] / runs["wavegan"]["steps_per_s"], 2),
            "ratio_fd_paper_over_tiny": round(runs["wavegan"]["fd"] / runs["tiny"]["fd"], 2),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
