"""How a pad shapes its clip: trim, reverse, pitch and gain. The one implementation that the
sampler (what a pad plays), drag-out and export all use, so the three are the same samples."""
from __future__ import annotations

import math

import numpy as np
import soxr

from .oneshot import clean_oneshot
from .processing import trim_bounds

RESAMPLE_QUALITY = "VHQ"


def resample(x: np.ndarray, rate_in: float, rate_out: float) -> np.ndarray:
    """float32 ``x`` from ``rate_in`` to ``rate_out`` Hz (soxr, very high quality)."""
    x = np.asarray(x, dtype=np.float32)
    if rate_in == rate_out:
        return x.copy()
    return soxr.resample(x, rate_in, rate_out, quality=RESAMPLE_QUALITY).astype(np.float32)


def shape_clip(clip: np.ndarray, rate: int, start: float = 0.0, end: float = 1.0, reverse: bool = False,
               pitch: float = 0.0, gain: float = 1.0, clean: bool = False) -> np.ndarray:
    """The pad's sound from its rendered ``clip`` (float32 [frames] at ``rate`` Hz): made a clean
    one-shot if asked (:func:`dsp.oneshot.clean_oneshot`), then the part between the fractions
    ``start`` and ``end``, reversed if asked, played ``pitch`` semitones higher (faster, so
    shorter: resampled with soxr) and scaled by ``gain``; float32 at ``rate``."""
    x = np.asarray(clip, dtype=np.float32)
    if clean:
        x = clean_oneshot(x, rate)
    if len(x) >= 2:
        first, last = trim_bounds(len(x), start, end)
        x = x[first:last]
    if reverse:
        x = x[::-1]
    ratio = 2.0 ** (pitch / 12.0)
    if not math.isclose(ratio, 1.0, rel_tol=0.0, abs_tol=1e-9):
        x = resample(x, rate * ratio, rate)
    return (x * np.float32(gain)).astype(np.float32)


def shape_pad(clip: np.ndarray, rate: int, pad: dict, gain: bool = True) -> np.ndarray:
    """:func:`shape_clip` with a pad's settings dict (clean, start, end, reverse, pitch, gain;
    missing ones take their defaults, and a pad without ``clean`` is not cleaned: sidecars from
    before it existed remake as they were); ``gain=False`` leaves the gain to the voice."""
    return shape_clip(clip, rate, float(pad.get("start", 0.0)), float(pad.get("end", 1.0)),
                      bool(pad.get("reverse", False)), float(pad.get("pitch", 0.0)),
                      float(pad.get("gain", 1.0)) if gain else 1.0, bool(pad.get("clean", False)))
