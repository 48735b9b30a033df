"""Moves in the latent space for exploring a model: random points, mutations and morphs.

Latents are float32 ``[latent_dim]`` vectors drawn from a standard normal, whose typical norm is
about sqrt(latent_dim); the moves keep them near that shell, where the generator was trained.
"""
from __future__ import annotations

import hashlib

import numpy as np


def random_latent(latent_dim: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(latent_dim).astype(np.float32)


def mutate(z: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """A neighbour of ``z``: ``amount`` 0 gives ``z`` itself, 1 an independent random latent."""
    amount = float(np.clip(amount, 0.0, 1.0))
    noise = rng.standard_normal(z.shape)
    # cos/sin weights keep the variance of the mix equal to that of a fresh latent
    return (np.cos(amount * np.pi / 2) * z + np.sin(amount * np.pi / 2) * noise).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation from ``a`` (t=0) to ``b`` (t=1); linear where they are parallel."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    na, nb = np.linalg.norm(a64), np.linalg.norm(b64)
    if na == 0 or nb == 0:
        return ((1 - t) * a64 + t * b64).astype(np.float32)
    cos = np.clip(np.dot(a64 / na, b64 / nb), -1.0, 1.0)
    omega = np.arccos(cos)
    if omega < 1e-6:
        return ((1 - t) * a64 + t * b64).astype(np.float32)
    s = np.sin(omega)
    return (np.sin((1 - t) * omega) / s * a64 + np.sin(t * omega) / s * b64).astype(np.float32)


class LatentWalk:
    """A walk along great-circle arcs between random anchors (texture mode): each :meth:`step`
    covers ``speed`` of the way to the next anchor. Deterministic in ``seed``; a conditioned
    model gets a seeded random class per step."""

    def __init__(self, latent_dim: int, seed: int = 0, speed: float = 0.15, num_classes: int = 0):
        self.rng = np.random.default_rng(seed)
        self.speed, self.num_classes = speed, num_classes
        self._a, self._b = random_latent(latent_dim, self.rng), random_latent(latent_dim, self.rng)
        self._phase = 0.0

    def step(self) -> tuple[np.ndarray, int | None]:
        self._phase += self.speed
        if self._phase >= 1.0:
            self._phase -= 1.0
            self._a, self._b = self._b, random_latent(len(self._a), self.rng)
        label = int(self.rng.integers(self.num_classes)) if self.num_classes else None
        return slerp(self._a, self._b, self._phase), label


# How far either side of a pad's latent its stereo takes lie, on mutate's latent scale: measured
# on the demo model and the base (docs/workbench.md), a median waveform correlation of 0.84 / 0.72
# between the two takes, so they differ as two microphones' takes of one hit do, not as two sounds.
STEREO_SPREAD = 0.15


def stereo_pair(z: np.ndarray, spread: float = STEREO_SPREAD) -> tuple[np.ndarray, np.ndarray]:
    """Two latents float32 [latent_dim] a step ``spread`` (mutate's scale) either side of ``z``,
    along a direction orthogonal to it that is a fixed function of ``z`` itself (seeded by its
    bytes), so a pad's stereo takes remake exactly from its latent alone; both keep ``z``'s norm."""
    z64 = np.asarray(z, dtype=np.float32).astype(np.float64)
    seed = int.from_bytes(hashlib.sha256(np.asarray(z, np.float32).tobytes()).digest()[:8], "little")
    d = np.random.default_rng(seed).standard_normal(z64.shape)
    nz = float(np.dot(z64, z64))
    if nz > 0:
        d -= np.dot(d, z64) / nz * z64
        d *= np.sqrt(nz) / max(float(np.linalg.norm(d)), 1e-12)
    t = float(np.clip(spread, 0.0, 1.0)) * np.pi / 2
    return ((np.cos(t) * z64 + np.sin(t) * d).astype(np.float32),
            (np.cos(t) * z64 - np.sin(t) * d).astype(np.float32))
