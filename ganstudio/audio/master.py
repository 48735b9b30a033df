"""Master section for the audio callback: volume, a soft limiter and meters, all in place.

Blocks are float32 ``[frames, channels]``; every method works on preallocated scratch memory.
"""
from __future__ import annotations

import math

import numpy as np

from .shared import Arena


def apply_ramp(block: np.ndarray, g0: float, g1: float, steps: np.ndarray, scratch: np.ndarray) -> None:
    """Multiply ``block`` [n, channels] in place by a gain going linearly from ``g0`` to ``g1``
    (reached on the last frame). ``steps`` is ``arange(1, max+1)``; ``scratch`` has room for n."""
    n = len(block)
    if g0 == g1:
        if g0 != 1.0:
            block *= g0
        return
    ramp = scratch[:n]
    np.multiply(steps[:n], (g1 - g0) / n, out=ramp)
    ramp += g0
    for c in range(block.shape[1]):   # per column: broadcasting [n, 1] makes numpy buffer 8 KiB
        block[:, c] *= ramp


class Limiter:
    """Peak limiter: gain falls at once to keep a block under ``ceiling`` and recovers with
    ``release_s``. The gain is ramped across each block, so changes never click; a final clip at
    the ceiling catches a peak early in a block while the ramp is still on its way down."""

    def __init__(self, sample_rate: int, max_block: int = 4096, ceiling: float = 10 ** (-0.3 / 20),
                 release_s: float = 0.25):
        self.ceiling = ceiling
        self.sample_rate = sample_rate
        self.release_s = release_s
        self.gain = 1.0
        self._steps = np.arange(1, max_block + 1, dtype=np.float32)
        self._ramp = np.empty(max_block, dtype=np.float32)

    def process(self, block: np.ndarray) -> None:
        """Limit ``block`` [frames <= max_block, channels] in place."""
        n = len(block)
        if n == 0:
            return
        peak = max(float(block.max()), -float(block.min()))   # reductions: no temporary array
        target = min(1.0, self.ceiling / peak) if peak > 0 else 1.0
        if target < self.gain:
            new = target
        else:  # release: exponential approach to the target over release_s
            coeff = math.exp(-n / (self.release_s * self.sample_rate))
            new = target + (self.gain - target) * coeff
        apply_ramp(block, self.gain, new, self._steps, self._ramp)
        np.clip(block, -self.ceiling, self.ceiling, out=block)
        self.gain = new


class Meter:
    """Peak and RMS (linear) of the newest block, per channel, in a preallocated array the GUI
    copies from. ``serial`` grows with each block so readers can tell new values from old.

    The callback measures into scratch memory and publishes with one small copy between two
    serial bumps (odd while writing), so a reader never sees a half-computed value such as the
    RMS row still holding the sum of squares."""

    def __init__(self, channels: int, arena: Arena | None = None):
        arena = arena or Arena()
        self.values = arena.zeros((2, channels), np.float32)      # row 0 peak, row 1 RMS
        self._serial = arena.zeros(1, np.int64)
        self._work = np.zeros((2, channels), dtype=np.float32)
        self._tmp = np.zeros(channels, dtype=np.float32)

    @property
    def serial(self) -> int:
        """Blocks measured so far."""
        return int(self._serial[0]) // 2

    def update(self, block: np.ndarray) -> None:
        """Measure ``block`` [frames, channels] without allocating frame-sized temporaries."""
        peak, rms, tmp = self._work[0], self._work[1], self._tmp
        block.max(axis=0, out=peak)
        block.min(axis=0, out=tmp)
        np.negative(tmp, out=tmp)
        np.maximum(peak, tmp, out=peak)
        np.einsum("ij,ij->j", block, block, out=rms)
        rms /= max(1, len(block))
        np.sqrt(rms, out=rms)
        self._serial[0] += 1            # odd: publishing
        self.values[...] = self._work
        self._serial[0] += 1            # even: stable

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of (peak [channels], rms [channels]) for the GUI thread, from one whole block."""
        for _ in range(100):
            before = int(self._serial[0])
            v = self.values.copy()
            if before % 2 == 0 and int(self._serial[0]) == before:
                break
        return v[0], v[1]
