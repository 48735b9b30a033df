"""A single-writer / single-reader ring buffer of float32 frames for the audio callback.

The storage is allocated once; ``write`` (producer thread) and ``read_into`` (the PortAudio
callback) only copy slices, take no lock and allocate nothing. Each side owns one monotonically
growing counter (an int64 in the arena, so the two sides may be two processes sharing memory),
and the writer publishes its counter only after the frames are in place, so the reader never sees
a frame before it is written.
"""
from __future__ import annotations

import numpy as np

from .shared import Arena

_W, _R, _U = 0, 1, 2        # counters: frames written, frames read, underruns


class RingBuffer:
    """Frames ``[capacity, channels]`` float32; counts underruns (reads that found too few frames)."""

    def __init__(self, capacity: int, channels: int = 1, arena: Arena | None = None):
        if capacity < 1 or channels < 1:
            raise ValueError("capacity and channels must be at least 1")
        arena = arena or Arena()
        self._buf = arena.zeros((capacity, channels), np.float32)
        self._ctr = arena.zeros(3, np.int64)
        self.capacity = capacity
        self.channels = channels

    @property
    def underruns(self) -> int:     # owned by the reader
        return int(self._ctr[_U])

    @underruns.setter
    def underruns(self, n: int) -> None:
        self._ctr[_U] = n

    def available(self) -> int:
        """Frames ready to read."""
        return int(self._ctr[_W] - self._ctr[_R])

    def space(self) -> int:
        """Frames that can be written without overwriting unread ones."""
        return self.capacity - int(self._ctr[_W] - self._ctr[_R])

    def write(self, frames: np.ndarray) -> int:
        """Copy as many of ``frames`` ([n, channels] or [n] for mono) as fit; returns how many."""
        frames = frames.reshape(len(frames), -1) if frames.ndim == 1 else frames
        n = min(len(frames), self.space())
        start = int(self._ctr[_W]) % self.capacity
        first = min(n, self.capacity - start)
        self._buf[start:start + first] = frames[:first]
        self._buf[: n - first] = frames[first:n]
        self._ctr[_W] += n
        return n

    def read_into(self, out: np.ndarray) -> int:
        """Fill ``out`` [n, channels] with the oldest frames, silence for any shortfall (an underrun).

        Returns the number of real frames copied. Allocates nothing.
        """
        want = len(out)
        n = min(want, int(self._ctr[_W] - self._ctr[_R]))
        start = int(self._ctr[_R]) % self.capacity
        first = min(n, self.capacity - start)
        out[:first] = self._buf[start:start + first]
        out[first:n] = self._buf[: n - first]
        if n < want:
            out[n:] = 0.0
            self._ctr[_U] += 1
        self._ctr[_R] += n
        return n
