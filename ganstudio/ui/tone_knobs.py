"""The pad's envelope, filter and stereo knobs (attack, decay, low-pass, high-pass, width: the
controls of :data:`ganstudio.dsp.pad.TONE_RANGES`), on scales an ear follows: times and cutoffs on
a logarithmic travel, and each off at one end of it."""
from __future__ import annotations

import math

from .widgets import Knob

LOW_HZ, HIGH_HZ = 20.0, 20000.0
DECAY_MS = (20.0, 5000.0)
ATTACK_MS = 500.0


def _log_curve(lo: float, hi: float, off_at: float):
    """Travel 0..1 <-> a value from ``lo`` to ``hi`` on a log scale; at ``off_at`` (0 or 1) the value is 0 (off)."""
    span = math.log(hi / lo)

    def to_value(f: float) -> float:
        return 0.0 if abs(f - off_at) < 1e-9 else lo * math.exp(span * f)

    def to_fraction(v: float) -> float:
        return float(off_at) if v <= 0 else min(max(math.log(max(v, lo) / lo) / span, 0.0), 1.0)
    return to_value, to_fraction


def _hz(v: float) -> str:
    return "off" if v <= 0 else (f"{v / 1000:.1f} kHz" if v >= 1000 else f"{v:.0f} Hz")


def _ms(v: float, off: str) -> str:
    return off if v <= 0 else (f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms")


def tone_knobs() -> dict[str, Knob]:
    """{attack, decay, lowpass, highpass, width}: Knobs whose values are the pad settings themselves."""
    return {
        "attack": Knob("Attack", 0, ATTACK_MS, 0, lambda v: _ms(v, "0 ms"),
                       "Fade-in time: soften the hit's attack", curve=(lambda f: ATTACK_MS * f * f,
                                                                        lambda v: math.sqrt(max(v, 0) / ATTACK_MS))),
        "decay": Knob("Decay", 0, DECAY_MS[1], 0, lambda v: _ms(v, "natural"),
                      "Shorten the sound: it falls 60 dB over this time (right: its own decay)",
                      curve=_log_curve(*DECAY_MS, off_at=1.0)),
        "lowpass": Knob("Low-pass", 0, HIGH_HZ, 0, _hz, "Low-pass filter cutoff, 12 dB/octave (right: off)",
                        curve=_log_curve(LOW_HZ, HIGH_HZ, off_at=1.0)),
        "highpass": Knob("High-pass", 0, HIGH_HZ, 0, _hz, "High-pass filter cutoff, 12 dB/octave (left: off)",
                         curve=_log_curve(LOW_HZ, HIGH_HZ, off_at=0.0)),
        "width": Knob("Width", 0, 1, 0, lambda v: "mono" if v <= 0 else f"{v:.0%}",
                      "Stereo width: two nearby takes of the sound left and right, around the pad's own "
                      "sound in the middle (left: mono; the stereo sound folds down to the mono one)", steps=100),
    }
