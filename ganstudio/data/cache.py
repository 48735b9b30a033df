"""A disk cache of prepared clips keyed by file content and import settings.

Entries are plain ``.npy`` arrays (loaded with ``allow_pickle=False``) or ``.skip`` text files
holding the reason a file was not used, under ``<root>/<settings key>/<content hash>``.
"""
from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
import platformdirs

from ..fileio import atomic_write_bytes


def default_cache_dir() -> Path:
    """``$GANSTUDIO_CACHE_DIR`` or the user cache folder."""
    env = os.environ.get("GANSTUDIO_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("ganstudio")) / "clips"


DEFAULT_LIMIT_BYTES = 1 << 30


def cache_limit() -> int:
    """The clip cache's size limit: ``$GANSTUDIO_CACHE_LIMIT_MB`` or 1 GB."""
    try:
        return max(0, int(float(os.environ["GANSTUDIO_CACHE_LIMIT_MB"]) * 1e6))
    except (KeyError, ValueError, OverflowError):
        return DEFAULT_LIMIT_BYTES


def content_hash(path: Path) -> str:
    """blake2b of the file's bytes (hex, 32 chars)."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class ClipCache:
    """Prepared clips for one settings key; a cache that can't be written is silently read-only."""

    def __init__(self, root: Path, settings_key: str):
        self.dir = Path(root) / settings_key
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            self.writable = os.access(self.dir, os.W_OK)
        except OSError:
            self.writable = False

    def get(self, digest: str) -> np.ndarray | str | None:
        """The cached clip, the cached skip reason, or None (a hit counts as a use for eviction)."""
        npy, skip = self.dir / f"{digest}.npy", self.dir / f"{digest}.skip"
        try:
            if npy.exists():
                os.utime(npy) if self.writable else None
                return np.load(npy, allow_pickle=False)
            if skip.exists():
                return skip.read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None  # a damaged entry is simply recomputed
        return None

    def evict(self, max_bytes: int | None = None) -> int:
        """Delete the least recently used clips of every settings key until the whole cache is at
        most ``max_bytes`` (default :func:`cache_limit`); returns how many files went."""
        if not self.writable:
            return 0
        limit = cache_limit() if max_bytes is None else max_bytes
        entries = []
        for p in self.dir.parent.glob("*/*"):
            try:
                st = p.stat()
            except OSError:
                continue
            entries.append((st.st_mtime, st.st_size, p))
        total = sum(e[1] for e in entries)
        removed = 0
        for _, size, p in sorted(entries):
            if total <= limit:
                break
            try:
                p.unlink()
                total -= size
                removed += 1
            except OSError:
                pass
        return removed

    def put(self, digest: str, value: np.ndarray | str) -> None:
        if not self.writable:
            return
        try:
            if isinstance(value, str):
                atomic_write_bytes(self.dir / f"{digest}.skip", value.encode("utf-8"))
            else:
                buf = io.BytesIO()
                np.save(buf, np.asarray(value, dtype=np.float32), allow_pickle=False)
                atomic_write_bytes(self.dir / f"{digest}.npy", buf.getvalue())
        except OSError:
            self.writable = False
