"""True stereo for a generated sound: the pad's own (mono) sound in the middle, and as the side
signal the difference of two nearby takes of it (two latents a small step either side of the
pad's, :func:`ganstudio.models.latent.stereo_pair`), as a stereo pair of microphones hears two
slightly different versions of one hit.

Mid/side keeps the sound a sound designer chose: ``L + R = 2 x mid``, so the stereo stem folds
down to exactly the mono pad, at every width, and width 0 is the mono sound itself.
"""
from __future__ import annotations

import numpy as np

# At width 1 the side carries this share of the mid's RMS: the side is made uncorrelated with the
# mid, so the channels correlate (1 - s^2) / (1 + s^2) = 0.47 over the clip, a wide image that
# stays mono-compatible; ...
SIDE_SHARE = 0.6
# ... two takes that barely differ give a faint side, raised by at most this much (12 dB):
# more would turn their rounding-level difference into a noise of its own; ...
MAX_SIDE_GAIN = 4.0
# ... and the side's peak stays under this share of the mid's: the two takes' transients rarely
# line up, so their difference is spikier than either, and a channel would peak far above the
# mono sound (measured on 48 pads of the demo model and the base at width 1: up to +5.5 and
# +6.6 dB over the mono peak without this bound, +3.3 and +3.4 dB with it; docs/workbench.md).
SIDE_PEAK = 0.5


def to_mono(x: np.ndarray) -> np.ndarray:
    """``x`` float32 [frames] as it is, or [frames, channels] averaged to [frames]."""
    x = np.asarray(x, dtype=np.float32)
    return x if x.ndim == 1 else x.mean(axis=1, dtype=np.float32)


def side_gain(mid: np.ndarray, side: np.ndarray) -> float:
    """The gain that brings ``side`` to :data:`SIDE_SHARE` of ``mid``'s RMS (both float32 [frames]
    at one rate), at most :data:`MAX_SIDE_GAIN` and with the side's peak at most :data:`SIDE_PEAK`
    of the mid's; 0 when either is silent."""
    m = float(np.sqrt(np.mean(np.square(mid, dtype=np.float64)))) if len(mid) else 0.0
    s = float(np.sqrt(np.mean(np.square(side, dtype=np.float64)))) if len(side) else 0.0
    if m <= 0.0 or s <= 0.0:
        return 0.0
    peak_gain = SIDE_PEAK * float(np.abs(mid).max()) / float(np.abs(side).max())
    return min(SIDE_SHARE * m / s, MAX_SIDE_GAIN, peak_gain)


def widen(mid: np.ndarray, side: np.ndarray, width: float) -> np.ndarray:
    """Left and right float32 [frames, 2] from ``mid`` and ``side`` (float32 [frames] at one
    rate; ``side`` is cut or zero-padded to ``mid``'s length) at ``width`` 0..1: L = mid + w g s,
    R = mid - w g s, where s is the side less its projection on the mid (so L and R carry equal
    energy) and g = :func:`side_gain` of it. Width 0 gives the mid on both channels."""
    mid = np.asarray(mid, dtype=np.float32)
    s = np.zeros_like(mid)
    side = np.asarray(side, dtype=np.float32)[:len(mid)]
    s[:len(side)] = side
    # the part of the side that follows the mid would tilt the image to one side (a take louder
    # than the other): without it both channels carry the same energy, and the image is centred
    mm = float(np.dot(mid, mid.astype(np.float64)))
    if mm > 0.0:
        s -= np.float32(float(np.dot(s, mid.astype(np.float64))) / mm) * mid
    s *= np.float32(float(np.clip(width, 0.0, 1.0)) * side_gain(mid, s))
    return np.stack([mid + s, mid - s], axis=1)
