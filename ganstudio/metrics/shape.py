"""A per-clip measure of what a sound designer hears first in a one-shot: how its spectrum moves
through the attack, the body and the tail, compared between sets with a kernel distance.

**Shape embedding**: the clip's log-mel levels (16 bands, dB floored at -96 dB) averaged over 8
stretches of time that double in length from the start of the clip (0-8, 8-16, 16-32, ... 256-512
ms, then the rest), so the first milliseconds weigh as much as the last half second: a late onset,
a smeared attack or a tail that never ends each move a different part of it. float64
[N, 8 * 16].

**Kernel distance** (KID, Bińkowski et al., 2018: the unbiased squared MMD with the cubic
polynomial kernel k(x, y) = (x.y / d + 1)^3), on embeddings standardised by the reference set's
mean and spread. Unlike a Fréchet distance it has no bias that grows with the dimension over the
number of clips, so sets of 80 clips and of 400 compare on the same scale; two sets of the same
sounds read about 0 (it can dip below). The frame statistic of :mod:`.frechet` pools every frame
of every clip, so it cannot tell a clip that is all attack from one that is all tail when the
pooled frames match; this one can.
"""
from __future__ import annotations

import numpy as np

from ..dsp import log_mel
from .frechet import FLOOR_DB

SHAPE_BANDS = 16
SHAPE_HOP_S = 0.008          # 8 ms frames: the first stretch is one frame of attack
SHAPE_STRETCHES = 8


def shape_embedding(clips: np.ndarray, sample_rate: int) -> np.ndarray:
    """[N, T] audio at ``sample_rate`` Hz -> float64 [N, SHAPE_STRETCHES * SHAPE_BANDS]: mean
    log-mel dB of each band over stretches of 1, 1, 2, 4, ... frames of 8 ms, the last taking
    the rest of the clip (empty stretches of a very short clip read the floor)."""
    hop = max(1, int(round(SHAPE_HOP_S * sample_rate)))
    n_fft = 1 << int(np.ceil(np.log2(4 * hop)))
    feats = log_mel(np.asarray(clips, dtype=np.float32), sample_rate, n_fft=n_fft, hop=hop,
                    n_mels=SHAPE_BANDS, floor_db=FLOOR_DB).astype(np.float64)     # [N, frames, bands]
    edges = [0] + [1 << i for i in range(SHAPE_STRETCHES - 1)] + [max(feats.shape[1], 1 << (SHAPE_STRETCHES - 2))]
    parts = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        seg = feats[:, lo:hi]
        parts.append(seg.mean(axis=1) if seg.shape[1] else np.full((len(feats), SHAPE_BANDS), FLOOR_DB))
    return np.concatenate(parts, axis=1)


def kernel_distance(x: np.ndarray, ref: np.ndarray) -> float:
    """Unbiased squared MMD between the rows of ``x`` [N, D] and ``ref`` [M, D] (N, M >= 2) with
    the cubic polynomial kernel, both standardised by ``ref``'s mean and standard deviation."""
    if len(x) < 2 or len(ref) < 2:
        raise ValueError("the kernel distance needs at least two clips on each side")
    mu, sd = ref.mean(0), ref.std(0)
    sd = np.where(sd > 1e-9, sd, 1.0)
    a, b = (x - mu) / sd, (ref - mu) / sd
    d = a.shape[1]
    kaa, kbb, kab = ((a @ a.T) / d + 1) ** 3, ((b @ b.T) / d + 1) ** 3, ((a @ b.T) / d + 1) ** 3
    n, m = len(a), len(b)
    within_a = (kaa.sum() - np.trace(kaa)) / (n * (n - 1))
    within_b = (kbb.sum() - np.trace(kbb)) / (m * (m - 1))
    return float(within_a + within_b - 2 * kab.mean())


def shape_distance(generated: np.ndarray, real: np.ndarray, sample_rate: int) -> float:
    """:func:`kernel_distance` of the clips' :func:`shape_embedding` ([N, T] and [M, T] audio)."""
    return kernel_distance(shape_embedding(generated, sample_rate), shape_embedding(real, sample_rate))
