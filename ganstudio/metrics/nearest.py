"""Nearest in the training set: which real clips a sound is closest to, and how close that is
compared with how close real sounds are to each other, so a user can hear whether a generated
sound is new or a near-copy of one they fed in.

Distances are taken on the per-clip embedding of :mod:`.sets` standardised over the training
clips, as :func:`.sets.memorisation_ratio` does; a distance is given as a share of the median
distance from a training clip to its nearest other one (1: as new as a real sound is to the
rest; under about 0.3: a near-copy).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .sets import _sqdist, clip_embedding, standardised, typical_nearest

NEAR_COPY = 0.3


@dataclass
class Neighbour:
    index: int          # into the training clips
    distance: float     # share of the typical nearest-neighbour distance between real clips

    @property
    def near_copy(self) -> bool:
        return self.distance < NEAR_COPY


class NearestIndex:
    """The training clips float32 [N, T] at ``rate`` (N >= 2), embedded once."""

    def __init__(self, clips: np.ndarray, rate: int):
        clips = np.asarray(clips, np.float32)
        if clips.ndim != 2 or len(clips) < 2:
            raise ValueError("need at least two training clips [N, samples]")
        self.rate, self.length = rate, clips.shape[1]
        self._mu, self._sd, self._emb = standardised(clip_embedding(clips, rate))
        self.typical = typical_nearest(self._emb)

    def __len__(self) -> int:
        return len(self._emb)

    def query(self, clips: np.ndarray, k: int = 3) -> list[list[Neighbour]]:
        """For each of ``clips`` float32 [M, T] (at ``rate``; cut or zero-padded to the training
        length), its ``k`` nearest training clips, closest first."""
        clips = np.asarray(clips, np.float32)
        if clips.ndim == 1:
            clips = clips[None]
        fit = np.zeros((len(clips), self.length), np.float32)
        n = min(self.length, clips.shape[1])
        fit[:, :n] = clips[:, :n]
        q = (clip_embedding(fit, self.rate) - self._mu) / self._sd
        d = np.sqrt(_sqdist(q, self._emb)) / self.typical
        k = min(k, len(self._emb))
        order = np.argsort(d, axis=1, kind="stable")[:, :k]
        return [[Neighbour(int(j), float(row[j])) for j in idx] for row, idx in zip(d, order)]
