"""How many CPU threads training and rendering may use.

torch's default is one thread per core, and its threads wait at every operator for the slowest of
them: when another process (the user's browser, the studio's own audio and window) takes a core,
every step waits for a descheduled thread. Measured on 2 cores with one competing busy process
(issue 12): `tiny` made 0.18 steps/s with torch's 2 threads and about 1.0 with 1 thread. So
training leaves one core to the rest of the machine, and rendering pads uses one thread.
"""
from __future__ import annotations

import os

MAX_TRAINING_THREADS = 8     # past this, tiny/standard steps stop getting faster on a CPU


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def training_threads(cores: int | None = None) -> int:
    """Threads for the trainer: every core but one (at least 1, at most 8)."""
    cores = available_cores() if cores is None else cores
    return max(1, min(MAX_TRAINING_THREADS, cores - 1))


RENDER_THREADS = 1           # the sampler and texture threads: a batch of 16 tiny clips in ~20 ms
