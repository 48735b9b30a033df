"""The reference sounds every quality figure is read against (issue 13): a model is only worth
keeping when it beats decaying noise bursts, and a measure is only worth trusting when it ranks
real clips above a model above noise bursts above steady white noise.

Both return float32 [n, length] at ``rate`` Hz, peak-normalised to 0.9, deterministic in ``seed``.
"""
from __future__ import annotations

import numpy as np

PEAK = 0.9


def _normalise(x: np.ndarray) -> np.ndarray:
    return (PEAK * x / np.abs(x).max(axis=1, keepdims=True)).astype(np.float32)


def noise_bursts(n: int, length: int, rate: int, seed: int = 0) -> np.ndarray:
    """White noise times an exponential decay with a random time constant (10-300 ms, log-uniform):
    the three-line baseline a drum model must beat."""
    rng = np.random.default_rng(seed)
    t = np.arange(length) / rate
    tau = np.exp(rng.uniform(np.log(0.01), np.log(0.3), (n, 1)))
    return _normalise(rng.standard_normal((n, length)) * np.exp(-t / tau))


def white_noise(n: int, length: int, rate: int, seed: int = 0) -> np.ndarray:
    """Steady white noise for the whole clip: the worst a measure must still rank last."""
    del rate            # same signature as noise_bursts, so the two sit in one table
    return _normalise(np.random.default_rng(seed).standard_normal((n, length)))
