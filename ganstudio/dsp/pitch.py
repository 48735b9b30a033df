"""The pitch of a tonal one-shot (a pluck, a tom, a bass hit), so a pad can be tuned to the nearest
note and played chromatically from a keyboard.

YIN (de Cheveigné & Kawahara, 2002): the cumulative-mean-normalised difference function of the
frames after the attack, its first dip under 0.15, refined by a parabola; a sound whose last
frames don't agree on a period (noise, a snare, a hat) has no pitch.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
THRESHOLD = 0.15            # YIN's absolute threshold on the normalised difference
FMIN, FMAX = 40.0, 2000.0
AGREE = 0.03                # frames must agree on the frequency within 3 %


@dataclass(frozen=True)
class Pitch:
    hz: float
    clarity: float          # 1 - the normalised difference at the period: 1 is a pure tone

    @property
    def midi(self) -> float:
        """The pitch as a fractional MIDI note (69.0 is A4, 440 Hz)."""
        return 69.0 + 12.0 * math.log2(self.hz / 440.0)

    @property
    def note(self) -> int:
        return int(round(self.midi))

    @property
    def cents(self) -> float:
        """How far above (+) or below (-) :attr:`note` the sound is, -50..50."""
        return 100.0 * (self.midi - self.note)

    @property
    def name(self) -> str:
        return note_name(self.note)


def note_name(note: int) -> str:
    """MIDI note number as a name: 60 -> C4, 69 -> A4."""
    return f"{NOTE_NAMES[note % 12]}{note // 12 - 1}"


def _frame_period(x: np.ndarray, rate: int, tau_min: int, tau_max: int) -> tuple[float, float] | None:
    """YIN on one frame ``x`` [window + tau_max]: (period in samples, normalised difference) or None."""
    w = len(x) - tau_max
    energy = np.concatenate([[0.0], np.cumsum(x * x)])
    n = 1 << int(math.ceil(math.log2(len(x) + w)))
    spec = np.fft.rfft(x, n) * np.conj(np.fft.rfft(x[:w], n))
    cross = np.fft.irfft(spec, n)[:tau_max + 1]
    taus = np.arange(tau_max + 1)
    diff = energy[w] + (energy[w + taus] - energy[taus]) - 2 * cross
    diff[0] = 0.0
    cum = np.cumsum(diff[1:])
    cmndf = np.ones(tau_max + 1)
    cmndf[1:] = diff[1:] * taus[1:] / np.maximum(cum, 1e-12)
    below = np.flatnonzero(cmndf[tau_min:] < THRESHOLD)
    if not below.size:
        return None
    t = tau_min + int(below[0])
    while t + 1 <= tau_max and cmndf[t + 1] < cmndf[t]:
        t += 1
    if 0 < t < tau_max:         # parabolic refinement between the neighbours
        a, b, c = cmndf[t - 1], cmndf[t], cmndf[t + 1]
        den = a - 2 * b + c
        shift = 0.5 * (a - c) / den if den > 0 else 0.0
    else:
        shift = 0.0
    return t + shift, float(cmndf[t])


def estimate_pitch(x: np.ndarray, rate: int, max_frames: int = 8) -> Pitch | None:
    """The pitch of ``x`` (float32 [samples] at ``rate`` Hz, a one-shot), or None when it has none.

    Frames (each two of the longest period long, plus the period range, half-overlapping) run
    from 10 ms after the peak until the sound has fallen 40 dB, at most ``max_frames``. The pitch
    is where the sound settles: the last three frames (or two) must each find a period and agree
    within :data:`AGREE`, so a tom's falling attack doesn't count and a noise never passes."""
    x = np.asarray(x, np.float64)
    if not len(x) or not np.all(np.isfinite(x)) or np.abs(x).max() == 0:
        return None
    tau_min, tau_max = max(2, int(rate / FMAX)), int(rate / FMIN)
    window = 2 * tau_max
    peak = np.abs(x).max()
    start = int(np.argmax(np.abs(x))) + int(0.01 * rate)
    hop = window // 2
    found = []
    for k in range(max_frames):
        seg = x[start + k * hop: start + k * hop + window + tau_max]
        if len(seg) < window + tau_max or np.abs(seg).max() < 1e-2 * peak:
            break
        found.append(_frame_period(seg, rate, tau_min, tau_max))
    last = found[-3:]
    if len(last) < 2 or any(f is None for f in last):
        return None
    periods = np.array([p for p, _ in last])
    if periods.max() / periods.min() > 1 + AGREE:
        return None
    return Pitch(float(rate / np.median(periods)), float(1.0 - np.median([d for _, d in last])))
