"""Small file helpers shared by every layer: atomic writes and hashing."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync, then rename,
    so ``path`` is either the old file or the complete new one, never a partial one. An OSError
    names ``path`` (never the temporary file) and says what went wrong in words."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)   # mkstemp makes it owner-only; a user file shouldn't be
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, describe_os_error(exc, path), str(path)) from None
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise


def describe_os_error(exc: OSError, path: Path) -> str:
    """A failed write of ``path`` in words a user can act on."""
    if exc.errno == errno.ENOSPC:
        return f"the disk is full while writing {path.name} in {path.parent}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"no permission to write in {path.parent}"
    if exc.errno == errno.ENOENT:
        return f"the folder {path.parent} does not exist"
    return f"can't write {path}: {exc.strerror or exc}"


def remove_stale_temp_files(folder: str | Path) -> int:
    """Delete the temporary files :func:`atomic_write_bytes` left in ``folder`` when its process
    was killed mid-write; returns how many. Only call it where no other writer is active."""
    n = 0
    for p in Path(folder).glob(".*.tmp"):
        try:
            p.unlink()
            n += 1
        except OSError:
            pass
    return n


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()      # read once at import: os.umask is process-wide and not thread-safe


def read_json_document(path: str | Path, fmt: str, version: int, error: type[Exception], what: str,
                       max_bytes: int = 1 << 20) -> dict:
    """Read a JSON file of ours whose ``format`` must be ``fmt`` and ``version`` at most
    ``version``; anything else raises ``error`` with a message naming the file and ``what`` it
    should be ("session", "sidecar"). Only regular files of at most ``max_bytes`` are read, and
    NaN / Infinity literals are refused."""
    from .validate import read_regular_file
    path = Path(path)
    try:
        data = read_regular_file(path, max_bytes, what)
    except OSError as exc:
        raise error(f"{path}: can't read the {what} ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise error(str(exc)) from None
    try:
        doc = json.loads(data, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise error(f"{path}: not a GAN Studio {what} (invalid JSON: {str(exc)[:120]})") from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise error(f"{path}: not a GAN Studio {what}")
    if isinstance(doc.get("version"), bool) or not isinstance(doc.get("version"), int) or doc["version"] > version:
        raise error(f"{path}: {what} version {doc.get('version')!r} is newer than this app "
                    f"understands ({version})")
    return doc


def _refuse_constant(name: str):
    raise ValueError(f"the file holds {name}, which is not a number JSON allows")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
