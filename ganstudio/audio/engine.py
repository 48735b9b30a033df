"""The sound-card stream: a sounddevice ``OutputStream`` whose callback only mixes preallocated
voices, applies the master gain, limiter and meters, and copies the result to a scope tap.

sounddevice (PortAudio) is imported when a stream is opened, so a machine without PortAudio or
without any sound card still runs everything else.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from time import perf_counter

import numpy as np

from .master import Limiter, Meter, apply_ramp
from .ringbuffer import RingBuffer
from .shared import Arena
from .voices import VoiceMixer

FADE_S = 0.01   # start / stop / volume changes ramp over this long, so nothing clicks
# The callback needs the interpreter lock each block; with Python's default 5 ms switch interval a
# busy worker thread can hold it for a whole 5.3 ms block (256 frames at 48 kHz).
GIL_SWITCH_S = 0.0005
TIMING_SLOTS = 1 << 16
TEXTURE_RING_S = 4.0
STREAM_RING_S = 0.5
INPUT_RING_S = 1.0


class AudioDeviceError(RuntimeError):
    """No usable output device, or the device failed; the message says which and why."""


def _sounddevice():
    """The sounddevice module; :class:`AudioDeviceError` when PortAudio can't be loaded."""
    try:
        import sounddevice as sd
    except OSError as exc:
        raise AudioDeviceError(f"PortAudio is not available ({exc})") from None
    return sd


def _close(stream) -> None:
    """Stop and close a PortAudio stream (None: nothing to do)."""
    if stream is None:
        return
    try:
        stream.stop()
        stream.close()
    except Exception:   # a vanished device may fail to close; the stream is gone either way
        pass


def _devices(kind: str) -> list[dict]:
    sd = _sounddevice()
    apis = sd.query_hostapis()
    return [{"index": i, "name": d["name"], "hostapi": apis[d["hostapi"]]["name"],
             "channels": d[f"max_{kind}_channels"], "default_rate": d["default_samplerate"]}
            for i, d in enumerate(sd.query_devices()) if d[f"max_{kind}_channels"] > 0]


def output_devices() -> list[dict]:
    """Output-capable devices as ``{"index", "name", "hostapi", "channels", "default_rate"}``."""
    return _devices("output")


def input_devices() -> list[dict]:
    """Input-capable devices, as :func:`output_devices` lists outputs."""
    return _devices("input")


COMMON_RATES = (22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000)


def accepted_rates(device, channels: int) -> list[int]:
    """The common sample rates ``device`` accepts for ``channels`` float32 output, as PortAudio
    reports them (for the error that says which rate to pick instead)."""
    try:
        import sounddevice as sd
    except OSError:
        return []
    ok = []
    for rate in COMMON_RATES:
        try:
            sd.check_output_settings(device=device, channels=channels, dtype="float32", samplerate=rate)
            ok.append(rate)
        except Exception:       # PortAudioError or ValueError: that rate (or the device) won't do
            pass
    return ok


def lower_thread_priority(nice: int = 5) -> None:
    """Make the calling thread (and the torch / OpenMP threads it starts later, which inherit it)
    yield the CPU to the audio callback and the GUI. Linux sets niceness per thread; elsewhere this
    does nothing."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (AttributeError, OSError):
        pass


def rescan_devices() -> None:
    """Make PortAudio list the devices anew (it only scans when it initialises). Only call it with
    no stream of ours open."""
    try:
        import sounddevice as sd
    except OSError:
        return
    sd._terminate()
    sd._initialize()


class AudioEngine:
    """Plays ``mixer`` on an output device at ``sample_rate`` with ``blocksize`` frames per callback.

    ``scope`` receives a copy of every played block ([frames, channels] float32) for the views;
    when nobody reads it, new blocks are dropped (the oldest audio stays). ``underruns`` counts
    PortAudio output underflows; ``frames`` counts frames played.
    """

    def __init__(self, mixer: VoiceMixer, sample_rate: int = 48000, blocksize: int = 256,
                 channels: int = 2, device: int | str | None = None, scope_seconds: float = 2.0,
                 arena: Arena | None = None):
        if not 64 <= blocksize <= 4096:
            raise ValueError("block size must be between 64 and 4096 frames")
        arena = arena or Arena()
        self.mixer, self.sample_rate, self.blocksize = mixer, sample_rate, blocksize
        self.channels, self.device = channels, device
        self.limiter = Limiter(sample_rate, max_block=4096)
        self.meter = Meter(channels, arena)
        self.scope = RingBuffer(int(scope_seconds * sample_rate), channels, arena)
        # what another process (the window's) sets and reads: volume, texture on, texture gain;
        # underruns, frames, callbacks, lost; the callback timing
        self._control = arena.zeros(4, np.float64)
        self._stats = arena.zeros(4, np.int64)
        self._control[0] = 1.0
        self._gain = 0.0
        self._running = False
        self._steps = np.arange(1, 4097, dtype=np.float32)
        self._scratch = np.empty(4096, dtype=np.float32)
        self._stream = None
        # texture mode: a stream fed by a TextureStream thread through this ring; it must hold two
        # half-clips of the longest clip (4 s)
        self.texture = RingBuffer(int(TEXTURE_RING_S * sample_rate), channels, arena)
        self._control[2] = 1.0
        self._tex = np.zeros((4096, channels), dtype=np.float32)
        # a recording of any length (a converted file) streamed by a FileStream thread
        self.stream = RingBuffer(int(STREAM_RING_S * sample_rate), channels, arena)
        self._str = np.zeros((4096, channels), dtype=np.float32)
        # callback timing: [start, duration] seconds of the last TIMING_SLOTS callbacks
        self.timing = arena.zeros((TIMING_SLOTS, 2), np.float64)
        # the sound card's input (live conversion), mono at the same rate: filled by its own
        # callback, read by the live converter (audio/live.py); blocks that found the ring full
        # (the reader fell behind), blocks the card flagged as overflowed, blocks
        self.input = RingBuffer(int(INPUT_RING_S * sample_rate), 1, arena)
        self._in_stats = arena.zeros(3, np.int64)
        self._input_stream = None

    # shared state as attributes
    volume = property(lambda self: float(self._control[0]),
                      lambda self, v: self._control.__setitem__(0, v))
    texture_on = property(lambda self: bool(self._control[1]),
                          lambda self, on: self._control.__setitem__(1, float(on)))
    texture_gain = property(lambda self: float(self._control[2]),
                            lambda self, g: self._control.__setitem__(2, g))
    stream_on = property(lambda self: bool(self._control[3]),
                         lambda self, on: self._control.__setitem__(3, float(on)))
    underruns = property(lambda self: int(self._stats[0]),
                         lambda self, n: self._stats.__setitem__(0, n))
    frames = property(lambda self: int(self._stats[1]))
    callbacks = property(lambda self: int(self._stats[2]))
    input_dropped = property(lambda self: int(self._in_stats[0]))
    input_overflows = property(lambda self: int(self._in_stats[1]))
    input_blocks = property(lambda self: int(self._in_stats[2]))
    _lost = property(lambda self: bool(self._stats[3]),
                     lambda self, on: self._stats.__setitem__(3, int(on)))

    # ---- callback (PortAudio's thread) ------------------------------------------------
    def _callback(self, out: np.ndarray, frames: int, time_info, status) -> None:
        t0 = perf_counter()
        stats, control = self._stats, self._control
        if status.output_underflow:
            stats[0] += 1
        out.fill(0.0)
        self.mixer.mix_into(out)
        if control[1]:
            tex = self._tex[:frames]
            self.texture.read_into(tex)
            tex *= float(control[2])       # a Python float: numpy float64 would cast through a buffer
            out += tex
        if control[3]:
            part = self._str[:frames]
            self.stream.read_into(part)
            out += part
        target = float(control[0]) if self._running else 0.0
        step = frames / (FADE_S * self.sample_rate)
        new = min(target, self._gain + step) if target > self._gain else max(target, self._gain - step)
        apply_ramp(out, self._gain, new, self._steps, self._scratch)
        self._gain = new
        self.limiter.process(out)
        self.meter.update(out)
        if self.scope.space() >= frames:
            self.scope.write(out)
        stats[1] += frames
        row = self.timing[stats[2] % TIMING_SLOTS]
        row[0] = t0
        row[1] = perf_counter() - t0
        stats[2] += 1

    def _in_callback(self, indata: np.ndarray, frames: int, time_info, status) -> None:
        # PortAudio's input thread: copy the block into the ring (nothing allocated); a block
        # that finds the ring full (nobody reading fast enough) is counted apart from the card's
        # own overflows (a sound server reconnecting ports flags those too)
        if self.input.space() < frames:
            self._in_stats[0] += 1
        if status.input_overflow:
            self._in_stats[1] += 1
        self.input.write(indata)
        self._in_stats[2] += 1

    def timing_stats(self) -> dict:
        """Callback interval percentiles (ms), CPU time as a share of the block's deadline."""
        n = min(self.callbacks, TIMING_SLOTS)
        if n < 3:
            return {}
        idx = np.arange(self.callbacks - n, self.callbacks) % TIMING_SLOTS
        starts, durations = self.timing[idx, 0], self.timing[idx, 1]
        intervals = np.diff(starts) * 1000
        deadline = self.blocksize / self.sample_rate
        return {"callbacks": int(self.callbacks),
                "interval_ms_p50": round(float(np.percentile(intervals, 50)), 3),
                "interval_ms_p99": round(float(np.percentile(intervals, 99)), 3),
                "interval_ms_max": round(float(intervals.max()), 3),
                "cpu_share_of_deadline_p50": round(float(np.percentile(durations, 50) / deadline), 4),
                "cpu_share_of_deadline_p99": round(float(np.percentile(durations, 99) / deadline), 4),
                "cpu_share_of_deadline_max": round(float(durations.max() / deadline), 4),
                "underruns": int(self.underruns)}

    @property
    def output_latency_s(self) -> float:
        """PortAudio's reported output latency of the open stream (0 when closed)."""
        return float(self._stream.latency) if self._stream is not None else 0.0

    def _finished(self) -> None:
        # PortAudio's thread, once the stream has ended: by our stop() or because the device went
        if self._running:
            self._lost = True

    @property
    def lost(self) -> bool:
        """True when the device stopped the stream under us (unplugged, server gone, error)."""
        return self._lost

    # ---- control (any other thread) ---------------------------------------------------
    def start(self) -> None:
        """Open and start the stream; raises :class:`AudioDeviceError` with the reason."""
        sd = _sounddevice()
        self._lost = False
        try:
            self._stream = sd.OutputStream(samplerate=self.sample_rate, blocksize=self.blocksize,
                                           channels=self.channels, dtype="float32", device=self.device,
                                           callback=self._callback, finished_callback=self._finished)
            self._running = True
            sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            self._running, self._stream = False, None
            rates = accepted_rates(self.device, self.channels)
            hint = (f"; it accepts {', '.join(map(str, rates))} Hz, not {self.sample_rate}"
                    if rates and self.sample_rate not in rates else "")
            raise AudioDeviceError(f"can't open the audio output {self.device or '(default)'}: {exc}{hint}") from None

    def start_input(self, device: int | str | None = None) -> None:
        """Open the input ``device`` (None: the default input) at the output's rate and block
        size, mono, into :attr:`input`; raises :class:`AudioDeviceError` with the reason."""
        sd = _sounddevice()
        self.stop_input()
        try:
            self._input_stream = sd.InputStream(samplerate=self.sample_rate, blocksize=self.blocksize, channels=1,
                                                dtype="float32", device=device, callback=self._in_callback)
            self._input_stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            self._input_stream = None
            raise AudioDeviceError(f"can't open the audio input {device if device is not None else '(default)'}: "
                                   f"{exc}") from None

    def stop_input(self) -> None:
        stream, self._input_stream = self._input_stream, None
        _close(stream)

    def stop(self) -> None:
        """Fade out, then stop and close the stream."""
        if self._stream is None:
            return
        self._running = False
        deadline = time.monotonic() + 0.5
        while self._gain > 0.0 and self._stream.active and time.monotonic() < deadline:
            time.sleep(0.005)
        self._close_quietly()

    def close(self) -> None:
        """Stop the streams (the same call as :meth:`AudioProcess.close`, which also ends its process)."""
        self.stop_input()
        self.stop()

    def _close_quietly(self) -> None:
        stream, self._stream = self._stream, None
        _close(stream)

    def reopen(self, device: int | str | None = ..., blocksize: int | None = None) -> None:
        """Close whatever is left of the stream, rescan the devices (a replugged card or a
        restarted sound server gets a new index) and start again, optionally on another device or
        block size (a new sample rate needs new clips: make a new engine and sampler for it).
        Raises :class:`AudioDeviceError` when that fails too."""
        self._running = False
        self._close_quietly()
        if device is not ...:
            self.device = device
        if blocksize is not None:
            if not 64 <= blocksize <= 4096:
                raise ValueError("block size must be between 64 and 4096 frames")
            self.blocksize = blocksize
        rescan_devices()
        self._gain = 0.0
        self.start()

    @property
    def running(self) -> bool:
        return self._stream is not None and self._stream.active
