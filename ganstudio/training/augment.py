"""Differentiable audio augmentation for small datasets, applied to real and fake batches alike.

All functions take and return ``[B, 1, T]`` and keep gradients flowing to the input.
"""
from __future__ import annotations

from typing import Callable

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


class AdaptiveProbability:
    """ADA's feedback rule (Karras et al. 2020) for the augmentation probability ``p``.

    The overfitting heuristic r_t = E[sign(D(real))] is gathered over ``interval`` steps; when it
    is above ``target`` the discriminator is growing too sure of the training clips and ``p``
    rises, else it falls, by ``interval / ramp_steps`` each time (so ``p`` can cross its range in
    ``ramp_steps`` steps: ADA's 500k images is far more than a CPU run ever sees). ``p`` stays in
    [0, ``p_max``]: beyond about 0.8 an augmentation can leak into what the generator makes.
    """

    def __init__(self, p: float, target: float, interval: int = 4, ramp_steps: int = 500,
                 p_max: float = 0.8):
        self.p, self.target, self.interval = float(p), float(target), max(1, int(interval))
        self.ramp_steps, self.p_max = max(1, int(ramp_steps)), float(p_max)
        self.r_t = float("nan")
        self._sum: torch.Tensor | None = None   # kept on the device: no sync per step
        self._count = 0

    def state(self) -> dict:
        """What a checkpoint needs to resume the rule exactly."""
        return {"p": self.p, "sum": float(self._sum) if self._sum is not None else None, "count": self._count}

    def load(self, st: dict) -> None:
        self.p = float(st["p"])
        self._sum = None if st.get("sum") is None else torch.tensor(float(st["sum"]))
        self._count = int(st.get("count", 0))

    def observe(self, real_scores: torch.Tensor) -> None:
        """Add a D step's raw scores on real clips (any shape)."""
        s = torch.sign(real_scores.detach()).sum()
        self._sum = s if self._sum is None else self._sum + s
        self._count += real_scores.numel()

    def step(self, step: int, all_mean: Callable[[torch.Tensor], torch.Tensor] | None = None) -> None:
        """Call after training step number ``step`` (from 1); adjusts ``p`` every ``interval``
        steps. ``all_mean`` averages a tensor over DDP ranks so every rank keeps the same ``p``."""
        if step % self.interval or self._sum is None:
            return
        r = self._sum.float() / self._count     # on the device: NCCL reduces CUDA tensors only
        if all_mean is not None:
            r = all_mean(r)
        self.r_t = float(r)
        self._sum, self._count = None, 0
        delta = self.interval / self.ramp_steps
        self.p = min(self.p_max, max(0.0, self.p + (delta if self.r_t > self.target else -delta)))
