"""Import a folder of sounds into a training set: decode, prepare, label, cache, report skips."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf

from .cache import ClipCache, content_hash, default_cache_dir
from .decode import decode
from .prepare import SkipFile, prepare_clip
from .settings import ImportSettings
from ..validate import is_regular_file, printable

log = logging.getLogger(__name__)

UNLABELLED = "unlabelled"


class DatasetError(Exception):
    """The folder gave no usable training data; the message says why."""


@dataclass(frozen=True)
class SkippedFile:
    path: str      # relative to the imported folder
    reason: str


@dataclass
class Dataset:
    """Prepared clips ready to train on.

    ``clips`` is float32 [N, settings.clip_length] at ``settings.sample_rate``; ``labels`` int64 [N]
    indexes ``class_names`` (one class per top-level subfolder; files at the top are "unlabelled").
    """

    clips: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    settings: ImportSettings
    files: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    source: str = ""
    cache_hits: int = 0
    # full-rate imports (44.1 kHz and up): files whose source rate carries less than that band
    band_limited: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.clips.shape[0])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def summary(self) -> dict:
        """A JSON-able description kept in every model's config."""
        counts = np.bincount(self.labels, minlength=self.num_classes).tolist() if len(self) else []
        return {
            "source": self.source,
            "clips": len(self),
            "skipped": len(self.skipped),
            "sample_rate": self.settings.sample_rate,
            "clip_length": self.settings.clip_length,
            "total_seconds": round(len(self) * self.settings.clip_length / self.settings.sample_rate, 2),
            **self.sound_seconds,
            "profile": self.profile,
            "classes": dict(zip(self.class_names, counts)),
            **({"band_limited": len(self.band_limited)} if self.settings.sample_rate >= FULL_BAND_RATE else {}),
        }

    @cached_property
    def sound_seconds(self) -> dict:
        """How much sound the clips hold (each from its onset to where it has decayed, as a stem
        is cut): ``sound_seconds`` in all and the ``median_sound_seconds`` of one clip. Measured
        once (0.6 s for 666 clips): the trainer asks for the summary at every checkpoint."""
        from ..dsp.oneshot import oneshot_bounds
        rate = self.settings.sample_rate
        bounds = [oneshot_bounds(c, rate) for c in self.clips]
        lengths = [(end - start) / rate for start, end in bounds]
        return {"sound_seconds": round(float(np.sum(lengths)), 2) if lengths else 0.0,
                "median_sound_seconds": round(float(np.median(lengths)), 3) if lengths else 0.0}

    @cached_property
    def profile(self) -> dict:
        """How long the clips stay loud, how much of their energy comes in their first 50 ms, and
        the kind of folder that makes (:func:`.profile.sound_profile`); measured once (0.06-0.7 s
        for 666 clips), or read from :attr:`clip_measures` when they were measured."""
        from .profile import sound_profile
        return sound_profile(self.clips, self.settings.sample_rate, self.__dict__.get("clip_measures"))

    @cached_property
    def clip_measures(self) -> tuple[np.ndarray, np.ndarray]:
        """:func:`.profile.clip_measures` of every clip, measured once: a :meth:`subset` keeps its
        rows, so the window's Train (which trains the clips left ticked) reads its profile
        without measuring on the GUI thread."""
        from .profile import clip_measures
        return clip_measures(self.clips, self.settings.sample_rate)

    @cached_property
    def flags(self) -> list[list[str]]:
        """Per clip, why a user might leave it out (:func:`.outliers.flag_clips`); measured once."""
        from .outliers import flag_clips
        return flag_clips(self.clips, self.settings.sample_rate, self.files or None)

    def subset(self, keep) -> "Dataset":
        """The dataset with only the clips at indices ``keep`` (same classes, settings, source)."""
        keep = [int(i) for i in keep]
        files = [self.files[i] for i in keep] if self.files else []
        limited = set(files) & set(self.band_limited)
        out = Dataset(self.clips[keep], self.labels[keep], list(self.class_names), self.settings, files,
                      list(self.skipped), self.source, self.cache_hits, [f for f in self.band_limited if f in limited])
        if "clip_measures" in self.__dict__:        # measured already: the subset's are these rows
            out.clip_measures = tuple(m[keep] for m in self.clip_measures)
        return out

    def relabelled(self, labels: np.ndarray, class_names: list[str]) -> "Dataset":
        """The same clips with other classes: ``labels`` int64 [N] indexing ``class_names``. What
        was measured of the clips alone (profile, sound, flags) is kept, not measured again."""
        out = replace(self, labels=np.asarray(labels, dtype=np.int64), class_names=list(class_names))
        for name in ("clip_measures", "sound_seconds", "profile", "flags"):
            if name in self.__dict__:
                out.__dict__[name] = self.__dict__[name]
        return out

    def full_band_clips(self) -> np.ndarray:
        """The clips whose source carries the whole band (what a bandwidth extender learns from)."""
        limited = set(self.band_limited)
        return self.clips[[i for i, f in enumerate(self.files) if f not in limited]]

    def skip_report(self) -> str:
        """One line per skipped file: ``path: reason`` (control characters in names escaped)."""
        return "\n".join(f"{printable(s.path)}: {s.reason}" for s in self.skipped)

    @classmethod
    def from_arrays(cls, clips_by_class: dict[str, list[np.ndarray]], settings: ImportSettings,
                    source: str = "memory") -> "Dataset":
        """Build a dataset from in-memory sounds ``{class: [float32 [frames], ...]}`` at settings' rate."""
        clips, labels, names = [], [], sorted(clips_by_class)
        for ci, name in enumerate(names):
            for audio in clips_by_class[name]:
                clips.append(prepare_clip(audio, settings.sample_rate, settings))
                labels.append(ci)
        return cls(np.stack(clips), np.asarray(labels, dtype=np.int64), names, settings, source=source)


def _walk(root: Path) -> tuple[list[Path], list[SkippedFile]]:
    """Every file below ``root`` in a stable order; linked folders are reported, not followed."""
    files, skipped = [], []

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename or root)
        rel = str(where.relative_to(root)) if where != root and where.is_relative_to(root) else str(where)
        skipped.append(SkippedFile(rel, f"unreadable folder: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
        dirnames.sort()
        for d in list(dirnames):
            full = Path(dirpath) / d
            if full.is_symlink():
                skipped.append(SkippedFile(str(full.relative_to(root)),
                                           "not followed: symbolic link to a folder"))
        for name in sorted(filenames):
            files.append(Path(dirpath) / name)
    return files, skipped


FULL_BAND_RATE = 44100      # a source below this lacks part of what a 44.1/48 kHz clip can carry


def source_rate(path: Path) -> int:
    """The file's sample rate from its header (0 if unknown); cheap, nothing is decoded."""
    try:
        return int(sf.info(str(path)).samplerate)
    except Exception:           # libsndfile's own errors; the decode already succeeded once
        return 0


def label_of(rel: Path) -> str:
    return rel.parts[0] if len(rel.parts) > 1 else UNLABELLED


def _import_one(path: Path, settings: ImportSettings, cache, counts: dict) -> np.ndarray:
    """One file as a training clip float32 [clip_length]; raises :class:`SkipFile` with the
    reason (remembered in the cache, so a bad file is not decoded again). ``counts["hits"]``
    counts what the cache answered, clips and skip reasons alike."""
    if path.exists() and not is_regular_file(path):
        # a FIFO or device would block (or never end) when opened to hash or decode it
        raise SkipFile("not a regular file: a pipe, device or socket")
    try:
        digest = content_hash(path) if cache else None
    except OSError:
        digest = None  # decode() below names the precise reason
    cached = cache.get(digest) if cache and digest else None
    if cached is not None:
        counts["hits"] += 1
    if isinstance(cached, str):
        raise SkipFile(cached)
    if cached is None:
        try:
            cached = _decode_clip(path, settings)
        except SkipFile as exc:
            if cache and digest:
                cache.put(digest, str(exc))
            raise
        if cache and digest:
            cache.put(digest, cached)
    if cached.shape != (settings.clip_length,):
        raise SkipFile("unreadable: cache entry has the wrong shape")
    return cached


def _decode_clip(path: Path, settings: ImportSettings) -> np.ndarray:
    audio, rate = decode(path, settings.max_source_seconds)
    try:
        return prepare_clip(audio, rate, settings)
    except SkipFile as exc:
        if len(audio) >= int(settings.max_source_seconds * rate) and str(exc).startswith("silent"):
            raise SkipFile(f"{exc} (only the first {settings.max_source_seconds:.0f} s of a "
                           "long file are read)") from None
        raise


def import_folder(root: str | Path, settings: ImportSettings | None = None,
                  cache_dir: str | Path | None | bool = None,
                  progress_fn: Callable[[int, int, str], None] | None = None) -> Dataset:
    """Import every sound below ``root`` (recursively) as a :class:`Dataset`.

    ``cache_dir``: a folder, ``None`` for the user cache, ``False`` for no cache.
    ``progress_fn(done, total, relative_path)`` is called after each file.
    Never raises for a single bad file; raises :class:`DatasetError` if nothing usable is found.
    """
    settings = settings or ImportSettings()
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder")
    cache = None if cache_dir is False else ClipCache(
        Path(cache_dir) if cache_dir else default_cache_dir(), settings.key())
    paths, skipped = _walk(root)
    clips, label_names, files, band_limited, counts = [], [], [], [], {"hits": 0}
    for i, path in enumerate(paths):
        rel = path.relative_to(root)
        try:
            clips.append(_import_one(path, settings, cache, counts))
            label_names.append(label_of(rel))
            files.append(str(rel))
            if settings.sample_rate >= FULL_BAND_RATE and source_rate(path) < FULL_BAND_RATE:
                band_limited.append(str(rel))
        except SkipFile as exc:
            skipped.append(SkippedFile(str(rel), str(exc)))
        if progress_fn:
            progress_fn(i + 1, len(paths), str(rel))
    hits = counts["hits"]
    log.info("imported %s: %d clips, %d skipped, %d from the cache", root, len(clips), len(skipped), hits)
    if cache:
        evicted = cache.evict()
        if evicted:
            log.info("clip cache over its limit: removed %d least recently used entries", evicted)
    if not clips:
        detail = f"; {len(skipped)} file(s) skipped, e.g. {printable(skipped[0].path)}: {skipped[0].reason}" \
            if skipped else ""
        raise DatasetError(f"no usable sounds found in {root}{detail}")
    class_names = sorted(set(label_names))
    index = {n: k for k, n in enumerate(class_names)}
    return Dataset(np.stack(clips).astype(np.float32), np.asarray([index[n] for n in label_names], dtype=np.int64),
                   class_names, settings, files, skipped, str(root), hits, band_limited)
