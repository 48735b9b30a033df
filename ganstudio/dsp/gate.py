"""A gate that silences a converted sound wherever its source was silent.

A converter turns silence into its target's idea of silence, which after minutes of training is
a faint hiss or hum (measured: digital silence into the live converter came out at -53 dBFS RMS,
peaks at -33 dBFS): heard in every pause, and in every exported file. The gate follows the
*source*, which has the pauses the user made: it opens (over 2 ms) 5 ms before the source rises
above the threshold, stays open 30 ms after it falls back, and closes 60 dB in 60 ms, then to zero.

It works on a grid of about a millisecond, a power of two of samples (64 at 48 kHz) so that a
stream's blocks (256 frames and the like) always start on it: the source's RMS per step, an
open/closed decision per step, a gain per step, linear in between. Fed in pieces it gives what it
gives fed whole, as long as the source runs ahead of the output by its lookahead (a live
converter's output lags its input by 16 ms at least; a file's source is all there).

Shapes: mono float32 [samples] at ``rate``; source and output sample ``i`` are the same moment.
"""
from __future__ import annotations

import numpy as np

LOOK_MS, HOLD_MS, ATTACK_MS = 5.0, 30.0, 2.0
RELEASE_DB_PER_MS = 1.0             # 60 dB down in 60 ms, then to zero


class FollowGate:
    def __init__(self, rate: int, threshold_db: float):
        self.step = 2 ** int(round(np.log2(rate / 1000)))      # samples per grid step, about 1 ms
        ms = self.step * 1000 / rate
        self.look, self.hold = int(np.ceil(LOOK_MS / ms)), int(np.ceil(HOLD_MS / ms))
        self.attack = min(1.0, ms / ATTACK_MS)          # opens linearly, to exactly 1: the sound passes untouched
        self.release = 10 ** (-RELEASE_DB_PER_MS * ms / 20)
        self.threshold = 10 ** (threshold_db / 20)
        self.pending = np.zeros(0, np.float32)      # source samples of the step not yet complete
        self.loud = np.zeros(self.hold, bool)       # per step of source (the hold's past: quiet)
        self.first_step = -self.hold                  # the step ``loud[0]`` is
        self.gains = np.zeros(1)                    # per step, the last one ``gain_step - 1``: closed before 0
        self.gain_step = 0
        self.done = 0                               # output samples gated so far

    def feed(self, source: np.ndarray) -> None:
        """The next source samples."""
        x = np.concatenate([self.pending, np.asarray(source, np.float32).ravel()])
        whole = len(x) // self.step
        rms = np.sqrt(np.mean(np.square(x[:whole * self.step].reshape(whole, self.step), dtype=np.float64), axis=1))
        self.loud = np.concatenate([self.loud, rms > self.threshold])
        self.pending = x[whole * self.step:]

    def apply(self, y: np.ndarray) -> np.ndarray:
        """The next output samples, gated (as many as given)."""
        y = np.asarray(y, np.float32)
        if not len(y):
            return y
        last_step = (self.done + len(y) - 1) // self.step
        self._gains_through(last_step)
        i = np.arange(self.done, self.done + len(y))
        ms, frac = i // self.step, (i % self.step + 1) / self.step
        first = self.gain_step - len(self.gains)           # gains[k]: the gain at the end of step first + k
        before, after = self.gains[ms - 1 - first], self.gains[ms - first]
        self.done += len(y)
        cut = self.done // self.step - 1 - first         # what no later sample needs
        if cut > 0:
            self.gains = self.gains[cut:]
        return (y * (before + (after - before) * frac)).astype(np.float32)

    def _gains_through(self, last_step: int) -> None:
        """Gains up to the end of step ``last_step``, from the source heard so far."""
        gains, g = [], self.gains[-1]
        while self.gain_step <= last_step:
            lo = self.gain_step - self.hold - self.first_step
            window = self.loud[max(0, lo):self.gain_step + self.look + 1 - self.first_step]
            g = min(1.0, g + self.attack) if window.any() else (g * self.release if g > 1e-6 else 0.0)
            gains.append(g)
            self.gain_step += 1
        if gains:
            self.gains = np.concatenate([self.gains, gains])
        drop = self.gain_step - self.hold - self.first_step      # source steps no later decision needs
        if drop > 0:
            self.loud = self.loud[drop:]
            self.first_step += drop
