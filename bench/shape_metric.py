"""Checks the measures themselves (issue 13): on each family of real sounds, how far apart does a
measure put real clips, real clips with a defect a listener hears (an onset 20 ms late, the tail
cut at 100 ms), decaying noise bursts and white noise, and how sharply, counted in the spread of
the measure between random halves of the real set?

For the frame statistic (:func:`logmel_frechet`, as a ratio to the median real-vs-real value) and
the clip-shape kernel distance (:func:`shape_distance`), over ``--draws`` random draws of
``--n`` clips each against a disjoint real reference: the median per condition, and the
separation d' = (median of the condition - median of real) / spread of real (the standard
deviation of real-vs-real). Prints JSON.

    python bench/quality.py --datasets kits,effects,notes,digits --pack     (once: DATA/NAME.npz)
    python bench/shape_metric.py --data bench/data --sets kits,effects,notes,digits
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ganstudio.metrics import logmel_frechet, noise_bursts, shape_distance, white_noise

RATE = 16000


def conditions(a: np.ndarray, seed: int) -> dict:
    """The clips each condition scores, [n, T]: real ones, two defects of them, two noises."""
    n, length = a.shape
    late = np.zeros_like(a)
    late[:, int(0.02 * RATE):] = a[:, :length - int(0.02 * RATE)]
    cut = a.copy()
    cut[:, int(0.1 * RATE):] = 0.0
    return {"real": a, "late_20ms": late, "tail_cut_100ms": cut,
            "noise_bursts": noise_bursts(n, length, RATE, seed=seed),
            "white_noise": white_noise(n, length, RATE, seed=seed)}


def family(clips: np.ndarray, n: int, draws: int) -> dict:
    n = min(n, len(clips) // 2)
    raw = {"frame_fd": {}, "shape_kid": {}}
    for d in range(draws):
        perm = np.random.default_rng(100 + d).permutation(len(clips))
        a, ref = clips[perm[:n]], clips[perm[n:]]
        for name, x in conditions(a, seed=1 + d).items():
            raw["frame_fd"].setdefault(name, []).append(logmel_frechet(x, ref, RATE))
            raw["shape_kid"].setdefault(name, []).append(shape_distance(x, ref, RATE))
    out = {"clips": len(clips), "n": n, "draws": draws}
    for measure, by in raw.items():
        real = np.asarray(by["real"])
        scale = float(np.median(real)) if measure == "frame_fd" else 1.0     # FD reads as a ratio to real's
        spread = float(real.std(ddof=1)) or 1e-12
        out[measure] = {name: {"median": round(float(np.median(v)) / scale, 4),
                               "d_prime": round((float(np.median(v)) - float(np.median(real))) / spread, 1)}
                        for name, v in by.items()}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).parent / "data"))
    ap.add_argument("--sets", default="kits,effects,notes,digits")
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--draws", type=int, default=8)
    a = ap.parse_args()
    result = {}
    for name in a.sets.split(","):
        with np.load(Path(a.data) / f"{name}.npz") as z:
            result[name] = family(z["clips"].astype(np.float32), a.n, a.draws)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
