"""How far a clip's quietest bands lie under its loudest: a generator that leaves broadband noise
in the bands a sound lacks (a kick's top octave, a hat's bass) has a narrow range.

Measured on the kits (docs/quality.md, run 18): real hits span a median 28.5 dB, a `tiny` drum
model after 10 CPU minutes 19 dB; broadband noise following a real hit's envelope 20 dB under it
puts the real clips at 11x their own Fréchet floor.
"""
from __future__ import annotations

import numpy as np

from ..dsp import log_mel

ONSET_S = 0.256         # the part of the clip measured: the hit, not the silence after it


def band_range_db(clips: np.ndarray, sample_rate: int) -> np.ndarray:
    """[N, T] audio -> [N] dB between the 95th and 5th percentile of the clip's mel bands (64
    bands, power averaged over its first 256 ms, floored at -96 dB)."""
    head = np.asarray(clips, dtype=np.float32)[:, : max(1024, int(ONSET_S * sample_rate))]
    power = np.mean(10.0 ** (log_mel(head, sample_rate, n_mels=64, floor_db=-96.0) / 10.0), axis=1)
    bands_db = 10.0 * np.log10(power)
    return np.percentile(bands_db, 95, axis=1) - np.percentile(bands_db, 5, axis=1)


BUZZ_HZ = 62.5          # 16 kHz / 256: the second of five stride-4 upsamplings repeats this often


def buzz_db(clips: np.ndarray, sample_rate: int, every_hz: float = BUZZ_HZ) -> float:
    """[N, T] audio -> dB by which the clips' mean power spectrum stands out at the multiples of
    ``every_hz`` (the median over the multiples below Nyquist of the line's level over the median
    of the bins 8-24 Hz beside it; Hann window over the whole clip).

    A transposed-convolution generator whose kernel phases sum unequally repeats a pattern every
    256 samples at 16 kHz: a buzz at 62.5 Hz and its harmonics (models/wavegan.py, even_phases).
    Real drum kits read 1.8 dB and decaying noise bursts 0.3 dB; the shipped base 20.6 dB and
    `tiny` drum models after 10 CPU minutes 21-24 dB (docs/quality.md, run 20).
    """
    x = np.asarray(clips, dtype=np.float64)
    n = x.shape[1]
    spec = 10.0 * np.log10(np.mean(np.abs(np.fft.rfft(x * np.hanning(n), axis=1)) ** 2, axis=0) + 1e-30)
    per_hz = n / sample_rate
    near, far = max(2, int(round(8 * per_hz))), max(3, int(round(24 * per_hz)))
    lines = []
    for f in np.arange(every_hz, sample_rate / 2 - 24, every_hz):
        i = int(round(f * per_hz))
        around = np.r_[spec[max(0, i - far):max(0, i - near)], spec[i + near:i + far]]
        if around.size:
            lines.append(spec[max(0, i - 1):i + 2].max() - np.median(around))
    return float(np.median(lines)) if lines else 0.0
