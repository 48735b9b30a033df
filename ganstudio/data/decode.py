"""Decode one audio file with soundfile, turning every failure into a reason a user understands."""
from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import numpy as np
import soundfile as sf

from .prepare import SkipFile

AUDIO_EXTENSIONS = {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff", ".aifc",
                    ".mp3", ".au", ".snd", ".caf", ".w64", ".rf64", ".wv"}


# libsndfile notes a data chunk longer than the file as "data : 96000 (should be 31970)"
_SHORT_CHUNK = re.compile(r"^\s*(data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


def truncated_by(extra_info: str) -> tuple[int, int] | None:
    """(bytes the header promises, bytes present) when libsndfile found the audio data cut short."""
    for m in _SHORT_CHUNK.finditer(extra_info):
        declared, present = int(m.group(2)), int(m.group(3))
        if present < declared:
            return declared, present
    return None


def decode(path: str | Path, max_seconds: float) -> tuple[np.ndarray, int]:
    """Read at most ``max_seconds`` of ``path``: float32 [frames, channels] and its sample rate.

    Raises :class:`SkipFile` naming why the file can't be read.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SkipFile("unreadable: symbolic link loop") from None
        if exc.errno == errno.ENOENT:
            raise SkipFile("unreadable: broken symbolic link or file vanished") from None
        raise SkipFile(f"unreadable: {exc.strerror or exc}") from None
    if size == 0:
        raise SkipFile("empty: zero-byte file")
    if not os.access(p, os.R_OK):
        raise SkipFile("unreadable: permission denied")
    try:
        with sf.SoundFile(p) as f:
            rate = int(f.samplerate)
            if rate <= 0:
                raise SkipFile(f"unreadable: invalid sample rate {rate}")
            cut = truncated_by(f.extra_info)
            if cut:
                raise SkipFile(f"damaged: truncated, the header promises {cut[0]} bytes of audio but "
                               f"only {cut[1]} are there")
            frames = f.frames if 0 <= f.frames < 2**62 else -1
            want = int(max_seconds * rate)
            audio = f.read(min(frames, want) if frames >= 0 else want, dtype="float32", always_2d=True)
    except SkipFile:
        raise
    except PermissionError:
        raise SkipFile("unreadable: permission denied") from None
    except (sf.LibsndfileError, RuntimeError, ValueError, OSError, EOFError) as exc:
        msg = str(exc).split(":")[-1].strip() or type(exc).__name__
        if p.suffix.lower() in AUDIO_EXTENSIONS:
            raise SkipFile(f"unreadable: damaged or unsupported audio ({msg})") from None
        raise SkipFile(f"not audio: {p.suffix or 'no extension'} file that no decoder recognises") from None
    if audio.shape[0] == 0:
        raise SkipFile("empty: the file holds no audio frames")
    return audio, rate
