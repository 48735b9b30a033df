"""STFT and log-mel spectrograms in numpy (no torch), shared by metrics and the UI views."""
from __future__ import annotations

from functools import lru_cache

import numpy as np


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)


def _mel_to_hz(m):
    return 700.0 * (10 ** (np.asarray(m) / 2595.0) - 1.0)


@lru_cache(maxsize=16)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float = 20.0,
                   fmax: float | None = None) -> np.ndarray:
    """Triangular HTK-style mel filters, float32 [n_mels, n_fft // 2 + 1]."""
    fmax = fmax or sample_rate / 2
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    edges = _mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fb = np.zeros((n_mels, freqs.size), dtype=np.float32)
    for i in range(n_mels):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        up = (freqs - lo) / max(mid - lo, 1e-9)
        down = (hi - freqs) / max(hi - mid, 1e-9)
        fb[i] = np.clip(np.minimum(up, down), 0.0, None)
    return fb


def stft_magnitude(x: np.ndarray, n_fft: int = 1024, hop: int = 256) -> np.ndarray:
    """|STFT| of [..., T] audio with a Hann window: float32 [..., frames, n_fft // 2 + 1]."""
    x = np.asarray(x, dtype=np.float32)
    if x.shape[-1] < n_fft:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n_fft - x.shape[-1])])
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft, axis=-1)[..., ::hop, :]
    return np.abs(np.fft.rfft(frames * np.hanning(n_fft).astype(np.float32), axis=-1)).astype(np.float32)


def log_mel(x: np.ndarray, sample_rate: int, n_fft: int = 1024, hop: int = 256, n_mels: int = 64,
            floor_db: float = -120.0) -> np.ndarray:
    """Log-mel power of [..., T] audio in dB relative to a full-scale sine (which reads about 0 dB
    in its band): float32 [..., frames, n_mels], floored at ``floor_db``."""
    full_scale = (np.hanning(n_fft).sum() / 2) ** 2   # |STFT|^2 of a full-scale sine at its peak bin
    power = stft_magnitude(x, n_fft, hop) ** 2 / full_scale
    mel = power @ mel_filterbank(sample_rate, n_fft, n_mels).T
    return np.maximum(10.0 * np.log10(mel + 1e-30), floor_db).astype(np.float32)
