"""How a pad shapes its clip: clean, trim, tune, reverse, pitch, filter, envelope and gain. The one
implementation that the sampler (what a pad plays), drag-out and export all use, so the three
are the same samples."""
from __future__ import annotations

import math

import numpy as np
import soxr

from .oneshot import TAIL_RULE, clean_oneshot
from .pitch import estimate_pitch
from .processing import block_dc, trim_bounds
from .stereo import to_mono, widen

RESAMPLE_QUALITY = "VHQ"

# The sampler controls beyond trim and pitch, each off at its default: (default, low, high).
# attack: ms of linear fade-in; decay: ms over which the sound falls by 60 dB (an exponential
# envelope, 0 = the sound's own decay), then ends in silence; lowpass / highpass: cutoff in Hz of
# a 12 dB/octave Butterworth filter (0 = off); width: true stereo from two nearby takes, 0 (mono)
# to 1 (dsp.stereo).
TONE_RANGES = {"attack": (0.0, 0.0, 1000.0), "decay": (0.0, 0.0, 10000.0),
               "lowpass": (0.0, 0.0, 24000.0), "highpass": (0.0, 0.0, 20000.0), "width": (0.0, 0.0, 1.0)}
MIN_CUTOFF_HZ = 20.0
FILTER_TAIL_S = 0.02          # room for the filter to ring out after the sound ends


def is_stereo(pad: dict) -> bool:
    """Whether a pad's settings (a settings dict, or its shape) make it play in true stereo: a
    Width above 0 (:mod:`.stereo`)."""
    return float(pad.get("width", 0.0)) > 0.0


def resample(x: np.ndarray, rate_in: float, rate_out: float) -> np.ndarray:
    """float32 ``x`` ([frames] or [frames, channels]) from ``rate_in`` to ``rate_out`` Hz (soxr,
    very high quality)."""
    x = np.asarray(x, dtype=np.float32)
    if rate_in == rate_out:
        return x.copy()
    return soxr.resample(x, rate_in, rate_out, quality=RESAMPLE_QUALITY).astype(np.float32)


def filter_clip(x: np.ndarray, rate: int, lowpass: float = 0.0, highpass: float = 0.0) -> np.ndarray:
    """``x`` (float32 [frames] or [frames, channels] at ``rate``) through a causal 2nd-order Butterworth low-pass and/or
    high-pass (cutoffs in Hz; 0, or a low-pass at or above 0.45 x rate, is off), with
    :data:`FILTER_TAIL_S` of room to ring out. Causal: nothing is smeared before the onset."""
    from scipy.signal import butter, sosfilt
    stages = []
    if MIN_CUTOFF_HZ <= lowpass < 0.45 * rate:
        stages.append(butter(2, lowpass, "lowpass", fs=rate, output="sos"))
    if MIN_CUTOFF_HZ <= highpass < 0.45 * rate:
        stages.append(butter(2, highpass, "highpass", fs=rate, output="sos"))
    if not stages or not len(x):
        return x
    y = np.concatenate([x, np.zeros((int(FILTER_TAIL_S * rate),) + x.shape[1:], np.float32)]).astype(np.float64)
    for sos in stages:
        y = sosfilt(sos, y, axis=0)
    return y.astype(np.float32)


def envelope_clip(x: np.ndarray, rate: int, attack: float = 0.0, decay: float = 0.0) -> np.ndarray:
    """``x`` (float32 [frames] or [frames, channels] at ``rate``) with a linear fade-in over
    ``attack`` ms and, when ``decay`` > 0, an exponential fall of 60 dB over ``decay`` ms; the sound
    then ends there with a 5 ms fade to zero, so a shortened tail never clicks."""
    y = np.asarray(x, np.float32).copy()
    col = (-1,) + (1,) * (y.ndim - 1)
    n_att = min(len(y), int(round(attack / 1000 * rate)))
    if n_att > 0:
        y[:n_att] *= np.linspace(0.0, 1.0, n_att, endpoint=False, dtype=np.float32).reshape(col)
    if decay > 0 and len(y):
        n_dec = min(len(y), max(1, int(round(decay / 1000 * rate))))
        t = np.arange(n_dec, dtype=np.float32) / n_dec
        y = y[:n_dec] * (10.0 ** (-3.0 * t)).astype(np.float32).reshape(col)
        n_out = min(n_dec, int(0.005 * rate))
        if n_out:
            y[n_dec - n_out:] *= np.linspace(1.0, 0.0, n_out, dtype=np.float32).reshape(col)
    return y


def shape_clip(clip: np.ndarray, rate: int, start: float = 0.0, end: float = 1.0, reverse: bool = False,
               pitch: float = 0.0, gain: float = 1.0, clean: bool = False, attack: float = 0.0,
               decay: float = 0.0, lowpass: float = 0.0, highpass: float = 0.0, tune: bool = False,
               width: float = 0.0, side: np.ndarray | None = None, dc: bool = False,
               tail: int = TAIL_RULE) -> np.ndarray:
    """The pad's sound from its rendered ``clip`` (float32 [frames] at ``rate`` Hz): in stereo
    when ``width`` > 0 and the pad's ``side`` signal (float32 [frames], :func:`dsp.stereo.widen`)
    is given, so float32 [frames, 2], else mono [frames]; made a clean
    one-shot if asked (:func:`dsp.oneshot.clean_oneshot`), then the part between the fractions
    ``start`` and ``end``, reversed if asked, played ``pitch`` semitones higher (faster, so
    shorter: resampled with soxr; with ``tune``, a tonal sound is first moved onto the nearest
    note, :func:`dsp.pitch.estimate_pitch`), filtered (:func:`filter_clip`), shaped by the envelope
    (:func:`envelope_clip`, in the time it plays) and scaled by ``gain``; float32 at ``rate``.
    ``dc``: a clean one-shot first loses the generator's DC offset (:func:`processing.block_dc`), as
    an export with its default settings does before it calls this (so the export leaves it off).
    ``tail``: how a clean one-shot's tail ends (:data:`dsp.oneshot.TAIL_RULES`; a stem's sidecar
    keeps the rule it was made with)."""
    x = np.asarray(clip, dtype=np.float32)
    if dc and clean:
        x = block_dc(x, rate)
        side = None if side is None else block_dc(side, rate)
    if side is not None and width > 0:
        x = widen(x, side, width)
    if clean:
        x = clean_oneshot(x, rate, tail)
    if len(x) >= 2:
        first, last = trim_bounds(len(x), start, end)
        x = x[first:last]
    if tune:
        found = estimate_pitch(to_mono(x), rate)
        if found is not None:
            pitch -= found.cents / 100.0
    if reverse:
        x = x[::-1]
    ratio = 2.0 ** (pitch / 12.0)
    if not math.isclose(ratio, 1.0, rel_tol=0.0, abs_tol=1e-9):
        x = resample(x, rate * ratio, rate)
    x = filter_clip(x, rate, lowpass, highpass)
    if attack > 0 or decay > 0:
        x = envelope_clip(x, rate, attack, decay)
    return (x * np.float32(gain)).astype(np.float32)


def shape_pad(clip: np.ndarray, rate: int, pad: dict, gain: bool = True,
              side: np.ndarray | None = None, dc: bool = False, tail: int = TAIL_RULE) -> np.ndarray:
    """:func:`shape_clip` with a pad's settings dict (clean, start, end, reverse, pitch, tune,
    gain and the :data:`TONE_RANGES` controls; missing ones take their defaults, and a pad without
    ``clean`` is not cleaned: sidecars from before it existed remake as they were); ``gain=False``
    leaves the gain to the voice; ``side``, ``dc`` and ``tail`` as in :func:`shape_clip` (a pad with
    width but no side plays mono)."""
    tone = {k: float(pad.get(k, default)) for k, (default, _, _) in TONE_RANGES.items()}
    return shape_clip(clip, rate, float(pad.get("start", 0.0)), float(pad.get("end", 1.0)),
                      bool(pad.get("reverse", False)), float(pad.get("pitch", 0.0)),
                      float(pad.get("gain", 1.0)) if gain else 1.0, bool(pad.get("clean", False)),
                      tune=bool(pad.get("tune", False)), side=side, dc=dc, tail=tail, **tone)
