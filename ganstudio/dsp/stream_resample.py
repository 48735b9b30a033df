"""Resampling a live stream piece by piece with no delay beyond its filter's.

soxr's stream resampler (used everywhere else) hands its output back in bursts: fed 256-frame
blocks at 48 -> 24 kHz its low-quality setting ran up to 20 ms behind (measured 22..490 samples),
its medium one 40 ms, each way. Live conversion has 50 ms in all, so this is a plain polyphase
FIR (Kaiser-windowed sinc, ``taps`` long at the common rate) that returns every output sample as
soon as its last input sample is in: half the filter late, 0.7 ms at 48 <-> 24 kHz.

Shapes: float32 [samples] in at ``rate_in``, float32 [samples'] out at ``rate_out``.
"""
from __future__ import annotations

from math import ceil, gcd

import numpy as np

TAPS_PER_STEP = 32      # filter length in steps of the slower of the two rates


class StreamResampler:
    def __init__(self, rate_in: int, rate_out: int, beta: float = 8.0):
        from scipy.signal import firwin
        g = gcd(rate_in, rate_out)
        self.up, self.down = rate_out // g, rate_in // g
        self.phases = ceil(TAPS_PER_STEP * max(self.up, self.down) / self.up)      # taps per output phase
        n = self.phases * self.up
        # cut at 90 % of the lower Nyquist frequency, as a fraction of the common rate's Nyquist
        h = firwin(n, 0.9 / max(self.up, self.down), window=("kaiser", beta)) * self.up
        self.bank = np.ascontiguousarray(h.reshape(self.phases, self.up).T, np.float32)   # [up, phases]
        self.delay_s = (n - 1) / 2 / (rate_in * self.up)
        self.reset()

    def reset(self) -> None:
        self.history = np.zeros(self.phases - 1, np.float32)    # silence before the start
        self.received = 0
        self.made = 0

    def process(self, x: np.ndarray) -> np.ndarray:
        buf = np.concatenate([self.history, np.asarray(x, np.float32).ravel()])
        total = self.received + len(buf) - len(self.history)
        end = -(-total * self.up // self.down)      # every output whose newest input is in: m * down < total * up
        m = np.arange(self.made, end, dtype=np.int64)
        newest = (m * self.down) // self.up                              # the newest input each one needs
        phase = m * self.down - newest * self.up
        idx = (newest - self.received)[:, None] + (len(self.history) - np.arange(self.phases))[None, :]
        # in float64: the sums then come out the same however the stream was cut
        y = np.einsum("ij,ij->i", self.bank[phase].astype(np.float64), buf[idx]).astype(np.float32)
        self.made, self.received = end, total
        self.history = buf[len(buf) - (self.phases - 1):] if self.phases > 1 else buf[:0]
        return y
