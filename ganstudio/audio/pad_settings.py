"""How a pad plays its clip: the settings the window's pad panel edits, sessions and sidecars
carry, and the sampler bakes into the clip (its shape) or gives the voice (gain, loop)."""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..dsp.pad import TONE_RANGES
from ..session import CHOKE_GROUPS


@dataclass
class PadSettings:
    """How a pad plays its clip: gain (linear), pitch in semitones (playback rate), reverse,
    one-shot or loop, start / end trim as fractions of the clip, and the envelope and filter of
    :data:`ganstudio.dsp.pad.TONE_RANGES`."""

    name: str = ""
    gain: float = 1.0
    pitch: float = 0.0
    reverse: bool = False
    loop: bool = False
    start: float = 0.0
    end: float = 1.0
    clean: bool = True          # start at the onset, end in silence (dsp.oneshot)
    attack: float = 0.0         # ms of fade-in
    decay: float = 0.0          # ms to fall 60 dB (0: the sound's own decay)
    lowpass: float = 0.0        # Hz (0: off)
    highpass: float = 0.0       # Hz (0: off)
    choke: int = 0              # choke group 1-8: playing a pad of the group fades out the others (0: none)
    tune: bool = False          # move a tonal sound onto the nearest note (dsp.pitch)
    width: float = 0.0          # true stereo from two nearby takes, 0 (mono) to 1 (dsp.stereo)

    def shape(self) -> dict:
        """What the sampler bakes into the pad's clip (the render path); gain and loop are the voice's."""
        return {"start": self.start, "end": self.end, "reverse": self.reverse, "pitch": self.pitch,
                "clean": self.clean, "tune": self.tune, **{k: getattr(self, k) for k in TONE_RANGES}}

    @classmethod
    def from_dict(cls, d: dict) -> "PadSettings":
        known = {f.name for f in fields(cls)}
        s = cls(**{k: v for k, v in d.items() if k in known})
        s.gain = float(np.clip(s.gain, 0.0, 4.0))
        s.pitch = float(np.clip(s.pitch, -24.0, 24.0))
        s.start = float(np.clip(s.start, 0.0, 0.99))
        s.end = float(np.clip(s.end, s.start + 0.01, 1.0))
        for k, (_, lo, hi) in TONE_RANGES.items():
            setattr(s, k, float(np.clip(getattr(s, k), lo, hi)))
        s.choke = int(np.clip(s.choke, 0, CHOKE_GROUPS))
        return s
