"""Play a recording of any length (a converted file) through the engine's stream ring.

A pad's clip lives in the mixer's preallocated bank (at most a few seconds); a recording is fed
into a ring the callback reads (:attr:`AudioEngine.stream`) by a thread that writes whenever the
ring has room, so only half a second is ever queued. Stopping fades the next 10 ms out instead of
cutting, waits for the ring to play out, then turns the stream off: no click, and nothing stale
is left queued for the next recording.
"""
from __future__ import annotations

import logging
import threading
import time

import numpy as np

from ..dsp.pad import resample
from .engine import lower_thread_priority

log = logging.getLogger(__name__)

CHUNK = 2048
STOP_FADE_S = 0.01


class FileStream:
    """Feeds ``engine.stream`` with ``audio`` (float32 [frames] at ``rate`` Hz; resampled to the
    engine's rate in the stream's own thread, not the caller's) from a thread."""

    def __init__(self, engine, audio: np.ndarray, rate: int):
        self.engine, self.ring = engine, engine.stream
        self.source, self.rate = audio, rate
        self.audio = np.zeros(0, np.float32)        # at the engine's rate, once the thread has made it
        self.written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="file-stream", daemon=True)

    def start(self) -> None:
        self.engine.stream_on = True
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Fade out within 10 ms, let the queued frames play, then end; returns once it has (the
        thread only sleeps by then, at most about 2.5 s, however slow the machine)."""
        self._stop.set()
        self._thread.join(timeout)

    @property
    def playing(self) -> bool:
        return self._thread.is_alive()

    @property
    def played_s(self) -> float:
        """Seconds of the recording the callback has taken so far."""
        return max(0, self.written - self.ring.available()) / self.engine.sample_rate

    def _run(self) -> None:
        lower_thread_priority()
        rate = self.engine.sample_rate
        try:
            self.audio = np.ascontiguousarray(resample(self.source, self.rate, rate), np.float32)
            n = len(self.audio)
            while self.written < n and not self._stop.is_set():
                if self.ring.space() < CHUNK:
                    self._stop.wait(CHUNK / rate / 2)
                    continue
                self.written += self.ring.write(self.audio[self.written:self.written + CHUNK])
            if self._stop.is_set() and self.written < n:
                self._fade_out(rate)
            # the queue plays out in at most its length; a stalled stream (no sound card) gives up
            self._wait_until(lambda: self.ring.available() == 0, self.ring.available() / rate + 1.0)
        finally:
            self.engine.stream_on = False

    def _fade_out(self, rate: int) -> None:
        piece = self.audio[self.written:self.written + int(STOP_FADE_S * rate)].copy()
        piece *= np.linspace(1.0, 0.0, len(piece), dtype=np.float32)
        self._wait_until(lambda: self.ring.space() >= len(piece), 1.0)
        self.written += self.ring.write(piece)

    @staticmethod
    def _wait_until(cond, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not cond() and time.monotonic() < deadline:
            time.sleep(0.005)
