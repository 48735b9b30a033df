"""Fréchet distance on log-mel statistics (an FAD-style measure with log-mel frames as features).

Each STFT frame's log-mel vector (dB relative to full scale) is one sample; the two sets of frames
are fitted with Gaussians and compared with the Fréchet (2-Wasserstein) distance. Lower is closer;
identical sets give 0. Levels are floored at -96 dB, the noise floor of a 16-bit WAV: what lies
below it is inaudible and does not survive export, so it should not decide the score.
"""
from __future__ import annotations

import numpy as np

from ..dsp import log_mel

FLOOR_DB = -96.0


def logmel_features(clips: np.ndarray, sample_rate: int, n_mels: int = 64) -> np.ndarray:
    """[N, T] audio -> float64 [N * frames, n_mels] log-mel frames (dB)."""
    feats = log_mel(np.asarray(clips, dtype=np.float32), sample_rate, n_mels=n_mels, floor_db=FLOOR_DB)
    return feats.reshape(-1, feats.shape[-1]).astype(np.float64)


def _sqrtm_psd(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(x: np.ndarray, y: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to the rows of ``x`` [N, D] and ``y`` [M, D]."""
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    r1 = _sqrtm_psd(s1)
    # tr(sqrt(s1 s2)) computed stably as tr(sqrt(r1 s2 r1)), r1 = sqrt(s1).
    middle = np.linalg.eigvalsh(r1 @ s2 @ r1)
    tr_covmean = float(np.sum(np.sqrt(np.clip(middle, 0, None))))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * tr_covmean)


def logmel_frechet(generated: np.ndarray, real: np.ndarray, sample_rate: int) -> float:
    """Fréchet distance on log-mel frames between ``generated`` [N, T] and ``real`` [M, T]."""
    return frechet_distance(logmel_features(generated, sample_rate), logmel_features(real, sample_rate))
