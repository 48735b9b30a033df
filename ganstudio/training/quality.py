"""The plain-language quality line beside the losses: how far the generator's sound is from the
data, as a multiple of how far the data is from itself.

Every ``quality_every`` steps the trainer renders a fixed batch of latents with the EMA generator
and takes the log-mel Fréchet distance (:func:`ganstudio.metrics.logmel_frechet`) to a fixed half
of a sample of the training clips; the other half of the sample gives the data's own floor (two
draws of real sounds are this far apart). The ratio is about 1 for sound like the data and grows
as it differs (see :func:`describe` for what it read on real drums and effects).
"""
from __future__ import annotations

import numpy as np

from ..metrics import logmel_frechet
from ..models.sampling import generate, latents

MAX_PER_HALF = 64
MIN_PER_HALF = 8
LATENT_SEED = 4242


def describe(ratio: float) -> str:
    """Words for a ratio. The bands come from the probe itself on real sets (64 clips a side):
    held-out real clips read 0.8-1.0x, decaying noise bursts 6.4-8.1x, white noise 93-200x
    (kits and effects of bench/prepare_datasets.py --large)."""
    if ratio <= 1.5:
        return "close to your sounds"
    if ratio <= 3:
        return "getting close"
    if ratio <= 10:
        return "rough: decaying noise bursts read 6-8x"
    return "noise so far"


class QualityProbe:
    """``clips`` float32 [N, T] at ``rate`` (the training clips); None of it is kept but two
    halves of up to :data:`MAX_PER_HALF` clips. ``ready`` is False when there are too few clips."""

    def __init__(self, clips: np.ndarray, rate: int, seed: int = 0):
        n = min(MAX_PER_HALF, len(clips) // 2)
        self.rate, self.n = rate, n
        self.ready = n >= MIN_PER_HALF
        if not self.ready:
            return
        pick = np.random.default_rng(seed).permutation(len(clips))[:2 * n]
        self.reference = np.asarray(clips[pick[:n]], np.float32)
        self.floor = max(logmel_frechet(np.asarray(clips[pick[n:]], np.float32), self.reference, rate), 1e-9)

    def measure(self, generator) -> float:
        """The generator's distance to the data over the data's own (1: as close as real sounds)."""
        z = latents(self.n, generator.cfg.latent_dim, LATENT_SEED)
        fake = generate(generator, z)
        return float(logmel_frechet(fake, self.reference, self.rate) / self.floor)

    def line(self, generator) -> tuple[float, str]:
        ratio = self.measure(generator)
        return ratio, f"sound: {ratio:.1f}x the data's own spread ({describe(ratio)})"
