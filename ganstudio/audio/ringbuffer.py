"""A single-writer / single-reader ring buffer of float32 frames for the audio callback.

The storage is allocated once; ``write`` (producer thread) and ``read_into`` (the PortAudio
callback) only copy slices, take no lock and allocate nothing. Each side owns one monotonically
growing counter; under CPython an int store is atomic, and the writer publishes its counter only
after the frames are in place, so the reader never sees a frame before it is written.
"""
from __future__ import annotations

import numpy as np


class RingBuffer:
    """Frames ``[capacity, channels]`` float32; counts underruns (reads that found too few frames)."""

    def __init__(self, capacity: int, channels: int = 1):
        if capacity < 1 or channels < 1:
            raise ValueError("capacity and channels must be at least 1")
        self._buf = np.zeros((capacity, channels), dtype=np.float32)
        self.capacity = capacity
        self.channels = channels
        self._written = 0   # owned by the writer
        self._read = 0      # owned by the reader
        self.underruns = 0  # owned by the reader

    def available(self) -> int:
        """Frames ready to read."""
        return self._written - self._read

    def space(self) -> int:
        """Frames that can be written without overwriting unread ones."""
        return self.capacity - (self._written - self._read)

    def write(self, frames: np.ndarray) -> int:
        """Copy as many of ``frames`` ([n, channels] or [n] for mono) as fit; returns how many."""
        frames = frames.reshape(len(frames), -1) if frames.ndim == 1 else frames
        n = min(len(frames), self.space())
        start = self._written % self.capacity
        first = min(n, self.capacity - start)
        self._buf[start:start + first] = frames[:first]
        self._buf[: n - first] = frames[first:n]
        self._written += n
        return n

    def read_into(self, out: np.ndarray) -> int:
        """Fill ``out`` [n, channels] with the oldest frames, silence for any shortfall (an underrun).

        Returns the number of real frames copied. Allocates nothing.
        """
        want = len(out)
        n = min(want, self._written - self._read)
        start = self._read % self.capacity
        first = min(n, self.capacity - start)
        out[:first] = self._buf[start:start + first]
        out[first:n] = self._buf[: n - first]
        if n < want:
            out[n:] = 0.0
            self.underruns += 1
        self._read += n
        return n
