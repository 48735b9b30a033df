"""Sound-alike (GAN inversion) on real sounds the models never saw: for each clip, the log-mel
distance to it of (a) the best of the random latents alone, (b) the inverted sound, (c) the
nearest clip of the model's own training set, and the time per inversion. All in one run, so the
figures are ratios on one machine. Prints JSON.

The distance is not the one the search minimises (:class:`ganstudio.models.invert.SoundMatch`):
it is the mean absolute difference in dB of 64-band log-mel spectrograms (1024-point FFT, hop
256) over the cells where either clip is above the floor, each clip as a pad plays it (onset to decay), peak-normalised and floored at -60 dB, as a sound
designer would compare two spectrograms. Real clips come from ``bench/prepare_datasets.py --large`` (kits, effects).

    python bench/convert.py [--n 12] [--steps N] [--keep K] [--no-style] [--sets kits,effects]

``--no-style``: the search moves the latent alone (as before the style), for comparison.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganstudio.data import Dataset, ImportSettings, import_folder     # noqa: E402
from ganstudio.dsp import log_mel                                    # noqa: E402
from ganstudio.dsp.oneshot import clean_oneshots                     # noqa: E402
from ganstudio.library.air_kit import render_air                     # noqa: E402
from ganstudio.library.demo_kit import render_kit                    # noqa: E402
from ganstudio.models.invert import invert                           # noqa: E402
from ganstudio.models.modelfile import load_model                    # noqa: E402

FLOOR_DB = -60.0


def spectro(clips: np.ndarray, rate: int) -> np.ndarray:
    """[N, T] -> [N, frames, 64] log-mel dB of each clip as a pad plays it (onset to decay, with
    fades: :func:`clean_oneshots`), peak-normalised and floored."""
    clips = clean_oneshots(clips, rate)
    peaks = np.abs(clips).max(axis=1, keepdims=True) + 1e-12
    return np.maximum(log_mel(clips / peaks, rate, floor_db=FLOOR_DB), FLOOR_DB)


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean |dB| between spectrograms a [N, F, M] and b [F, M] (or [N, F, M]) over the cells
    where either is above the floor: two short hits are not "close" for sharing a silent tail."""
    a, b = np.broadcast_arrays(a, b)
    live = np.maximum(a, b) > FLOOR_DB
    return (np.abs(a - b) * live).sum(axis=(-2, -1)) / np.maximum(live.sum(axis=(-2, -1)), 1)


def training_set(name: str, settings: ImportSettings) -> np.ndarray:
    """The clips each shipped model was trained on, prepared as the trainer saw them."""
    if name == "demo-model":
        return Dataset.from_arrays(render_kit(24, settings.sample_rate), settings).clips
    rate, seconds = settings.sample_rate, settings.clip_length / settings.sample_rate
    return Dataset.from_arrays({"p": list(render_air(120, seconds, 0, rate, with_kit=True))}, settings).clips


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12, help="real clips per set")
    ap.add_argument("--steps", type=int, default=None, help="Adam steps (default: invert's)")
    ap.add_argument("--keep", type=int, default=None, help="latents refined together (default: invert's)")
    ap.add_argument("--no-style", action="store_true", help="move the latent alone, as before the style")
    ap.add_argument("--sets", default="kits,effects")
    ap.add_argument("--models", default="demo-model,base")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(2)
    settings = ImportSettings()
    rate = settings.sample_rate
    knobs = {k: v for k, v in (("steps", a.steps), ("keep", a.keep)) if v is not None}
    report: dict = {"threads": 2, "knobs": knobs, "style": not a.no_style,
                    "distance": f"log-mel L1 in dB, peak-normalised, floor {FLOOR_DB:g} dB",
                    "results": {}}
    for model_name in a.models.split(","):
        model = load_model(ROOT / "resources" / model_name)
        g = model.generator.eval()
        train = spectro(training_set(model_name, settings), rate)
        for set_name in a.sets.split(","):
            ds = import_folder(ROOT / "bench" / "data" / set_name, settings, cache_dir=False)
            rng = np.random.default_rng(a.seed)
            pick = rng.choice(len(ds), size=min(a.n, len(ds)), replace=False)
            rows = []
            for i in pick:
                target = ds.clips[i]
                t0 = time.perf_counter()
                res = invert(g, target, seed=a.seed, style=not a.no_style, **knobs)
                seconds = time.perf_counter() - t0
                # the best random latent, on this measure too: the inversion's own start
                rand = invert(g, target, steps=0, seed=a.seed).clip
                spec = spectro(np.stack([target, rand, res.clip]), rate)
                rows.append({"file": ds.files[i], "random": float(distance(spec[1], spec[0])),
                             "inverted": float(distance(spec[2], spec[0])),
                             "nearest_training_clip": float(distance(train, spec[0]).min()),
                             "seconds": round(seconds, 2), "search_gain": round(res.gain, 3)})
            r = {k: float(np.median([row[k] for row in rows])) for k in
                 ("random", "inverted", "nearest_training_clip", "seconds", "search_gain")}
            r["closer_than_random"] = 1 - r["inverted"] / r["random"]
            r["median_of_per_clip_closer"] = float(np.median([1 - row["inverted"] / row["random"] for row in rows]))
            r["clips"] = rows
            report["results"][f"{model_name}/{set_name}"] = r
            print(f"{model_name}/{set_name}: random {r['random']:.2f} dB, inverted {r['inverted']:.2f} dB "
                  f"({100 * r['median_of_per_clip_closer']:.0f}% closer), nearest training clip "
                  f"{r['nearest_training_clip']:.2f} dB, {r['seconds']:.2f} s", file=sys.stderr)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
