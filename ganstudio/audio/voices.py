"""Pads, polyphonic voices and their mixing for the audio callback.

Clips live in a preallocated bank ``[pads, 2, max_frames]`` (two slots per pad so a new render can
be written while the old one still plays), with a second bank for the right channel of stereo
clips (a mono clip plays on both channels). The GUI / worker threads send triggers through a
preallocated command ring (writers serialised by a lock the callback never takes); the callback drains it at the start of
each block and mixes every active voice with linear interpolation (playback rate = pitch), all
into preallocated scratch arrays.

A stop, and a choke (a pad in a choke group silences the voices of every pad of its group, as an
open hi-hat stops when the closed one plays), fades the voice out over ``fade_frames`` instead of
cutting it, so neither clicks.
"""
from __future__ import annotations

import threading

import numpy as np

from ..dsp.processing import trim_bounds
from .shared import Arena

STOP_FADE_S = 0.005         # a stopped or choked voice fades out over this long


class VoiceMixer:
    """Up to ``voices`` simultaneous voices over ``pads`` pads of at most ``max_frames`` frames (mono
    or stereo clips at the device rate), mixed into ``[frames, channels]`` blocks of at most
    ``max_block``."""

    def __init__(self, pads: int = 16, voices: int = 16, max_frames: int = 4 * 48000,
                 max_block: int = 4096, commands: int = 256, arena: Arena | None = None,
                 fade_frames: int = 0):
        arena = arena or Arena()
        self.fade_frames = int(fade_frames)        # 0: a stop cuts at once
        self.choke = arena.zeros(pads, np.int64)   # each pad's choke group; 0: none
        self.bank = arena.zeros((pads, 2, max_frames), np.float32)        # mono, or the left channel
        self.bank_r = arena.zeros((pads, 2, max_frames), np.float32)      # the right channel
        self.stereo = arena.zeros((pads, 2), bool)                         # whether bank_r holds it
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
        self.v_fade = arena.zeros(voices, np.int64)     # frames of fade-out left; -1: not fading
        self.v_fade[:] = -1
        # command ring (writer: control threads, reader: callback)
        # pad, gain, rate, loop, reverse, stop, start fraction, end fraction
        self._cmd = arena.zeros((commands, 8), np.float64)
        self._ctr = arena.zeros(4, np.int64)        # commands written, commands read, clock, stolen
        self._send_lock = threading.Lock()
        # scratch for the callback
        self._steps = np.arange(max_block, dtype=np.float64)
        self._pos = np.empty(max_block, dtype=np.float64)
        self._idx = np.empty(max_block, dtype=np.int64)
        self._idx1 = np.empty(max_block, dtype=np.int64)
        self._frac = np.empty(max_block, dtype=np.float64)
        self._frac32 = np.empty(max_block, dtype=np.float32)
        self._a = np.empty(max_block, dtype=np.float32)
        self._b = np.empty(max_block, dtype=np.float32)
        self._c = np.empty(max_block, dtype=np.float32)
        self._d = np.empty(max_block, dtype=np.float32)
        self._mix = np.empty(max_block, dtype=np.float32)
        self._mix_r = np.empty(max_block, dtype=np.float32)
        self._steps32 = np.arange(max_block, dtype=np.float32)
        self._ramp = np.empty(max_block, dtype=np.float32)

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
        """Store ``clip`` (float32 [frames] mono or [frames, 2] stereo at the device rate) for
        ``pad``: written into the idle slot, then made current with one integer store."""
        n = min(len(clip), self.max_frames)
        slot = 1 - int(self.active_slot[pad])
        stereo = clip.ndim == 2
        self.bank[pad, slot, :n] = clip[:n, 0] if stereo else clip[:n]
        if stereo:
            self.bank_r[pad, slot, :n] = clip[:n, 1]
        self.stereo[pad, slot] = stereo
        self.lengths[pad, slot] = n
        self.active_slot[pad] = slot

    def clip(self, pad: int) -> np.ndarray:
        """A copy of the clip ``pad`` plays now: float32 [frames], or [frames, 2] when stereo."""
        slot = int(self.active_slot[pad])
        n = int(self.lengths[pad, slot])
        if self.stereo[pad, slot]:
            return np.stack([self.bank[pad, slot, :n], self.bank_r[pad, slot, :n]], axis=1)
        return self.bank[pad, slot, :n].copy()

    def trigger(self, pad: int, gain: float = 1.0, rate: float = 1.0, loop: bool = False,
                reverse: bool = False, start: float = 0.0, end: float = 1.0) -> bool:
        """Queue a note for ``pad``, playing the part of its clip between the fractions ``start``
        and ``end``; False if the command ring is full."""
        return self._send(pad, gain, rate, loop, reverse, 0.0, start, end)

    def set_choke(self, pad: int, group: int) -> None:
        """Put ``pad`` in choke group ``group`` (0: none); a trigger of any pad of a group fades
        out the voices of every pad in it. One integer store, read by the callback at triggers."""
        self.choke[pad] = int(group)

    def stop_pad(self, pad: int) -> bool:
        """Queue a stop (a fade over ``fade_frames``) of every voice playing ``pad``."""
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
                self._release(pad, 0)
                continue
            slot = int(self.active_slot[pad])
            length = int(self.lengths[pad, slot])
            if length == 0:
                continue
            if self.choke[pad]:
                self._release(-1, int(self.choke[pad]))
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
            self.v_fade[v] = -1

    def _release(self, pad: int, group: int) -> None:
        """Fade out the voices of ``pad``, or of every pad in choke ``group`` when it is not 0."""
        for v in range(len(self.v_on)):
            if not self.v_on[v]:
                continue
            p = int(self.v_pad[v])
            if (self.choke[p] == group) if group else (p == pad):
                if self.fade_frames <= 0:
                    self.v_on[v] = False
                elif self.v_fade[v] < 0:
                    self.v_fade[v] = self.fade_frames

    def mix_into(self, out: np.ndarray) -> None:
        """Add every active voice to ``out`` [frames, channels] (a mono voice on both channels, a
        stereo one left and right; a mono device gets their mean, a third channel on the left's).

        Allocates nothing: every array is preallocated scratch, indexing is done with
        ``ndarray.take(..., mode="clip")`` (numpy's default mode buffers a copy of the result) after
        the indices were clamped to the voice's part of the clip in place; no ufunc mixes float32
        and float64 (that casts through a buffer)."""
        self._drain()
        n = len(out)
        mix, mix_r = self._mix[:n], self._mix_r[:n]
        mix[:] = 0.0
        mix_r[:] = 0.0
        for v in range(len(self.v_on)):
            if self.v_on[v]:
                self._mix_voice(v, n, mix, mix_r)
        if out.shape[1] == 1:
            mix += mix_r
            mix *= 0.5
            out[:, 0] += mix
            return
        for ch in range(out.shape[1]):
            out[:, ch] += mix_r if ch == 1 else mix

    def _mix_voice(self, v: int, n: int, mix: np.ndarray, mix_r: np.ndarray) -> None:
        """Add ``n`` frames of voice ``v`` to ``mix`` (left or mono) and ``mix_r`` (right), then
        move it on (or end it)."""
        start, end = int(self.v_start[v]), int(self.v_end[v])
        span = end - start
        pad, slot = self.v_pad[v], self.v_slot[v]
        stereo = bool(self.stereo[pad, slot])
        loop, rate = bool(self.v_loop[v]), float(self.v_rate[v])
        idx, idx1, frac32 = self._idx[:n], self._idx1[:n], self._frac32[:n]
        valid = self._positions(v, n, start, end, loop, rate, idx, idx1, frac32)
        a, c = self._a[:n], self._c[:n]
        self._lerp(self.bank[pad, slot], idx, idx1, frac32, a, self._b[:n], self.v_gain[v])
        if stereo:
            self._lerp(self.bank_r[pad, slot], idx, idx1, frac32, c, self._d[:n], self.v_gain[v])
        if self.v_fade[v] >= 0:
            self._fade(v, n, a, c if stereo else None)
        mix[:valid] += a[:valid]
        mix_r[:valid] += (c if stereo else a)[:valid]
        self.v_pos[v] += n * rate
        if loop:
            self.v_pos[v] %= span
        elif valid < n or self.v_pos[v] > span - 1:
            self.v_on[v] = False

    def _positions(self, v: int, n: int, start: int, end: int, loop: bool, rate: float,
                   idx: np.ndarray, idx1: np.ndarray, frac32: np.ndarray) -> int:
        """Fill ``idx`` / ``idx1`` (the two neighbouring samples of each of the ``n`` frames of
        voice ``v``) and ``frac32`` (the position between them), views of the scratch arrays;
        returns how many frames lie within the clip (all of them for a loop)."""
        span = end - start
        pos, frac = self._pos[:n], self._frac[:n]
        np.multiply(self._steps[:n], rate, out=pos)
        pos += self.v_pos[v]
        if loop:
            np.fmod(pos, span, out=pos)
        np.floor(pos, out=frac)
        np.copyto(idx, frac, casting="unsafe")
        np.subtract(pos, frac, out=frac)
        np.copyto(frac32, frac, casting="unsafe")   # float32 math below: no casting buffers
        # Neighbours idx and idx+1 (idx and idx-1 reversed), each clamped to the clip, so the
        # last sample plays exactly and nothing reads past the end.
        direction = -1 if self.v_reverse[v] else 1
        origin = end - 1 if direction < 0 else start
        np.multiply(idx, direction, out=idx)
        idx += origin
        np.minimum(idx, end - 1, out=idx)
        np.maximum(idx, start, out=idx)
        np.add(idx, direction, out=idx1)
        np.minimum(idx1, end - 1, out=idx1)
        np.maximum(idx1, start, out=idx1)
        return int(pos.searchsorted(span - 1, side="right")) if not loop else n

    def _fade(self, v: int, n: int, a: np.ndarray, c: np.ndarray | None) -> None:
        """Voice ``v`` is fading out: scale its ``n`` frames ``a`` (and ``c``, its right channel)
        by a ramp from fade / fade_frames down to 0; it ends when the ramp does."""
        fade = int(self.v_fade[v])
        ramp = self._ramp[:n]
        np.subtract(float(fade), self._steps32[:n], out=ramp)
        ramp *= 1.0 / self.fade_frames
        np.maximum(ramp, 0.0, out=ramp)
        a *= ramp
        if c is not None:
            c *= ramp
        self.v_fade[v] = fade - n
        if fade - n <= 0:
            self.v_on[v] = False
            self.v_fade[v] = -1

    @staticmethod
    def _lerp(clip, idx, idx1, frac32, a, b, gain) -> None:
        """``a`` = the clip between its samples ``idx`` and ``idx1`` at ``frac32``, times ``gain``
        (``b`` is scratch); in place, allocating nothing."""
        clip.take(idx, out=a, mode="clip")
        clip.take(idx1, out=b, mode="clip")
        b -= a                              # a + (b - a) * frac
        b *= frac32
        a += b
        a *= gain

    def playing(self, pad: int) -> bool:
        """Whether a voice plays ``pad`` now (read from the control side: a hint for the UI)."""
        return bool(np.any(self.v_on & (self.v_pad == pad)))

    @property
    def active_voices(self) -> int:
        return int(self.v_on.sum())
