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

import numpy as np

from .engine import lower_thread_priority

log = logging.getLogger(__name__)

CHUNK = 2048
STOP_FADE_S = 0.01


class FileStream:
    """Feeds ``engine.stream`` with ``audio`` (float32 [frames] at the engine's rate) from a thread."""

    def __init__(self, engine, audio: np.ndarray):
        self.engine, self.ring = engine, engine.stream
        self.audio = np.ascontiguousarray(audio, np.float32)
        self.written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="file-stream", daemon=True)

    def start(self) -> None:
        self.engine.stream_on = True
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Fade out within 10 ms, let the queued frames play, then end; returns once it has."""
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
        rate, n = self.engine.sample_rate, len(self.audio)
        try:
            while self.written < n and not self._stop.is_set():
                if self.ring.space() < CHUNK:
                    self._stop.wait(CHUNK / rate / 2)
                    continue
                piece = self.audio[self.written:self.written + CHUNK]
                self.written += self.ring.write(piece)
            if self._stop.is_set() and self.written < n:
                self._fade_out(rate)
            # the queue plays out in at most its length; a stalled stream (no sound card) gives up
            deadline = self.ring.available() / rate + 1.0
            waited = 0.0
            while self.ring.available() > 0 and waited < deadline:
                threading.Event().wait(0.01)
                waited += 0.01
        finally:
            self.engine.stream_on = False

    def _fade_out(self, rate: int) -> None:
        fade = int(STOP_FADE_S * rate)
        piece = self.audio[self.written:self.written + fade].copy()
        piece *= np.linspace(1.0, 0.0, len(piece), dtype=np.float32)
        for _ in range(200):            # a second at most: the ring drains 10 ms in ~10 ms
            if self.ring.space() >= len(piece):
                break
            threading.Event().wait(0.005)
        self.written += self.ring.write(piece)
