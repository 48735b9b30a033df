"""Finishing a sound for a DAW: silence trim, fades, DC removal, peak or loudness normalisation.
Pure numpy (pyloudnorm for ITU-R BS.1770 loudness); audio is float32 [frames] or [frames, channels].
"""
from __future__ import annotations

import numpy as np

PEAK_CEILING_DBFS = -0.3     # loudness normalisation never pushes a peak above this
MIN_LOUDNESS_S = 0.4         # BS.1770 gating blocks are 400 ms; shorter sounds are padded to measure
DC_BLOCK_HZ = 10.0
DC_METHODS = ("mean", "highpass")    # how a stem's DC is removed: remove_dc, block_dc


def trim_bounds(n: int, start: float, end: float) -> tuple[int, int]:
    """Frames [first, last) of an ``n``-frame clip between the fractions ``start`` and ``end``,
    at least 2 frames long (a pad's trim: the mixer, the drag-out copy and export all use it)."""
    first = min(max(int(start * n), 0), n - 2)
    return first, max(first + 2, min(int(end * n), n))


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def peak_dbfs(x: np.ndarray) -> float:
    p = float(np.max(np.abs(x))) if x.size else 0.0
    return 20.0 * np.log10(p) if p > 0 else float("-inf")


def trim_silence(x: np.ndarray, threshold_db: float = -60.0, pad_frames: int = 0) -> np.ndarray:
    """Drop leading and trailing frames quieter than ``threshold_db`` below the peak, keeping
    ``pad_frames`` around the sound; an all-silent input comes back unchanged."""
    mono = np.abs(x) if x.ndim == 1 else np.max(np.abs(x), axis=1)
    peak = float(mono.max()) if mono.size else 0.0
    if peak <= 0:
        return x
    loud = np.flatnonzero(mono >= peak * db_to_gain(threshold_db))
    first = max(int(loud[0]) - pad_frames, 0)
    last = min(int(loud[-1]) + 1 + pad_frames, len(x))
    return x[first:last]


def fade(x: np.ndarray, sample_rate: int, in_ms: float = 0.0, out_ms: float = 0.0) -> np.ndarray:
    """Linear fade-in and fade-out (each at most the whole sound)."""
    y = np.array(x, dtype=np.float32, copy=True)
    n_in = min(int(round(in_ms * sample_rate / 1000)), len(y))
    n_out = min(int(round(out_ms * sample_rate / 1000)), len(y))
    shape = (-1,) + (1,) * (y.ndim - 1)
    if n_in > 0:
        y[:n_in] *= (np.arange(n_in, dtype=np.float32) / n_in).reshape(shape)
    if n_out > 0:
        y[len(y) - n_out:] *= (np.arange(n_out, 0, -1, dtype=np.float32) / n_out).reshape(shape)
    return y


def dc_removed(x: np.ndarray, rate: int, method: str) -> np.ndarray:
    """``x`` without its DC offset by ``method`` (one of :data:`DC_METHODS`)."""
    if method == "mean":
        return remove_dc(x)
    if method == "highpass":
        return block_dc(x, rate)
    raise ValueError(f"unknown DC method {method!r}")


def remove_dc(x: np.ndarray) -> np.ndarray:
    """Subtract the mean of each channel. The DC removal of stems made before :func:`block_dc`
    (``dc_method`` "mean"): on a clip whose tail is silent it writes the body's offset, negated,
    into that tail."""
    return (x - x.mean(axis=0, keepdims=True)).astype(np.float32)


def block_dc(x: np.ndarray, rate: int, hz: float = DC_BLOCK_HZ) -> np.ndarray:
    """A DC blocker: a first-order Butterworth high-pass at ``hz`` run forward in time over float32
    ``x`` ([frames] or [frames, channels]) at ``rate`` Hz, from silence (a one-shot starts there).

    Unlike :func:`remove_dc` it puts no offset where the sound was silent: a generated clip whose
    tail is silence keeps a silent tail (what is left of the body's offset dies away, 55 dB in
    100 ms at 10 Hz), and nothing rings before the onset (causal, not zero-phase). At 10 Hz a
    40 Hz kick loses 0.26 dB."""
    from scipy.signal import butter, sosfilt
    x = np.asarray(x, dtype=np.float32)
    if len(x) == 0:         # a pad not rendered yet
        return x.copy()
    sos = butter(1, hz, "highpass", fs=rate, output="sos")
    return sosfilt(sos, x.astype(np.float64), axis=0).astype(np.float32)


def normalize_peak(x: np.ndarray, target_dbfs: float = -1.0) -> tuple[np.ndarray, float]:
    """Scale so the peak sits at ``target_dbfs``; returns the audio and the gain in dB."""
    p = peak_dbfs(x)
    if not np.isfinite(p):
        return x, 0.0
    gain_db = target_dbfs - p
    return (x * db_to_gain(gain_db)).astype(np.float32), float(gain_db)


def loudness_lufs(x: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness (BS.1770-4, pyloudnorm). Sounds shorter than one 400 ms gating block
    are measured with silence appended, which the gate then ignores."""
    import pyloudnorm
    need = int(np.ceil(MIN_LOUDNESS_S * sample_rate)) + 1
    if len(x) < need:
        x = np.concatenate([x, np.zeros((need - len(x),) + x.shape[1:], dtype=x.dtype)])
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(np.asarray(x, dtype=np.float64)))


def normalize_loudness(x: np.ndarray, sample_rate: int, target_lufs: float = -16.0,
                       ceiling_dbfs: float = PEAK_CEILING_DBFS) -> tuple[np.ndarray, float, bool]:
    """Scale to ``target_lufs`` integrated loudness, but never past a peak of ``ceiling_dbfs``.
    Returns the audio, the gain in dB, and whether the ceiling held the gain back (the result is
    then quieter than the target rather than clipped)."""
    now = loudness_lufs(x, sample_rate)
    if not np.isfinite(now):
        return x, 0.0, False
    gain_db = target_lufs - now
    headroom = ceiling_dbfs - peak_dbfs(x)
    limited = gain_db > headroom
    gain_db = min(gain_db, headroom)
    return (x * db_to_gain(gain_db)).astype(np.float32), float(gain_db), bool(limited)


# A clip whose samples barely move around a large offset is "stuck" (NaN weights push tanh to
# -1 on every sample, for example): it would be a full-scale DC step, not a sound.
STUCK_OFFSET = 0.25    # an offset above this ...
STUCK_SPREAD = 0.1     # ... with a spread below this fraction of the offset


def sound_problem(x: np.ndarray) -> str | None:
    """Why ``x`` must not reach a speaker or a file ("non-finite samples", "stuck at DC"), or
    None when it may."""
    if x.size == 0:
        return None
    if not np.all(np.isfinite(x)):
        return "non-finite samples"
    mean = float(np.mean(x))
    if abs(mean) > STUCK_OFFSET and float(np.std(x)) < STUCK_SPREAD * abs(mean):
        return f"stuck at DC ({mean:+.2f})"
    return None


def silence_bad_clips(clips: np.ndarray) -> list[tuple[int, str]]:
    """Replace, in place, every clip of ``clips`` [n, frames] that :func:`sound_problem` refuses
    with silence; returns (index, reason) of each one replaced."""
    bad = []
    for i in range(len(clips)):
        why = sound_problem(clips[i])
        if why:
            clips[i] = 0.0
            bad.append((i, why))
    return bad
