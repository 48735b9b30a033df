"""Set measures of generated clips against the real ones, on a per-clip embedding (the mean and
standard deviation over time of each log-mel band, in dB, floored at -96 dB):

- **NDB/K** (Richardson & Weiss, 2018): the real clips are clustered into K bins (k-means); each
  generated clip falls into its nearest bin; a bin is "statistically different" when a
  two-proportion z-test rejects equal shares at p < 0.05. The share of such bins; 0 is best.
- **Memorisation ratio**: each generated clip's distance to its nearest *training* clip over the
  median nearest-neighbour distance between real clips (median over generated clips). About 0
  means copies of the training set; about 1 means as new as real sounds are to each other.
- **Diversity ratio**: the mean pairwise distance between generated clips over that between real
  clips; well below 1 means mode collapse.
"""
from __future__ import annotations

import math

import numpy as np

from ..dsp import log_mel
from .frechet import FLOOR_DB


def clip_embedding(clips: np.ndarray, sample_rate: int, n_mels: int = 40) -> np.ndarray:
    """[N, T] audio -> float64 [N, 2 * n_mels]: per-band mean and std of log-mel dB over time."""
    feats = log_mel(np.asarray(clips, dtype=np.float32), sample_rate, n_mels=n_mels, floor_db=FLOOR_DB)
    return np.concatenate([feats.mean(axis=1), feats.std(axis=1)], axis=1).astype(np.float64)


def _sqdist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d, 0.0)


def kmeans(x: np.ndarray, k: int, seed: int = 0, iters: int = 50) -> np.ndarray:
    """Lloyd's k-means with k-means++ seeding; returns the centroids [k, D]."""
    rng = np.random.default_rng(seed)
    centers = [x[rng.integers(len(x))]]
    for _ in range(1, k):
        d = _sqdist(x, np.asarray(centers)).min(1)
        centers.append(x[rng.choice(len(x), p=d / d.sum())] if d.sum() > 0 else x[rng.integers(len(x))])
    c = np.asarray(centers)
    for _ in range(iters):
        assign = _sqdist(x, c).argmin(1)
        new = np.asarray([x[assign == j].mean(0) if np.any(assign == j) else c[j] for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return c


def ndb_over_k(real: np.ndarray, generated: np.ndarray, k: int = 10, alpha: float = 0.05,
               seed: int = 0) -> float:
    """NDB/K between embeddings ``real`` [N, D] and ``generated`` [M, D] (standardised on real)."""
    mu, sd = real.mean(0), real.std(0) + 1e-9
    r, g = (real - mu) / sd, (generated - mu) / sd
    k = max(2, min(k, len(r) // 2))
    centers = kmeans(r, k, seed)
    pr = np.bincount(_sqdist(r, centers).argmin(1), minlength=k) / len(r)
    pg = np.bincount(_sqdist(g, centers).argmin(1), minlength=k) / len(g)
    n1, n2 = len(r), len(g)
    pooled = (pr * n1 + pg * n2) / (n1 + n2)
    se = np.sqrt(np.maximum(pooled * (1 - pooled) * (1 / n1 + 1 / n2), 1e-12))
    z = np.abs(pr - pg) / se
    crit = _z_critical(alpha)
    return float(np.mean(z > crit))


def _z_critical(alpha: float) -> float:
    """Two-sided normal critical value (bisection on erfc, no scipy)."""
    lo, hi = 0.0, 10.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if math.erfc(mid / math.sqrt(2)) > alpha:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def standardised(train: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, spread, the embeddings ``train`` [N, D] standardised by them): the space the
    memorisation ratio and the nearest training clips (:mod:`.nearest`) measure in."""
    mu, sd = train.mean(0), train.std(0) + 1e-9
    return mu, sd, (train - mu) / sd


def typical_nearest(t: np.ndarray) -> float:
    """The median distance from each of the standardised embeddings ``t`` [N, D] to its nearest
    other one: how close real sounds are to each other, the unit both measures use."""
    d = np.sqrt(_sqdist(t, t))
    np.fill_diagonal(d, np.inf)
    return max(float(np.median(d.min(1))), 1e-12)


def memorisation_ratio(train: np.ndarray, generated: np.ndarray, reference: np.ndarray | None = None) -> float:
    """Median over generated clips of (distance to the nearest training clip) / (median distance
    of each ``reference`` clip, default the training clips, to its nearest other training clip)."""
    mu, sd, t = standardised(train)
    g = (generated - mu) / sd
    if reference is None:
        typical = typical_nearest(t)
    else:
        typical = max(float(np.median(np.sqrt(_sqdist((reference - mu) / sd, t)).min(1))), 1e-12)
    return float(np.median(np.sqrt(_sqdist(g, t)).min(1)) / typical)


def diversity_ratio(real: np.ndarray, generated: np.ndarray) -> float:
    """Mean pairwise distance of generated clips over that of real clips (standardised on real)."""
    mu, sd = real.mean(0), real.std(0) + 1e-9
    r, g = (real - mu) / sd, (generated - mu) / sd

    def mean_pair(x):
        d = np.sqrt(_sqdist(x, x))
        n = len(x)
        return d.sum() / max(n * (n - 1), 1)
    return float(mean_pair(g) / max(mean_pair(r), 1e-12))
