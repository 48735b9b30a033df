"""Live conversion: the sound card's input converted as it arrives and played back.

The input stream's callback (in the audio process, :meth:`AudioEngine.start_input`) copies each
block into the input ring; a process of its own (:class:`LiveProcess`, so neither the window's
drawing nor the audio callback waits on torch, nor torch on them) reads the ring, runs
:class:`LiveChain` (a resampler to the converter's rate, :class:`~ganstudio.models.live.LiveConverter`,
back, a DC blocker, a gate that follows the input's pauses) and writes the result into the stream ring the callback plays.

Latency, in order: the converter waits for input up to one window ahead (512 samples at 24 kHz,
21 ms), the resamplers (:mod:`~ganstudio.dsp.stream_resample`) 0.7 ms each way, and the stream ring starts with
``prefill`` blocks queued so the callback always finds a block while the next is being made. A
dropout (the ring found empty: the callback plays silence for what it lacked) leaves everything
after it that much later, so the queue that much deeper; each is counted as a block, up to the
most that keeps the added latency within :data:`MAX_ADDED_S`; when converting takes more than :data:`BATCH_LOAD` of
real time, it converts one more block per call (most of the cost is per call, not per block),
again within that latency. Past that, or above :data:`LOAD_LIMIT` of real time, the process stops
the sound with a fade and says it can't keep up, instead of crackling.

Shapes: mono float32 [frames] at the engine's rate.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import time
from pathlib import Path
from time import perf_counter

import numpy as np

from ..procs import watch_parent

log = logging.getLogger(__name__)

PREFILL_BLOCKS = 2
MAX_ADDED_S = 0.050         # the goal: at most 50 ms added by converting
LOAD_LIMIT = 0.9            # converting may take at most this share of real time (over a second)
BATCH_LOAD = 0.5            # above this, convert one more block per call (if the latency allows)
CHECK_S = 1.0
FADE_S = 0.01
DC_HZ = 20.0
GATE_DB = -60.0             # input below this (RMS per ms, dBFS) is a pause: the output follows it to silence


class LiveChain:
    """Engine-rate input pieces -> converted engine-rate pieces, with state between calls.
    ``conv`` None passes the input through (the same rings and queue: what a monitor without
    conversion costs, for measuring what converting adds)."""

    def __init__(self, conv, rate: int):
        from scipy.signal import butter

        from ..dsp.gate import FollowGate
        from ..dsp.stream_resample import StreamResampler
        self.rate, self.live, self.gate = rate, None, None
        self.algorithmic_s = 0.0
        if conv is not None:
            from ..models.live import LiveConverter, latency_samples
            self.gate = FollowGate(rate, GATE_DB)
            self.live = LiveConverter(conv)
            inner = conv.cfg.sample_rate
            self.down, self.up = StreamResampler(rate, inner), StreamResampler(inner, rate)
            self.algorithmic_s = latency_samples(conv.cfg) / inner + self.down.delay_s + self.up.delay_s
        self.dc = butter(1, DC_HZ, "highpass", fs=rate, output="sos")
        self.dc_state = np.zeros((1, 2))

    def process(self, x: np.ndarray) -> np.ndarray:
        from scipy.signal import sosfilt
        x = np.asarray(x, np.float32)
        if self.live is not None:
            self.gate.feed(x)
            x = self.up.process(self.live.process(self.down.process(x)))
        if not len(x):
            return x
        y, self.dc_state = sosfilt(self.dc, x, zi=self.dc_state)
        y = y.astype(np.float32) if self.gate is None else self.gate.apply(y)
        if not np.isfinite(y).all():
            raise FloatingPointError("the converter made non-finite samples")
        return y


def converted_offline(conv, signal: np.ndarray, rate: int, block: int = 256, lead_blocks: int = 188) -> np.ndarray:
    """What :class:`LiveChain` plays for ``signal`` when it comes after ``lead_blocks`` blocks of
    ``block`` frames of silence (whole blocks, so the signal sits on the converter's frame grid as
    the stream's blocks put it; how many, modulo 4, sets the vocoder's phase advance): the
    reference for a live recording."""
    lead = np.zeros(lead_blocks * block, np.float32)
    fed = np.concatenate([lead, np.asarray(signal, np.float32)])
    chain = LiveChain(conv, rate)
    return np.concatenate([chain.process(fed[i:i + block]) for i in range(0, len(fed), block)])[len(lead):]


class _Overloaded(Exception):
    pass


class LiveLoop:
    """Runs :class:`LiveChain` between ``engine.input`` and ``engine.stream`` until ``stop()``
    says so; ``report(kind, payload)`` hears ("started", info), ("stats", info) every second and
    ("overload", why)."""

    def __init__(self, engine, chain: LiveChain, report=lambda kind, payload: None):
        self.engine, self.chain, self.report = engine, chain, report
        self.block = engine.blocksize
        self.prefill = PREFILL_BLOCKS
        self.batch = 1              # blocks converted per call: more costs less per block, waits longer
        # blocks that may be queued or gathered beyond the first of each, within MAX_ADDED_S
        self.spare = max(0, int((MAX_ADDED_S - chain.algorithmic_s) * engine.sample_rate // self.block))
        self.scratch = np.zeros((engine.input.capacity, 1), np.float32)
        self.busy_s = self.audio_s = 0.0
        self.first_underrun = 0     # the stream ring's dropout count when the sound started

    def run(self, stop) -> None:
        inp, ring = self.engine.input, self.engine.stream
        inp.read_into(self.scratch[:inp.available()])       # what queued before we were asked
        started, base, dropped = False, 0, self.engine.input_dropped
        next_check = time.monotonic() + CHECK_S
        try:
            while not stop():
                n = inp.available()
                if n < self.batch * self.block:
                    time.sleep(0.0005)
                    continue
                x = self.scratch[:n]
                inp.read_into(x)
                t0 = perf_counter()
                y = self.chain.process(x[:, 0])
                self.busy_s += perf_counter() - t0
                self.audio_s += n / self.engine.sample_rate
                if not len(y):
                    continue
                if not started:
                    ring.write(np.zeros(self.prefill * self.block, np.float32))
                    self.engine.stream_on = started = True
                    base = self.first_underrun = ring.underruns
                    self.report("started", self.info(0))
                ring.write(y)
                if ring.underruns > base:       # dropouts: each left the queue up to a block deeper
                    self._grow(ring, ring.underruns - base)
                    base = ring.underruns
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + CHECK_S
                    dropped = self._check(dropped)
            self._fade_out(ring)
        except _Overloaded as exc:
            self._fade_out(ring)
            self.report("overload", str(exc))
        finally:
            self.engine.stream_on = False

    def _extra(self) -> int:
        return self.prefill - PREFILL_BLOCKS + self.batch - 1

    def info(self, underruns: int) -> dict:
        load = self.busy_s / self.audio_s if self.audio_s else 0.0
        return {"added_ms": round(1000 * (self.chain.algorithmic_s + self._extra() * self.block / self.engine.sample_rate), 1),
                "queue_blocks": self.prefill, "batch_blocks": self.batch, "load": round(load, 3), "dropouts": underruns}

    def _grow(self, ring, dropouts: int) -> None:
        """Count ``dropouts`` into the queue: the callback played silence for the part of a block
        it lacked, so everything after it plays that much later, and the queue is that much
        deeper from then on: the margin the next hiccup needs, with no silence written on purpose.
        Counted as whole blocks, so the latency it reports and bounds is an upper bound."""
        self.prefill += dropouts
        if self._extra() > self.spare:
            raise _Overloaded("the machine can't keep up: the converted sound kept running dry "
                              f"({self.prefill - PREFILL_BLOCKS} dropouts); live conversion stopped")
        self.report("stats", self.info(ring.underruns - self.first_underrun))

    def _check(self, dropped: int) -> int:
        load = self.busy_s / max(self.audio_s, 1e-9)
        if self.audio_s >= CHECK_S and load > BATCH_LOAD and self._extra() < self.spare:
            self.batch += 1         # most of a call's cost is per call, not per frame (measured 0.45 -> 0.2)
        elif self.audio_s >= CHECK_S and load > LOAD_LIMIT:
            raise _Overloaded(f"the machine can't keep up: converting takes {load:.0%} of real time; "
                              "live conversion stopped")
        if self.engine.input_dropped > dropped:
            raise _Overloaded("the machine can't keep up: input was lost while converting; live conversion stopped")
        self.report("stats", self.info(self.engine.stream.underruns - self.first_underrun))
        self.busy_s = self.audio_s = 0.0
        return self.engine.input_dropped

    def _fade_out(self, ring) -> None:
        """End on zero: the next piece of sound, faded out over 10 ms, then the queue plays out."""
        n = int(FADE_S * self.engine.sample_rate)
        piece = np.zeros(n, np.float32)
        got = self.engine.input.available()
        if got:
            x = self.scratch[:got]
            self.engine.input.read_into(x)
            y = self.chain.process(x[:, 0])[:n]
            piece[:len(y)] = y
        piece *= np.linspace(1.0, 0.0, n, dtype=np.float32)
        ring.write(piece)
        deadline = time.monotonic() + 1.0
        while ring.available() and time.monotonic() < deadline:
            time.sleep(0.002)


def _live_main(shm_name: str, layout: dict, converter: str | None, conn, parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent_pid, lambda: os._exit(0), poll=False)
    import torch

    from .process import _attach, _layout
    from .shared import AttachedArena
    torch.set_num_threads(1)            # one frame at a time: more threads only add hand-offs
    shm = _attach(shm_name)
    try:
        _, engine = _layout(AttachedArena(shm.buf), layout)
        conv = None
        if converter is not None:
            from ..models.converter_file import load_converter
            conv = load_converter(converter).net
        loop = LiveLoop(engine, LiveChain(conv, engine.sample_rate), lambda kind, p: conn.send((kind, p)))
        loop.run(stop=conn.poll)
        engine = loop = None
    except Exception as exc:        # the window shows why; the sound is off (finally)
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        try:
            shm.close()
        except BufferError:
            pass
        conn.send(("ended", None))


class LiveProcess:
    """Live conversion of ``audio``'s input (an :class:`~.process.AudioProcess` whose input is
    open) with the converter in folder ``converter`` (None: pass the input through), in a child
    process. :meth:`poll` returns the messages since the last call; :meth:`stop` fades out and ends it."""

    def __init__(self, audio, converter: str | Path | None):
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_live_main, name="ganstudio-live", daemon=True,
                                 args=(audio.arena_name, audio.layout, None if converter is None else str(converter),
                                       child, os.getpid()))
        self._proc.start()
        child.close()
        self.ended = False

    def poll(self) -> list[tuple[str, object]]:
        # alive before reading: a process that had ended has all its messages in the pipe by
        # then, so one that ends while we read is not taken for one that died without a word
        alive, out = self._proc.is_alive(), []
        try:
            while self._conn.poll():
                kind, payload = self._conn.recv()
                self.ended |= kind == "ended"
                out.append((kind, payload))
        except (EOFError, OSError):
            self.ended = True
        if not alive and not self.ended:
            self.ended = True
            out.append(("error", f"the live conversion process ended (exit code {self._proc.exitcode})"))
        return out

    @property
    def running(self) -> bool:
        return self._proc.is_alive() and not self.ended

    def stop(self, timeout: float = 10.0) -> list[tuple[str, object]]:
        """Ask it to fade out and end; killed if it does not within ``timeout``. Returns its last
        messages, read while it ends: a child blocked on a full pipe would never end otherwise."""
        out = []
        if self._proc.is_alive():
            try:
                self._conn.send(("stop", None))
            except (OSError, BrokenPipeError):
                pass
            deadline = time.monotonic() + timeout
            while self._proc.is_alive() and time.monotonic() < deadline:
                out += self.poll()
                self._proc.join(0.05)
            if self._proc.is_alive():
                log.warning("the live conversion process did not end within %.0f s; killing it", timeout)
                self._proc.kill()
                self._proc.join(timeout)
        out += self.poll()
        self._conn.close()
        return out
