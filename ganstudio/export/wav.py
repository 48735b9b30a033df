"""Atomic WAV writing: the final name only ever holds a complete file."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile as sf

from ..dsp.processing import sound_problem
from ..fileio import atomic_write_bytes
from .bwf import with_metadata

SUBTYPES = {"pcm16": "PCM_16", "pcm24": "PCM_24", "float": "FLOAT"}


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int, fmt: str = "pcm24",
              metadata: tuple[bytes, bytes] | None = None) -> Path:
    """Write ``audio`` ([frames] or [frames, channels], float in [-1, 1]) as a WAV, atomically;
    ``metadata``: the data of a ``bext`` and an ``iXML`` chunk (:mod:`.bwf`) to carry."""
    if fmt not in SUBTYPES:
        raise ValueError(f"unknown WAV format {fmt!r}; choose from {', '.join(SUBTYPES)}")
    why = sound_problem(np.asarray(audio, dtype=np.float32))
    if why:
        raise ValueError(f"refusing to write {Path(path).name}: the audio has {why}")
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1.0, 1.0), sample_rate, subtype=SUBTYPES[fmt], format="WAV")
    data = buf.getvalue()
    if metadata is not None:
        data = with_metadata(data, *metadata)
    atomic_write_bytes(path, data)
    return Path(path)
