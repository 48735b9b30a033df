"""The audio engine in a process of its own, out of reach of the window's interpreter lock.

The audio callback runs Python, so it needs its process's interpreter lock every block (5.3 ms at
256 frames / 48 kHz). In the window's process, pyqtgraph's drawing and the clip view's FFT hold
that lock for several milliseconds at a time (measured: a redraw on every training snapshot cost
7 underruns in 20 s), which no switch interval can fix. Here the callback's process runs nothing
else: a small command loop (start, stop, reopen) waits on a pipe between blocks, no other thread
takes the lock (the kernel, not a polling thread, ends it with its parent), and the cyclic
garbage collector is off (nothing is allocated per block, so it could only run in the callback).

Clips, triggers, meters, the scope tap and the texture ring live in one shared-memory block laid
out by :class:`~ganstudio.audio.shared.Arena`: both processes build the same
:class:`VoiceMixer` and :class:`AudioEngine` over it, in the same order. The window's process
writes clips and triggers and reads meters and the scope; the engine process runs the callback.
The engine process never outlives its parent (PR_SET_PDEATHSIG on Linux, and a parent watch).
"""
from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
from multiprocessing import shared_memory

from ..procs import watch_parent
from .engine import AudioDeviceError, AudioEngine
from .shared import Arena, AttachedArena
from .voices import STOP_FADE_S, VoiceMixer

log = logging.getLogger(__name__)

REPLY_TIMEOUT_S = 30.0


def _layout(arena: Arena, cfg: dict) -> tuple[VoiceMixer, AudioEngine]:
    """Build the mixer and the engine over ``arena``: the one layout both processes share."""
    mixer = VoiceMixer(pads=cfg["pads"], voices=cfg["voices"], max_frames=cfg["max_frames"], max_block=4096,
                       arena=arena, fade_frames=int(STOP_FADE_S * cfg["sample_rate"]))
    engine = AudioEngine(mixer, cfg["sample_rate"], cfg["blocksize"], channels=cfg["channels"],
                         device=cfg["device"], arena=arena)
    return mixer, engine


def _attach(name: str) -> shared_memory.SharedMemory:
    """Attach to the parent's block without registering it with the resource tracker, which
    would otherwise unlink it when this process ends (Python < 3.13 has no ``track=False``)."""
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name=name, track=False)
    from multiprocessing import resource_tracker
    register = resource_tracker.register
    resource_tracker.register = lambda *a, **k: None
    try:
        return shared_memory.SharedMemory(name=name)
    finally:
        resource_tracker.register = register


def _engine_main(name: str, cfg: dict, conn, parent_pid: int) -> None:
    # SIGTERM's default action ends it when the parent dies; no polling thread (see watch_parent).
    # Ctrl-C in a terminal reaches the whole process group: the window decides, and ends this.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent_pid, lambda: os._exit(0), poll=False)
    shm = _attach(name)
    engine = None
    try:
        _, engine = _layout(AttachedArena(shm.buf), cfg)
        # the callback allocates nothing per block (tests/test_callback_alloc.py): a cyclic
        # collection could only ever run inside it, walking every object of the process
        gc.collect()
        gc.freeze()
        gc.disable()
        while True:
            try:
                cmd, args = conn.recv()
            except (EOFError, OSError):
                break
            try:
                if cmd == "quit":
                    engine.stop_input()
                    engine.stop()
                    conn.send(("ok", None))
                    break
                if cmd == "start":
                    engine.start()
                elif cmd == "stop":
                    engine.stop()
                elif cmd == "reopen":
                    engine.reopen(*args)
                elif cmd == "input_start":
                    engine.start_input(*args)
                elif cmd == "input_stop":
                    engine.stop_input()
                reply = {"running": engine.running, "latency": engine.output_latency_s,
                         "device": engine.device, "blocksize": engine.blocksize}
                conn.send(("ok", reply))
            except (AudioDeviceError, ValueError) as exc:
                conn.send(("error", f"{type(exc).__name__}:{exc}"))
    finally:
        engine = None
        try:
            shm.close()
        except BufferError:
            pass


class AudioProcess:
    """An :class:`AudioEngine` running in a child process, with the engine's interface for the
    window's process: ``mixer``, ``scope``, ``meter`` and ``texture`` are the shared views;
    ``start``, ``stop`` and ``reopen`` go to the child and raise :class:`AudioDeviceError` as the
    engine would."""

    def __init__(self, pads: int, voices: int, max_frames: int, sample_rate: int = 48000, blocksize: int = 256,
                 channels: int = 2, device: int | str | None = None):
        if not 64 <= blocksize <= 4096:
            raise ValueError("block size must be between 64 and 4096 frames")
        self._cfg = {"pads": pads, "voices": voices, "max_frames": max_frames, "sample_rate": sample_rate,
                     "blocksize": blocksize, "channels": channels, "device": device}
        measure = Arena.measure()
        _layout(measure, self._cfg)
        self._shm = shared_memory.SharedMemory(create=True, size=max(measure.offset, 1))
        self.mixer, self._view = _layout(Arena(self._shm.buf), self._cfg)
        self.sample_rate, self.channels = sample_rate, channels
        self.blocksize, self.device = blocksize, device
        self._running, self._latency = False, 0.0
        self._lock = threading.Lock()
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_engine_main, args=(self._shm.name, self._cfg, child, os.getpid()),
                                 name="ganstudio-audio", daemon=True)
        self._proc.start()
        child.close()

    # ---- shared views ---------------------------------------------------------------
    scope = property(lambda self: self._view.scope)
    meter = property(lambda self: self._view.meter)
    texture = property(lambda self: self._view.texture)
    stream = property(lambda self: self._view.stream)
    input = property(lambda self: self._view.input)
    input_dropped = property(lambda self: self._view.input_dropped)
    input_overflows = property(lambda self: self._view.input_overflows)
    input_blocks = property(lambda self: self._view.input_blocks)
    timing = property(lambda self: self._view.timing)
    frames = property(lambda self: self._view.frames)
    callbacks = property(lambda self: self._view.callbacks)
    lost = property(lambda self: self._view.lost)
    volume = property(lambda self: self._view.volume, lambda self, v: setattr(self._view, "volume", v))
    texture_on = property(lambda self: self._view.texture_on, lambda self, v: setattr(self._view, "texture_on", v))
    texture_gain = property(lambda self: self._view.texture_gain,
                            lambda self, v: setattr(self._view, "texture_gain", v))
    stream_on = property(lambda self: self._view.stream_on, lambda self, v: setattr(self._view, "stream_on", v))
    underruns = property(lambda self: self._view.underruns, lambda self, n: setattr(self._view, "underruns", n))

    def timing_stats(self) -> dict:
        return self._view.timing_stats()

    @property
    def running(self) -> bool:
        return self._running and self._proc.is_alive() and not self.lost

    @property
    def output_latency_s(self) -> float:
        return self._latency

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    # ---- commands -------------------------------------------------------------------
    def _ask(self, cmd: str, *args):
        with self._lock:
            if not self._proc.is_alive():
                raise AudioDeviceError(f"the audio process has stopped (exit code {self._proc.exitcode})")
            self._conn.send((cmd, args))
            if not self._conn.poll(REPLY_TIMEOUT_S):
                raise AudioDeviceError(f"the audio process did not answer '{cmd}' within {REPLY_TIMEOUT_S:.0f} s")
            kind, payload = self._conn.recv()
        if kind == "error":
            name, _, msg = payload.partition(":")
            raise (ValueError if name == "ValueError" else AudioDeviceError)(msg)
        if isinstance(payload, dict):
            self._running, self._latency = payload["running"], payload["latency"]
            self.device, self.blocksize = payload["device"], payload["blocksize"]
        return payload

    def start(self) -> None:
        self._ask("start")

    def _ask_if_alive(self, cmd: str) -> None:
        """``cmd`` for a stop: nothing to stop once the process has gone, and no error if it goes meanwhile."""
        if self._proc.is_alive():
            try:
                self._ask(cmd)
            except AudioDeviceError:
                pass

    def stop(self) -> None:
        self._ask_if_alive("stop")
        self._running = False

    def reopen(self, device: int | str | None = ..., blocksize: int | None = None) -> None:
        self._ask("reopen", device, blocksize)

    def start_input(self, device: int | str | None = None) -> None:
        self._ask("input_start", device)

    def stop_input(self) -> None:
        self._ask_if_alive("input_stop")

    @property
    def arena_name(self) -> str:
        """The shared-memory block another process attaches to (:mod:`.live`), with :attr:`layout`."""
        return self._shm.name

    layout = property(lambda self: dict(self._cfg))

    def close(self, timeout: float = 5.0) -> None:
        """Stop the stream, end the child (killed if it does not answer) and free the memory."""
        if self._proc.is_alive():
            try:
                self._ask("quit")
            except (AudioDeviceError, OSError, EOFError):
                pass
            self._proc.join(timeout)
            if self._proc.is_alive():
                log.warning("the audio process did not end within %.0f s; killing it", timeout)
                self._proc.kill()
                self._proc.join(timeout)
        self._running = False
        self._conn.close()
        self._view = _Closed(self._view)
        self.mixer = None
        try:
            self._shm.unlink()      # the name goes now; the memory when the last view is gone
        except FileNotFoundError:
            pass
        try:
            self._shm.close()
        except BufferError:         # views (the sampler's mixer) may still exist: GC frees them
            pass


class _Closed:
    """Stand-in after close: reads return what they last were, nothing touches freed memory."""

    def __init__(self, view: AudioEngine):
        self.frames, self.callbacks, self.lost = view.frames, view.callbacks, True
        self.volume, self.texture_on, self.texture_gain, self.underruns = 0.0, False, 0.0, view.underruns
        self.stream_on = False
        self.input_dropped, self.input_overflows, self.input_blocks = (view.input_dropped, view.input_overflows,
                                                                       view.input_blocks)
        self.scope = self.meter = self.texture = self.stream = self.timing = self.input = None

    def timing_stats(self) -> dict:
        return {}
