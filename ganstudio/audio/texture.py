"""Texture mode: a continuous stream made by walking the latent space and crossfading renders.

A thread renders one clip after another at latents moving along great-circle arcs between random
anchors, windows each with a periodic Hann window and overlap-adds them at half the clip length
(the windows then sum to exactly one), and writes the finished half-clips into the ring buffer the
audio callback reads. It only renders when the ring has room, so it stays a bounded time ahead.
"""
from __future__ import annotations

import logging
import threading

import numpy as np

from ..models.latent import LatentWalk
from ..models.sampling import full_band, generate
from ..models.wavegan import Generator
from .engine import lower_thread_priority
from .ringbuffer import RingBuffer

log = logging.getLogger(__name__)


class TextureStream:
    """Feeds ``ring`` (frames at ``device_rate``) from ``generator``; ``speed`` is the fraction of
    the way between two anchors covered per rendered clip."""

    def __init__(self, ring: RingBuffer, generator: Generator, device_rate: int, speed: float = 0.15,
                 seed: int = 0, extender=None):
        self.ring, self.device_rate = ring, device_rate
        self.extender = extender            # a LoadedExtender or None; swapped whole between clips
        self._generator = generator
        self._pending: Generator | None = None
        self.walk = LatentWalk(generator.cfg.latent_dim, seed, speed, generator.cfg.num_classes)
        self._length = self._device_length(generator)
        self._acc = np.zeros(self._length, dtype=np.float32)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="texture", daemon=True)
        self.clips = 0
        self.error: str | None = None

    def _device_length(self, g: Generator) -> int:
        n = int(round(g.cfg.clip_length * self.device_rate / g.cfg.sample_rate))
        return n - n % 2

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def submit_generator(self, generator: Generator, step: int | None = None) -> None:
        """Use a new (frozen) generator from the next clip on; fits ``Trainer.snapshot_fn``."""
        self._pending = generator

    def _render(self) -> np.ndarray:
        g = self._generator
        latent, label = self.walk.step()
        problems: list = []
        clip = generate(g, latent[None], [label], problems=problems)[0]
        if problems:   # a broken snapshot plays silence, never a DC step or NaNs
            self.error = f"the model made unusable sound ({problems[0][1]}); texture plays silence"
        clip = full_band(clip[None], g.cfg.sample_rate, self.device_rate, self.extender, problems=problems)[0]
        out = np.zeros(self._length, dtype=np.float32)
        n = min(len(clip), self._length)
        out[:n] = clip[:n]
        return out

    def _run(self) -> None:
        lower_thread_priority()
        window = np.hanning(self._length + 1)[:-1].astype(np.float32)   # periodic: halves sum to 1
        hop = self._length // 2
        while not self._stop.is_set():
            # keep one half-clip queued: enough to cover a render, little enough that a new
            # snapshot is heard within a second or two
            if self.ring.space() < hop or self.ring.available() >= hop:
                self._stop.wait(hop / self.device_rate / 4)
                continue
            if self._pending is not None:
                new, self._pending = self._pending, None
                if self._device_length(new) == self._length:
                    self._generator = new
            try:
                clip = self._render()
            except Exception as exc:   # keep what is buffered playing; report why
                self.error = f"texture rendering failed: {exc}"
                log.exception("texture rendering failed")
                self._stop.wait(0.5)
                continue
            self._acc += window * clip
            self.ring.write(self._acc[:hop])
            self._acc[:-hop] = self._acc[hop:]
            self._acc[-hop:] = 0.0
            self.clips += 1
