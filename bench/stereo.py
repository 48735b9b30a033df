"""True stereo at a pad's Width (issue 16, item 9): the inter-channel correlation, the balance of
the channels' energies and how far a channel peaks over the mono pad, for N pads of each model at
each width, as the render path shapes them (clean, 48 kHz, Hi-fi off). Prints JSON.

    python bench/stereo.py --models resources/demo-model resources/base --n 48
"""
from __future__ import annotations

import argparse
import json

import numpy as np


def measure(path: str, n: int, widths: list[float], rate: int = 48000) -> dict:
    from ganstudio.dsp.pad import shape_pad
    from ganstudio.models.modelfile import load_model
    from ganstudio.models.sampling import full_band, generate, render_sides
    g = load_model(path).generator
    z = np.random.default_rng(3).standard_normal((n, g.cfg.latent_dim)).astype(np.float32)
    mid = full_band(generate(g, z), g.cfg.sample_rate, rate)
    side = render_sides(g, z, None, rate)
    out = {}
    for w in widths:
        corr, balance, peak = [], [], []
        for m, s in zip(mid, side):
            lr = shape_pad(m, rate, {"clean": True, "width": w}, side=s)
            mono = shape_pad(m, rate, {"clean": True})
            corr.append(float(np.corrcoef(lr[:, 0], lr[:, 1])[0, 1]))
            balance.append(float(abs(10 * np.log10(np.sum(lr[:, 0] ** 2) / np.sum(lr[:, 1] ** 2)))))
            peak.append(float(20 * np.log10(np.abs(lr).max() / np.abs(mono).max())))
        out[str(w)] = {"correlation": {"median": round(float(np.median(corr)), 3),
                                       "p10": round(float(np.percentile(corr, 10)), 3),
                                       "p90": round(float(np.percentile(corr, 90)), 3)},
                       "balance_db": {"median": round(float(np.median(balance)), 3), "max": round(max(balance), 3)},
                       "peak_over_mono_db": {"median": round(float(np.median(peak)), 3), "max": round(max(peak), 3)}}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["resources/demo-model", "resources/base"])
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--widths", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    a = ap.parse_args()
    print(json.dumps({m: measure(m, a.n, a.widths) for m in a.models}, indent=1))


if __name__ == "__main__":
    main()
