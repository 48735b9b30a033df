"""What an export is asked for: the stem settings (format, rate, channels, processing, names),
one stem's description (:class:`StemSpec`) and what was written (:class:`ExportedStem`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .. import validate as v
from ..dsp.bands import CAP_RULE, CAP_RULES
from ..dsp.oneshot import TAIL_RULE, TAIL_RULES
from ..dsp.processing import DC_METHODS
from .wav import SUBTYPES


SIDECAR_FORMAT = "ganstudio-stem"
SIDECAR_VERSION = 1
NORMALIZE = ("none", "peak", "lufs")
DEFAULT_TEMPLATE = "{model}_{name}_{index:03d}"
TEMPLATE_FIELDS = ("model", "name", "kind", "pad", "class", "category", "catid", "index", "seed")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}


MAX_FADE_MS = 5000.0
SILENT_DBFS = -100.0           # a stem whose peak stays below this holds nothing worth a file
MAX_STEM_SECONDS = 600.0       # one stem (a texture recording, or a pad pitched down) at most
MAX_TEXTURE_SPEED = 1.0


class ExportError(Exception):
    """An export that can't be done; the message says which file or folder and why."""


@dataclass
class ExportSettings:
    """``fmt`` pcm16 / pcm24 / float; ``rate`` None keeps the model rate; ``channels`` 1 (a stereo pad's mid), or 2
    (a pad with a stereo width in true stereo, any other sound on both); ``normalize`` none / peak (to ``peak_dbfs``) / lufs (to ``lufs``,
    never past a -0.3 dBFS peak)."""

    fmt: str = "pcm24"
    rate: int | None = 48000
    channels: int = 1
    trim: bool = True
    trim_db: float = -60.0
    fade_in_ms: float = 0.0
    fade_out_ms: float = 10.0
    dc: bool = True
    dc_method: str = "highpass"     # how: a 10 Hz DC blocker ("mean": the whole clip's mean, as stems made before it)
    normalize: str = "peak"
    peak_dbfs: float = -1.0
    lufs: float = -16.0
    template: str = DEFAULT_TEMPLATE
    overwrite: bool = False
    clean: bool = True          # a stem that is not a pad starts at its onset and ends in silence
    hifi: bool = True           # above the model's rate, the bandwidth extender adds the band it can't make
    bwf: bool = True            # a bext and an iXML chunk: description, category, origin (metadata only)
    hifi_cap: bool = True       # the extender's added band is capped (dsp.bands.cap_added_band)
    hifi_cap_rule: int = CAP_RULE   # by which rule (2: by the top octave's brightness; 1: a flat 10x)
    clean_tail: int = TAIL_RULE     # how a clean one-shot's tail ends (dsp.oneshot.TAIL_RULES: 3 down to
                                    # -80 dB, crackle turned down; 2 cut at crackle; 1 cut at -60 dB)

    def __post_init__(self) -> None:
        v.choice(self.fmt, "format", tuple(SUBTYPES))
        if self.rate is not None:
            v.integer(self.rate, "sample rate", 8000, 192000)
        v.choice(self.channels, "channels", (1, 2))
        v.boolean(self.trim, "trim")
        v.number(self.trim_db, "trim threshold (dB)", -120.0, -10.0)
        v.number(self.fade_in_ms, "fade-in (ms)", 0.0, MAX_FADE_MS)
        v.number(self.fade_out_ms, "fade-out (ms)", 0.0, MAX_FADE_MS)
        v.boolean(self.dc, "dc")
        v.choice(self.dc_method, "dc_method", DC_METHODS)
        v.choice(self.normalize, "normalisation", NORMALIZE)
        v.number(self.peak_dbfs, "peak target (dBFS)", -60.0, 0.0)
        v.number(self.lufs, "loudness target (LUFS)", -70.0, 0.0)
        v.text(self.template, "name template", 200, allow_empty=False)
        v.boolean(self.overwrite, "overwrite")
        v.boolean(self.clean, "clean")
        v.boolean(self.hifi, "hifi")
        v.boolean(self.bwf, "bwf")
        v.boolean(self.hifi_cap, "hifi_cap")
        v.choice(self.hifi_cap_rule, "hifi_cap_rule", CAP_RULES[1:])
        v.choice(self.clean_tail, "clean_tail", TAIL_RULES)

    @property
    def cap_rule(self) -> int:
        """The cap rule the render path applies: 0 when the cap is off."""
        return self.hifi_cap_rule if self.hifi_cap else 0

    def processing(self) -> dict:
        """The settings that shape the audio (kept in every sidecar)."""
        d = asdict(self)
        d.pop("template")
        d.pop("overwrite")
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ExportSettings":
        """Settings from a sidecar's ``processing``; unknown keys are ignored, known ones checked."""
        if not isinstance(d, dict):
            raise ValueError("processing must be a JSON object")
        known = {f.name for f in fields(cls)}
        # sidecars from before clean one-shots, Hi-fi, the cap rules, the DC blocker and tail rule 2
        # existed remake as they were made
        return cls(**{"clean": False, "hifi": False, "hifi_cap": False, "hifi_cap_rule": 1, "dc_method": "mean",
                      "clean_tail": 1,
                      **{k: val for k, val in d.items() if k in known}})


@dataclass
class StemSpec:
    """One stem to make. ``source`` is {"type": "latent", "latent": [...], "label": int|None} or
    {"type": "texture", "seed", "speed", "seconds"}; ``pad`` holds playback settings (start, end,
    reverse, pitch, gain) or None."""

    kind: str                   # pad, variation, random, texture
    source: dict
    name: str
    pad: dict | None = None
    pad_index: int | None = None
    seed: int | None = None
    category: str | None = None     # what the sound is, when known beyond its class (the window's automatic category)


@dataclass
class ExportedStem:
    path: Path
    sidecar: Path
    info: dict = field(default_factory=dict)
