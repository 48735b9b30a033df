"""Turn decoded audio into one fixed-length training clip (pure numpy + soxr)."""
from __future__ import annotations

import numpy as np
import soxr

from .settings import ImportSettings


class SkipFile(Exception):
    """A file can't be used; ``str(exc)`` is the reason shown to the user."""


def to_mono(audio: np.ndarray) -> np.ndarray:
    """[frames, channels] or [frames] float -> [frames] float32, the mean of the channels."""
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    return np.ascontiguousarray(audio, dtype=np.float32)


def resample(audio: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """[frames] at ``rate_in`` -> [frames'] float32 at ``rate_out`` (soxr high quality)."""
    if rate_in == rate_out:
        return audio.astype(np.float32, copy=False)
    return soxr.resample(audio, rate_in, rate_out, quality="HQ").astype(np.float32, copy=False)


def onset_index(audio: np.ndarray, rel_db: float, preroll: int) -> int:
    """Index of the first sample louder than ``rel_db`` below the peak, minus ``preroll``."""
    peak = float(np.max(np.abs(audio)))
    above = np.flatnonzero(np.abs(audio) >= peak * 10 ** (rel_db / 20))
    return max(0, int(above[0]) - preroll) if above.size else 0


def prepare_clip(audio: np.ndarray, rate: int, s: ImportSettings) -> np.ndarray:
    """Decoded audio ([frames] or [frames, channels], any rate) -> clip float32 [s.clip_length].

    Mono, resampled to ``s.sample_rate``, leading silence trimmed, cut (with a short fade) or
    zero-padded to length, peak-normalised. Raises :class:`SkipFile` with the reason.
    """
    if audio.size == 0:
        raise SkipFile("empty: the file holds no audio frames")
    if not np.all(np.isfinite(audio)):
        raise SkipFile("corrupt: the file contains NaN or infinite samples")
    mono = to_mono(audio)
    if np.max(np.abs(mono)) < 10 ** (s.silence_dbfs / 20):
        raise SkipFile(f"silent: peak level below {s.silence_dbfs:.0f} dBFS")
    if mono.size * s.sample_rate / rate < s.min_ms / 1000 * s.sample_rate:
        raise SkipFile(f"too short: {1000 * mono.size / rate:.1f} ms, at least {s.min_ms:.0f} ms needed")
    mono = resample(mono, rate, s.sample_rate)
    start = onset_index(mono, s.trim_db, int(s.preroll_ms / 1000 * s.sample_rate))
    mono = mono[start:]
    if mono.size < s.min_ms / 1000 * s.sample_rate:
        raise SkipFile(f"too short: {1000 * mono.size / s.sample_rate:.1f} ms of sound after "
                       f"trimming silence, at least {s.min_ms:.0f} ms needed")
    clip = np.zeros(s.clip_length, dtype=np.float32)
    if mono.size > s.clip_length:
        clip[:] = mono[: s.clip_length]
        fade = min(s.clip_length, int(s.fade_out_ms / 1000 * s.sample_rate))
        if fade:
            clip[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    else:
        clip[: mono.size] = mono
    peak = float(np.max(np.abs(clip)))
    if peak < 10 ** (s.silence_dbfs / 20):
        raise SkipFile("silent: nothing audible within the clip length")
    clip *= s.peak / peak
    return clip
