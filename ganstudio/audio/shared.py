"""Preallocated arrays that can live in shared memory, so the audio callback can run in a process
of its own (``audio/process.py``) while the window's process writes clips and triggers and reads
the meters and the scope: the same classes (mixer, rings, meter, engine state) are built twice,
in the same order, over one :class:`multiprocessing.shared_memory.SharedMemory`.

numpy only (the callback's files import nothing else). A counter another process reads is an
int64 array element: the writer stores its data first and its counter last, so (on the
total-store-order CPUs this runs on, and with the aligned 8-byte stores numpy makes) the reader
never sees a counter ahead of its data.
"""
from __future__ import annotations

import numpy as np

ALIGN = 64


class Arena:
    """Hands out zeroed arrays: plain numpy allocations (``buffer`` None), or consecutive views of
    ``buffer`` (a shared-memory block). ``Arena.measure()`` adds up the bytes a layout needs; the
    arrays it hands out meanwhile are throw-away stand-ins (zeroed on demand by the OS, so the
    large ones are never touched)."""

    def __init__(self, buffer=None, measure: bool = False):
        self.buffer = buffer
        self.measuring = measure
        self.offset = 0

    @classmethod
    def measure(cls) -> "Arena":
        return cls(None, measure=True)

    def zeros(self, shape, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        n = int(np.prod(shape)) * dtype.itemsize
        if self.buffer is None and not self.measuring:
            return np.zeros(shape, dtype)
        start = self.offset
        self.offset += (n + ALIGN - 1) // ALIGN * ALIGN
        if self.measuring:
            return np.zeros(shape, dtype)        # a throw-away stand-in of the right shape
        arr = np.ndarray(shape, dtype, buffer=self.buffer, offset=start)
        arr.fill(0)
        return arr

    def attach(self, shape, dtype) -> np.ndarray:
        """The next array of the layout as another process left it (not zeroed)."""
        dtype = np.dtype(dtype)
        n = int(np.prod(shape)) * dtype.itemsize
        start = self.offset
        self.offset += (n + ALIGN - 1) // ALIGN * ALIGN
        return np.ndarray(shape, dtype, buffer=self.buffer, offset=start)


class AttachedArena(Arena):
    """An arena over a block another process laid out and zeroed: arrays are attached, not reset."""

    def zeros(self, shape, dtype) -> np.ndarray:
        return self.attach(shape, dtype)
