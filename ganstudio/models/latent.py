"""Moves in the latent space for exploring a model: random points, mutations and morphs.

Latents are float32 ``[latent_dim]`` vectors drawn from a standard normal, whose typical norm is
about sqrt(latent_dim); the moves keep them near that shell, where the generator was trained.
"""
from __future__ import annotations

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
