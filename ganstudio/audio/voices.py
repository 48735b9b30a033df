"""Pads, polyphonic voices and their mixing for the audio callback.

Clips live in a preallocated bank ``[pads, 2, max_frames]`` (two slots per pad so a new render can
be written while the old one still plays). The GUI / worker threads send triggers through a
preallocated command ring (writers serialised by a lock the callback never takes); the callback drains it at the start of
each block and mixes every active voice with linear interpolation (playback rate = pitch), all
into preallocated scratch arrays.
"""
from __future__ import annotations

import threading

import numpy as np

from ..dsp.processing import trim_bounds
from .shared import Arena


class VoiceMixer:
    """Up to ``voices`` simultaneous voices over ``pads`` pads of at most ``max_frames`` frames (mono
    clips at the device rate), mixed into ``[frames, channels]`` blocks of at most ``max_block``."""

    def __init__(self, pads: int = 16, voices: int = 16, max_frames: int = 4 * 48000,
                 max_block: int = 4096, commands: int = 256, arena: Arena | None = None):
        arena = arena or Arena()
        self.bank = arena.zeros((pads, 2, max_frames), np.float32)
        self.lengths = arena.zeros((pads, 2), np.int64)
        self.active_slot = arena.zeros(pads, np.int64)
        self.max_frames = max_frames
        # voice state (owned by the callback; shared so the control side can see what plays)
        self.v_on = arena.zeros(voices, bool)
        self.v_pad = arena.zeros(voices, np.int64)
        self.v_slot = arena.zeros(voices, np.int64)
        self.v_pos = arena.zeros(voices, np.float64)
        self.v_rate = arena.zeros(voices, np.float64)
        self.v_gain = arena.zeros(voices, np.float32)
        self.v_age = arena.zeros(voices, np.int64)
        self.v_loop = arena.zeros(voices, bool)
        self.v_start = arena.zeros(voices, np.int64)
        self.v_end = arena.zeros(voices, np.int64)
        self.v_reverse = arena.zeros(voices, bool)
        # command ring (writer: control threads, reader: callback)
        # pad, gain, rate, loop, reverse, stop, start fraction, end fraction
        self._cmd = arena.zeros((commands, 8), np.float64)
        self._ctr = arena.zeros(4, np.int64)        # commands written, commands read, clock, stolen
        self._send_lock = threading.Lock()
        # scratch for the callback
        self._steps = np.arange(max_block, dtype=np.float64)
        self._pos = np.empty(max_block, dtype=np.float64)
        self._idx = np.empty(max_block, dtype=np.int64)
        self._frac = np.empty(max_block, dtype=np.float64)
        self._frac32 = np.empty(max_block, dtype=np.float32)
        self._a = np.empty(max_block, dtype=np.float32)
        self._b = np.empty(max_block, dtype=np.float32)
        self._mix = np.empty(max_block, dtype=np.float32)

    @property
    def _cmd_written(self) -> int:
        return int(self._ctr[0])

    @property
    def _cmd_read(self) -> int:
        return int(self._ctr[1])

    @property
    def stolen(self) -> int:
        """Voices taken from older notes because all were busy."""
        return int(self._ctr[3])

    # ---- control side ------------------------------------------------------------------
    def load_clip(self, pad: int, clip: np.ndarray) -> None:
        """Store ``clip`` (float32 [frames] at the device rate) for ``pad``: written into the idle
        slot, then made current with one integer store."""
        n = min(len(clip), self.max_frames)
        slot = 1 - int(self.active_slot[pad])
        self.bank[pad, slot, :n] = clip[:n]
        self.lengths[pad, slot] = n
        self.active_slot[pad] = slot

    def trigger(self, pad: int, gain: float = 1.0, rate: float = 1.0, loop: bool = False,
                reverse: bool = False, start: float = 0.0, end: float = 1.0) -> bool:
        """Queue a note for ``pad``, playing the part of its clip between the fractions ``start``
        and ``end``; False if the command ring is full."""
        return self._send(pad, gain, rate, loop, reverse, 0.0, start, end)

    def stop_pad(self, pad: int) -> bool:
        """Queue a stop of every voice playing ``pad``."""
        return self._send(pad, 0.0, 1.0, False, False, 1.0, 0.0, 1.0)

    def _send(self, pad, gain, rate, loop, reverse, stop, start, end) -> bool:
        # several control threads (GUI, MIDI, keyboard) write; the lock makes them one writer.
        # The callback, the only reader, never takes it.
        with self._send_lock:
            written = int(self._ctr[0])
            if written - int(self._ctr[1]) >= len(self._cmd):
                return False
            row = self._cmd[written % len(self._cmd)]
            row[:] = (pad, gain, rate, float(loop), float(reverse), stop, start, end)
            self._ctr[0] = written + 1      # published after the row is complete
            return True

    # ---- callback side -----------------------------------------------------------------
    def _drain(self) -> None:
        ctr = self._ctr
        while ctr[1] < ctr[0]:
            pad, gain, rate, loop, reverse, stop, start, end = self._cmd[int(ctr[1]) % len(self._cmd)]
            ctr[1] += 1
            pad = int(pad)
            if stop:
                self.v_on[self.v_pad == pad] = False
                continue
            slot = int(self.active_slot[pad])
            length = int(self.lengths[pad, slot])
            if length == 0:
                continue
            free = np.flatnonzero(~self.v_on)
            if free.size:
                v = int(free[0])
            else:                       # steal the oldest voice
                v = int(np.argmin(self.v_age))
                ctr[3] += 1
            ctr[2] += 1
            self.v_on[v], self.v_pad[v], self.v_slot[v] = True, pad, slot
            self.v_gain[v], self.v_rate[v], self.v_age[v] = gain, max(rate, 1e-3), ctr[2]
            self.v_loop[v], self.v_reverse[v] = bool(loop), bool(reverse)
            self.v_start[v], self.v_end[v] = trim_bounds(length, start, end)
            self.v_pos[v] = 0.0

    def mix_into(self, out: np.ndarray) -> None:
        """Add every active voice to ``out`` [frames, channels] (mono voices on every channel).

        Allocates nothing: every array is preallocated scratch, indexing is done with
        ``ndarray.take(..., mode="clip")`` (numpy's default mode buffers a copy of the result) after
        the indices were clamped to the voice's part of the clip in place; no ufunc mixes float32
        and float64 (that casts through a buffer)."""
        self._drain()
        n = len(out)
        mix = self._mix[:n]
        mix[:] = 0.0
        pos, idx, frac, a, b = self._pos[:n], self._idx[:n], self._frac[:n], self._a[:n], self._b[:n]
        frac32 = self._frac32[:n]
        for v in range(len(self.v_on)):
            if not self.v_on[v]:
                continue
            start, end = int(self.v_start[v]), int(self.v_end[v])
            span = end - start
            clip = self.bank[self.v_pad[v], self.v_slot[v]]
            loop, reverse, rate = bool(self.v_loop[v]), bool(self.v_reverse[v]), float(self.v_rate[v])
            np.multiply(self._steps[:n], rate, out=pos)
            pos += self.v_pos[v]
            if loop:
                np.fmod(pos, span, out=pos)
            np.floor(pos, out=frac)
            np.copyto(idx, frac, casting="unsafe")
            np.subtract(pos, frac, out=frac)
            np.copyto(frac32, frac, casting="unsafe")   # float32 math below: no casting buffers
            valid = int(pos.searchsorted(span - 1, side="right")) if not loop else n
            # Neighbours idx and idx+1 (idx and idx-1 reversed), each clamped to the clip, so the
            # last sample plays exactly and nothing reads past the end.
            direction = -1 if reverse else 1
            origin = end - 1 if reverse else start
            np.multiply(idx, direction, out=idx)
            idx += origin
            np.minimum(idx, end - 1, out=idx)
            np.maximum(idx, start, out=idx)
            clip.take(idx, out=a, mode="clip")
            idx += direction
            np.minimum(idx, end - 1, out=idx)
            np.maximum(idx, start, out=idx)
            clip.take(idx, out=b, mode="clip")
            b -= a                              # a + (b - a) * frac
            b *= frac32
            a += b
            a *= self.v_gain[v]
            mix[:valid] += a[:valid]
            self.v_pos[v] += n * rate
            if loop:
                self.v_pos[v] %= span
            elif valid < n or self.v_pos[v] > span - 1:
                self.v_on[v] = False
        for c in range(out.shape[1]):
            out[:, c] += mix

    def playing(self, pad: int) -> bool:
        """Whether a voice plays ``pad`` now (read from the control side: a hint for the UI)."""
        return bool(np.any(self.v_on & (self.v_pad == pad)))

    @property
    def active_voices(self) -> int:
        return int(self.v_on.sum())
