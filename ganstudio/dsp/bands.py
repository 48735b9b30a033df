"""Band-limiting and its measures, for the bandwidth extender: what a clip made at a lower rate
sounds like (:func:`band_limit`), the non-learned spectral band replication baseline
(:func:`replicate_band`), the log-spectral distance (:func:`lsd`) and the share of energy above a
frequency (:func:`energy_above`). All take float32 mono [samples] at ``rate`` Hz.
"""
from __future__ import annotations

import numpy as np

from .pad import resample

LSD_FFT, LSD_HOP = 2048, 512
LSD_ACTIVE_DB = -60.0       # frames quieter than this (relative to the loudest) are left out


def band_limit(x: np.ndarray, rate: int, made_at: float) -> np.ndarray:
    """``x`` as if it had been made at ``made_at`` Hz and resampled to ``rate``: soxr down and up
    again, the same path a generator's clip takes to the output rate; same length as ``x``."""
    y = resample(resample(x, rate, made_at), made_at, rate)
    out = np.zeros(len(x), np.float32)
    out[:min(len(x), len(y))] = y[:len(x)]
    return out


def _stft(x: np.ndarray, n_fft: int = LSD_FFT, hop: int = LSD_HOP) -> np.ndarray:
    """|STFT|^2 [frames, bins] with a Hann window (frames start at 0, the last one zero-padded)."""
    x = np.asarray(x, np.float64)
    frames = max(1, 1 + int(np.ceil(max(0, len(x) - n_fft) / hop)))
    padded = np.zeros((frames - 1) * hop + n_fft)
    padded[:len(x)] = x
    idx = np.arange(n_fft)[None] + hop * np.arange(frames)[:, None]
    return np.abs(np.fft.rfft(padded[idx] * np.hanning(n_fft), axis=1)) ** 2


def lsd(ref: np.ndarray, est: np.ndarray, rate: int, lo: float = 0.0, hi: float | None = None) -> float:
    """Log-spectral distance (NU-Wave / NVSR): per frame the RMS over bins in [lo, hi) Hz of
    log10 power differences, averaged over the frames where ``ref`` is within 60 dB of its
    loudest frame (one-shots end in long silences that would otherwise dilute it)."""
    n = min(len(ref), len(est))
    p, q = _stft(ref[:n]), _stft(est[:n])
    freqs = np.fft.rfftfreq(LSD_FFT, 1.0 / rate)
    band = (freqs >= lo) & (freqs < (hi if hi is not None else rate / 2 + 1))
    energy = p.sum(1)
    active = energy >= energy.max() * 10 ** (LSD_ACTIVE_DB / 10)
    d = np.log10(p[active][:, band] + 1e-10) - np.log10(q[active][:, band] + 1e-10)
    return float(np.mean(np.sqrt(np.mean(d ** 2, axis=1))))


def energy_above(x: np.ndarray, rate: int, freq: float = 8000.0) -> float:
    """The share (0-1) of ``x``'s energy above ``freq`` Hz."""
    spec = np.abs(np.fft.rfft(np.asarray(x, np.float64))) ** 2
    total = spec.sum()
    return float(spec[np.fft.rfftfreq(len(x), 1.0 / rate) >= freq].sum() / total) if total > 0 else 0.0


def replicate_band(x: np.ndarray, rate: int, cutoff: float, n_fft: int = 1024) -> np.ndarray:
    """The non-learned baseline: spectral band replication as in HE-AAC, simplified. Each frame's
    top octave below ``cutoff`` is copied upwards, octave after octave, each copy scaled by the
    frame's own slope (the top octave's energy over the octave below it, at most 1), then the
    copies are added above ``cutoff`` (overlap-add, Hann windows, hop n_fft/4)."""
    x = np.asarray(x, np.float32)
    hop = n_fft // 4
    win = np.hanning(n_fft)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    kc = int(np.searchsorted(freqs, cutoff))
    ko = kc // 2
    if ko < 2 or kc >= len(freqs):
        return x.copy()
    pad = np.concatenate([np.zeros(n_fft, np.float32), x, np.zeros(n_fft, np.float32)])
    out = np.zeros(len(pad))
    norm = np.zeros(len(pad))
    for s in range(0, len(pad) - n_fft, hop):
        spec = np.fft.rfft(pad[s:s + n_fft] * win)
        top = np.sum(np.abs(spec[ko:kc]) ** 2)
        below = np.sum(np.abs(spec[ko // 2:ko]) ** 2)
        slope = min(1.0, np.sqrt(top / below)) if below > 0 else 0.0
        high = np.zeros_like(spec)
        k, gain = kc, slope
        while k < len(spec):
            n = min(kc - ko, len(spec) - k)
            high[k:k + n] = spec[ko:ko + n] * gain
            k += n
            gain *= slope
        out[s:s + n_fft] += np.fft.irfft(high, n_fft) * win
        norm[s:s + n_fft] += win ** 2
    high_band = out / np.maximum(norm, 1e-3)
    return (x + high_band[n_fft:n_fft + len(x)]).astype(np.float32)


# Energy above the model's band over the energy of its top octave: real one-shots at 48 kHz read a
# median of 0.1-0.3 and a 90th percentile of 1.4-3.4 (kits, effects, GM Rock Kit, game sfx);
# hi-hats a median of 1.8-2.6 and a 90th percentile of 9.7-46. An extender filling the top band
# of a young model's dull sound read 37-49 (docs/hifi.md).
MAX_ADDED_RATIO = 10.0
# How much air a sound carries follows how bright its top octave already is. On the 150
# even-numbered real full-band clips of bench/data/hifi_drums and hifi_sfx (the odd ones are
# bench/hifi.py's test half), the ratio above has a 90th percentile of 0.3-1.3 where the top
# octave holds under 3 % of the band's energy (kicks, toms, most snares and effects), 1.8 at
# 3-10 %, and 6-54 above 20 % (hats, cymbals, noise); the odd half reads the same (docs/hifi.md).
# So the cap rises with the top octave's share: DULL_RATIO up to DULL_SHARE, MAX_ADDED_RATIO from
# BRIGHT_SHARE, log-linear between.
DULL_SHARE, BRIGHT_SHARE = 0.03, 0.2
DULL_RATIO = 1.5
# which cap: 0 none, 1 MAX_ADDED_RATIO for every sound (stems made before rule 2 remake with it),
# 2 by the top octave's share
CAP_RULES = (0, 1, 2)
CAP_RULE = 2


def max_added_ratio(top_share: np.ndarray) -> np.ndarray:
    """The cap on added / top-octave energy for clips whose top octave holds ``top_share`` of
    their band's energy (rule 2; see :data:`DULL_SHARE`)."""
    share = np.clip(np.asarray(top_share, np.float64), 1e-12, 1.0)
    t = np.clip((np.log10(share) - np.log10(DULL_SHARE)) / (np.log10(BRIGHT_SHARE) - np.log10(DULL_SHARE)), 0, 1)
    return 10.0 ** (np.log10(DULL_RATIO) + t * (np.log10(MAX_ADDED_RATIO) - np.log10(DULL_RATIO)))


def cap_added_band(low: np.ndarray, full: np.ndarray, rate: int, edge: float, rule: int = CAP_RULE) -> np.ndarray:
    """``full`` (float32 [n, samples]: ``low`` [n, samples] with a band added above ``edge`` Hz)
    with the added part scaled down, per clip, where its energy passes a ratio to the energy of
    ``low``'s top octave (``edge`` / 2 to ``edge``): the added air never outweighs the sound it
    continues more than real recordings do. ``rule`` 2 (the default) allows more for a brighter
    top octave (:func:`max_added_ratio`), 1 allows :data:`MAX_ADDED_RATIO` for every sound, 0
    nothing is capped. Clips under the cap come back unchanged."""
    if rule not in CAP_RULES:
        raise ValueError(f"unknown cap rule {rule!r}; choose from {CAP_RULES}")
    low = np.asarray(low, np.float32)
    if rule == 0:
        return np.asarray(full, np.float32).copy()
    added = np.asarray(full, np.float32) - low
    spec = np.abs(np.fft.rfft(low, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(low.shape[-1], 1.0 / rate)
    top = spec[:, (freqs >= edge / 2) & (freqs <= edge)].sum(-1) * 2 / low.shape[-1]   # Parseval
    if rule == 2:
        band = spec[:, freqs <= edge].sum(-1) * 2 / low.shape[-1]
        max_ratio = max_added_ratio(top / np.maximum(band, 1e-30))
    else:
        max_ratio = np.full(len(low), MAX_ADDED_RATIO)
    energy = (added.astype(np.float64) ** 2).sum(-1)
    scale = np.ones(len(low))
    over = energy > max_ratio * top
    scale[over] = np.sqrt(max_ratio[over] * top[over] / np.maximum(energy[over], 1e-30))
    out = np.asarray(full, np.float32).copy()
    out[over] = low[over] + added[over] * scale[over, None].astype(np.float32)
    return out
