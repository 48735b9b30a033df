"""Run a generator: latents in, audio out (numpy). Used by the CLI, the sampler and export."""
from __future__ import annotations

import numpy as np
import torch

from ..dsp.processing import silence_bad_clips
from .modelfile import LoadedModel


def latents(n: int, latent_dim: int, seed: int) -> np.ndarray:
    """``n`` standard-normal latent vectors float32 [n, latent_dim], deterministic in ``seed``."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def class_index(model: LoadedModel, name: str | None) -> int | None:
    """The class id for ``name`` (None for unconditioned models); a clear error for unknown names."""
    if not model.config.num_classes:
        if name:
            raise ValueError(f"model {model.name} has no classes; drop --class")
        return None
    names = list(model.config.class_names)
    if name is None:
        return None
    if name not in names:
        raise ValueError(f"model {model.name} has no class {name!r}; it has {', '.join(names)}")
    return names.index(name)


def render(model: LoadedModel, z: np.ndarray, labels: np.ndarray | None = None,
           batch_size: int = 16, problems: list | None = None) -> np.ndarray:
    """Generate audio float32 [n, clip_length] at the model rate from latents ``z`` [n, latent_dim].

    ``labels`` int [n] picks classes of a conditioned model (random-but-seeded if omitted).
    A clip that is non-finite or stuck at DC comes back as silence; ``problems`` (if given)
    receives its (index, reason).
    """
    g = model.generator
    dev = next(g.parameters()).device
    z = np.asarray(z, dtype=np.float32)
    if z.ndim != 2 or z.shape[1] != model.config.latent_dim:
        raise ValueError(f"latents must be [n, {model.config.latent_dim}], got {list(z.shape)}")
    if model.config.num_classes and labels is None:
        labels = np.arange(len(z)) % model.config.num_classes
    out = np.empty((len(z), model.config.clip_length), dtype=np.float32)
    with torch.inference_mode():
        for i in range(0, len(z), batch_size):
            zb = torch.from_numpy(z[i:i + batch_size]).to(dev)
            yb = torch.from_numpy(np.asarray(labels[i:i + batch_size], dtype=np.int64)).to(dev) \
                if model.config.num_classes else None
            out[i:i + len(zb)] = g(zb, yb).squeeze(1).float().cpu().numpy()
    bad = silence_bad_clips(out)
    if problems is not None:
        problems.extend(bad)
    return out
