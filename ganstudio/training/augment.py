"""Differentiable audio augmentation for small datasets, applied to real and fake batches alike.

All functions take and return ``[B, 1, T]`` and keep gradients flowing to the input.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def auto_probability(n_clips: int) -> float:
    """Augmentation strength for a dataset size: strong for 20 sounds, off from a few thousand."""
    if n_clips >= 4000:
        return 0.0
    return float(min(0.6, max(0.1, 0.6 - 0.5 * (n_clips / 2000))))


def augment(x: torch.Tensor, p: float, generator: torch.Generator | None = None,
            max_shift: float = 1 / 32) -> torch.Tensor:
    """Random gain (+-6 dB), polarity, time shift (zero-filled, up to ``max_shift`` of T) and a
    mild spectral tilt, each applied per example with probability ``p``."""
    if p <= 0:
        return x
    b, _, t = x.shape
    dev = x.device

    def coin() -> torch.Tensor:
        return (torch.rand(b, 1, 1, device=dev, generator=generator) < p).to(x.dtype)

    gain = 10 ** (torch.empty(b, 1, 1, device=dev).uniform_(-6, 6, generator=generator) / 20)
    x = x * (1 + coin() * (gain - 1))
    x = x * (1 - 2 * coin())
    # Tilt: y = x + a * (x - x[t-1]); a in [-0.5, 0.5] is a gentle high- or low-shelf.
    a = torch.empty(b, 1, 1, device=dev).uniform_(-0.5, 0.5, generator=generator) * coin()
    x = x + a * (x - F.pad(x, (1, 0))[..., :t])
    # Shift: a single fractional-free roll per example with zero fill, done with one gather.
    s_max = max(1, int(t * max_shift))
    shifts = torch.randint(-s_max, s_max + 1, (b,), device=dev, generator=generator)
    shifts = shifts * coin().view(b).long()
    padded = F.pad(x, (s_max, s_max))
    idx = (torch.arange(t, device=dev).view(1, 1, t) + s_max - shifts.view(b, 1, 1))
    return padded.gather(2, idx)
