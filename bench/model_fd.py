"""Fréchet distance on log-mel statistics of a trained model's clips against a folder of real
sounds, with the floors that give it meaning: real vs real, an untrained generator of the same
shape, and white noise. Prints JSON.

    python bench/model_fd.py demo.model demo-kit
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from ganstudio.data import ImportSettings, import_folder
from ganstudio.metrics import logmel_frechet
from ganstudio.models import Generator
from ganstudio.models.modelfile import LoadedModel, load_model
from ganstudio.models.sampling import latents, render


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("folder", help="the real sounds (e.g. the kit the model was trained on)")
    ap.add_argument("-n", type=int, default=64, help="clips per set")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    model = load_model(a.model)
    cfg = model.config
    ds = import_folder(a.folder, ImportSettings(sample_rate=cfg.sample_rate, clip_length=cfg.clip_length),
                       cache_dir=False)
    rng = np.random.default_rng(a.seed)
    perm = rng.permutation(len(ds))
    real = ds.clips[perm[: a.n]]
    held = ds.clips[perm[a.n: 2 * a.n]]
    torch.manual_seed(a.seed)
    untrained = LoadedModel(Generator(cfg).eval(), cfg, model.meta, model.path)
    z = latents(a.n, cfg.latent_dim, a.seed + 1)
    sr = cfg.sample_rate
    gen = render(model, z)
    out = {
        "model": str(a.model), "step": model.meta.get("training", {}).get("step"),
        "trained_minutes": round(model.meta.get("training", {}).get("elapsed_s", 0) / 60, 2),
        "fd_generated": round(logmel_frechet(gen, real, sr)),
        "fd_untrained_generator": round(logmel_frechet(render(untrained, z), real, sr)),
        "fd_white_noise": round(logmel_frechet(rng.uniform(-0.5, 0.5, real.shape).astype(np.float32), real, sr)),
    }
    if len(held) >= 8:
        out["fd_real_vs_real"] = round(logmel_frechet(held, real, sr))
    out["ratio_untrained_over_generated"] = round(out["fd_untrained_generator"] / out["fd_generated"], 2)
    out["ratio_noise_over_generated"] = round(out["fd_white_noise"] / out["fd_generated"], 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
