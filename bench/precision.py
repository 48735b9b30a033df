"""Mixed precision on this machine: seconds per training step of a preset's G and D (forward and
backward, the shapes the trainer uses) in float32 and under bfloat16 autocast, interleaved in
one run so the ratio holds on a shared machine. Prints JSON.

    python bench/precision.py --preset tiny --steps 30
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from ganstudio.models import Discriminator, Generator, preset
from ganstudio.training.config import recipe


def step_time(G, D, batch: int, latent: int, clip: int, dtype: torch.dtype | None, device: str) -> float:
    real = torch.randn(batch, 1, clip, device=device) * 0.1
    t0 = time.perf_counter()
    with torch.autocast(device_type=device, dtype=dtype or torch.bfloat16, enabled=dtype is not None):
        fake = G(torch.randn(batch, latent, device=device))
        scores = D(torch.cat([real, fake.detach()]))
        loss = torch.nn.functional.softplus(-scores[:batch]).mean() + torch.nn.functional.softplus(scores[batch:]).mean()
    loss.backward()
    with torch.autocast(device_type=device, dtype=dtype or torch.bfloat16, enabled=dtype is not None):
        g_loss = torch.nn.functional.softplus(-D(fake)).mean()
    g_loss.backward()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="tiny")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    cfg, tc = preset(a.preset), recipe(a.preset)
    G, D = Generator(cfg).to(a.device), Discriminator(cfg).to(a.device)
    modes = {"float32": None, "bfloat16": torch.bfloat16}
    times = {m: [] for m in modes}
    for i in range(a.steps + 2):
        for name, dtype in modes.items():
            t = step_time(G, D, tc.batch_size, cfg.latent_dim, cfg.clip_length, dtype, a.device)
            if i >= 2:                         # warm-up: first calls pick kernels
                times[name].append(t)
    med = {m: sorted(v)[len(v) // 2] for m, v in times.items()}
    print(json.dumps({"preset": a.preset, "device": a.device, "batch": tc.batch_size,
                      "threads": torch.get_num_threads(),
                      "median_s_per_step": {m: round(v, 4) for m, v in med.items()},
                      "speedup_bf16_vs_fp32": round(med["float32"] / med["bfloat16"], 3)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
