"""Import a folder of recordings of any length (voices, takes, ambiences) for the converter: each
file whole (up to :data:`MAX_FILE_SECONDS`), mono, at one rate, with leading and trailing silence
cut; no fixed clip length, no onset alignment. Bad files are skipped with the reason, as the clip
importer does (:mod:`.importer`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..dsp.processing import sound_problem, trim_silence
from ..validate import is_regular_file, printable
from .decode import decode
from .importer import DatasetError, SkippedFile, _walk
from .prepare import SkipFile, resample, to_mono

log = logging.getLogger(__name__)

MAX_FILE_SECONDS = 600.0        # a longer file is read up to here (the rest is left, and said so)
MAX_TOTAL_SECONDS = 3600.0      # an hour of sound per folder: 230 MB at 16 kHz
MIN_SECONDS = 0.1
SILENT = 1e-4                   # -80 dBFS peak


@dataclass
class Recordings:
    """``audio``: one float32 [samples] array per usable file at ``rate``; ``files`` relative paths."""

    audio: list[np.ndarray]
    rate: int
    files: list[str]
    skipped: list[SkippedFile] = field(default_factory=list)
    source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(len(a) for a in self.audio) / self.rate

    def summary(self) -> dict:
        return {"source": Path(self.source).name, "files": len(self.audio), "skipped": len(self.skipped),
                "sound_seconds": round(self.seconds, 1), "sample_rate": self.rate}


def read_recording(path: str | Path, max_seconds: float = MAX_FILE_SECONDS) -> tuple[np.ndarray, int, bool]:
    """One recording as it is: (mono float32 [samples], its rate, whether it was cut at
    ``max_seconds``). Raises :class:`SkipFile` with the reason it can't be read."""
    if Path(path).exists() and not is_regular_file(path):
        # a FIFO or device would block (or never end) when opened
        raise SkipFile("not a regular file: a pipe, device or socket")
    audio, rate = decode(path, max_seconds)
    return to_mono(audio), rate, len(audio) >= int(max_seconds * rate)


def _one(path: Path, rate: int, budget: float) -> tuple[np.ndarray, bool]:
    """(audio at ``rate``, whether the file was cut at the per-file or total limit)."""
    audio, src_rate, cut = read_recording(path, min(MAX_FILE_SECONDS, budget))
    x = resample(audio, src_rate, rate)
    if not x.size or float(np.max(np.abs(x))) < SILENT:
        raise SkipFile("silent")
    x = trim_silence(x, -60.0, pad_frames=rate // 50)
    problem = sound_problem(x)
    if problem:
        raise SkipFile(problem)
    if len(x) < MIN_SECONDS * rate:
        raise SkipFile(f"shorter than {MIN_SECONDS} s of sound")
    return x.astype(np.float32), cut


def import_recordings(root: str | Path, rate: int) -> Recordings:
    """Every sound file below ``root``; raises :class:`DatasetError` when none is usable."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder")
    paths, skipped = _walk(root)
    out = Recordings([], rate, [], skipped, str(root))
    for path in paths:
        rel = str(path.relative_to(root))
        budget = MAX_TOTAL_SECONDS - out.seconds
        if budget < MIN_SECONDS:
            out.notes.append(f"only the first {MAX_TOTAL_SECONDS / 60:.0f} minutes of sound are used; "
                             f"{printable(rel)} and the files after it are left out")
            break
        try:
            x, cut = _one(path, rate, budget)
        except SkipFile as exc:
            skipped.append(SkippedFile(rel, str(exc)))
            continue
        if cut:
            out.notes.append(f"{printable(rel)}: only its first {len(x) / rate:.0f} s are used")
        out.audio.append(x)
        out.files.append(rel)
    log.info("imported %s: %d recordings (%.0f s), %d skipped", root, len(out.audio), out.seconds, len(skipped))
    if not out.audio:
        detail = f"; {len(skipped)} file(s) skipped, e.g. {printable(skipped[0].path)}: {skipped[0].reason}" \
            if skipped else ""
        raise DatasetError(f"no usable recordings found in {root}{detail}")
    return out
