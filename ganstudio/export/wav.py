"""Atomic WAV writing: the final name only ever holds a complete file."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile as sf

from ..dsp.processing import sound_problem
from ..fileio import atomic_write_bytes

SUBTYPES = {"pcm16": "PCM_16", "pcm24": "PCM_24", "float": "FLOAT"}


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int, fmt: str = "pcm24") -> Path:
    """Write ``audio`` ([frames] or [frames, channels], float in [-1, 1]) as a WAV, atomically."""
    if fmt not in SUBTYPES:
        raise ValueError(f"unknown WAV format {fmt!r}; choose from {', '.join(SUBTYPES)}")
    why = sound_problem(np.asarray(audio, dtype=np.float32))
    if why:
        raise ValueError(f"refusing to write {Path(path).name}: the audio has {why}")
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1.0, 1.0), sample_rate, subtype=SUBTYPES[fmt], format="WAV")
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)
