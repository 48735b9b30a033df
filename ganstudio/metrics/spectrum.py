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
