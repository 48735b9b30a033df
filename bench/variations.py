"""How far a mutation moves a sound, by the latent amount: for each amount, 64 sounds of a model
and one mutation of each, their distance on the per-clip log-mel embedding (as NDB/K and
memorisation use) as a share of the median distance between two unrelated sounds of the model,
and their waveform correlation. Prints JSON; the variations' amount scale is calibrated from it.

    python bench/variations.py [--model resources/demo-model] [--raw]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganstudio.metrics import clip_embedding                          # noqa: E402
from ganstudio.models.latent import mutate                            # noqa: E402
from ganstudio.models.modelfile import load_model                     # noqa: E402
from ganstudio.models.sampling import generate, latents               # noqa: E402
from ganstudio.models.variations import latent_amount                 # noqa: E402

AMOUNTS = (0.02, 0.05, 0.1, 0.15, 0.25, 0.35, 0.5, 0.75, 1.0)


def corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / max(np.sqrt((a * a).sum() * (b * b).sum()), 1e-12))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(Path(__file__).resolve().parent.parent / "resources" / "demo-model"))
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--raw", action="store_true", help="the latent amount itself, not the calibrated scale")
    a = ap.parse_args()
    torch.set_num_threads(2)
    model = load_model(a.model)
    g, sr, n = model.generator, model.config.sample_rate, a.n
    z = latents(n, model.config.latent_dim, 0)
    src = generate(g, z)
    e_src = clip_embedding(src, sr)
    other = clip_embedding(generate(g, latents(n, model.config.latent_dim, 1)), sr)
    unrelated = float(np.median(np.linalg.norm(e_src - other, axis=1)))
    rows = {}
    for amount in AMOUNTS:
        rng = np.random.default_rng(2)
        moved = np.stack([mutate(zi, amount if a.raw else latent_amount(amount), rng) for zi in z])
        out = generate(g, moved)
        d = np.linalg.norm(clip_embedding(out, sr) - e_src, axis=1) / unrelated
        c = np.array([corr(x, y) for x, y in zip(src, out)])
        rows[str(amount)] = {"distance_median": round(float(np.median(d)), 3),
                             "distance_q10": round(float(np.quantile(d, 0.1)), 3),
                             "corr_median": round(float(np.median(c)), 3),
                             "corr_over_0.95": int((c > 0.95).sum())}
    print(json.dumps({"model": str(a.model), "n": n, "scale": "latent" if a.raw else "calibrated",
                      "unrelated_distance": round(unrelated, 2), "amounts": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
