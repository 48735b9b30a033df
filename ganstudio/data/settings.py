"""Import settings: the one place that says what a prepared clip looks like."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

SUPPORTED_RATES = (16000, 22050, 44100, 48000)
MIN_SECONDS, MAX_SECONDS = 0.5, 4.0


@dataclass(frozen=True)
class ImportSettings:
    """How every source file becomes one training clip.

    A clip is float32 mono, ``clip_length`` samples at ``sample_rate`` Hz, peak-normalised
    to ``peak``. The default (16384 samples at 16 kHz) is about one second.
    """

    sample_rate: int = 16000
    clip_length: int = 16384
    trim_db: float = -50.0          # leading samples below this (relative to the peak) are silence
    preroll_ms: float = 2.0         # kept before the detected onset so attacks stay intact
    silence_dbfs: float = -80.0     # a file whose peak is below this is "silent"
    min_ms: float = 10.0            # a sound shorter than this after trimming is "too short"
    peak: float = 0.95
    fade_out_ms: float = 10.0       # applied where a longer sound is cut to clip length
    max_source_seconds: float = 60.0  # only this much of a very long file is decoded

    def __post_init__(self) -> None:
        if self.sample_rate not in SUPPORTED_RATES:
            raise ValueError(f"sample rate {self.sample_rate} Hz is not supported; "
                             f"choose one of {', '.join(map(str, SUPPORTED_RATES))}")
        seconds = self.clip_length / self.sample_rate
        if not MIN_SECONDS - 1e-3 <= seconds <= MAX_SECONDS + 0.1:
            raise ValueError(f"clip length {self.clip_length} samples is {seconds:.2f} s at "
                             f"{self.sample_rate} Hz; it must lie between {MIN_SECONDS} and {MAX_SECONDS} s")
        if not 0 < self.peak <= 1:
            raise ValueError("peak must be in (0, 1]")

    @classmethod
    def for_seconds(cls, seconds: float, sample_rate: int = 16000, **kw) -> "ImportSettings":
        """Settings for a clip of ``seconds`` at ``sample_rate``."""
        return cls(sample_rate=sample_rate, clip_length=int(round(seconds * sample_rate)), **kw)

    def key(self) -> str:
        """A short stable hash of every field, used to key the clip cache."""
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.blake2b(blob, digest_size=8).hexdigest()
