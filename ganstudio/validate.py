"""Checks for values that come from a stranger's file or a command line: one place that knows
what a valid integer, number, name or latent is, so every reader (model config, session, sidecar,
arguments) refuses the same things with the same kind of message.

Every check raises :class:`ValueError` naming the field and what is allowed; callers add the file.
Booleans are never accepted as numbers, numbers are finite, and every size is capped before
anything is built from it.
"""
from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np

MAX_LATENT_DIM = 4096
MAX_STYLE_SIZE = 16384      # 2 x the channels of a generator's upsampling stages: the large preset has 1920
STYLE_LIMIT = 4.0           # a style value's bound: the sound-alike search stays within it
MAX_NAME_CHARS = 200


def integer(value: Any, field: str, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi]; bools, floats and strings are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} must be a whole number from {lo} to {hi}, not {value!r:.60}")
    if not lo <= value <= hi:
        raise ValueError(f"{field} must be from {lo} to {hi}, not {value}")
    return value


def number(value: Any, field: str, lo: float, hi: float) -> float:
    """``value`` (int or float, not bool) as a finite float in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{field} must be a number from {lo:g} to {hi:g}, not {value!r:.60}")
    v = float(value)
    if not math.isfinite(v) or not lo <= v <= hi:
        raise ValueError(f"{field} must be a finite number from {lo:g} to {hi:g}, not {v!r}")
    return v


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{field} must be true or false, not {value!r:.60}")
    return value


def text(value: Any, field: str, max_chars: int = MAX_NAME_CHARS, allow_empty: bool = True) -> str:
    """A string without control characters, at most ``max_chars`` long."""
    if not isinstance(value, str):
        raise ValueError(f"{field} must be text, not {type(value).__name__}")
    if len(value) > max_chars:
        raise ValueError(f"{field} is longer than {max_chars} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{field} contains control characters")
    if not allow_empty and not value:
        raise ValueError(f"{field} is empty")
    return value


def choice(value: Any, field: str, allowed: tuple) -> Any:
    if isinstance(value, bool) or value not in allowed:
        raise ValueError(f"{field} must be one of {', '.join(map(str, allowed))}, not {value!r:.60}")
    return value


def text_list(value: Any, field: str, max_items: int, max_chars: int = MAX_NAME_CHARS) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{field} must be a list of names, not {type(value).__name__}")
    if len(value) > max_items:
        raise ValueError(f"{field} has {len(value)} entries; at most {max_items} are allowed")
    return [text(v, f"{field}[{i}]", max_chars, allow_empty=False) for i, v in enumerate(value)]


def _vector(value: Any, field: str, dim: int | None, max_len: int, limit: float) -> np.ndarray:
    """A flat list of 1 to ``max_len`` finite numbers within +-``limit``, ``dim`` long when
    given; float32 [dim]."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{field} must be a list of numbers, not {type(value).__name__}")
    if not 0 < len(value) <= max_len:
        raise ValueError(f"{field} must hold 1 to {max_len} numbers, not {len(value)}")
    if dim is not None and len(value) != dim:
        raise ValueError(f"{field} has {len(value)} values; the model wants {dim}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise ValueError(f"{field} must hold only numbers")
    z = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(z)) or np.max(np.abs(z)) > limit:
        raise ValueError(f"{field} holds non-finite values or values beyond +-{limit:g}")
    return z.astype(np.float32)


def latent(value: Any, field: str, dim: int | None = None) -> np.ndarray:
    """A latent vector: a flat list of finite numbers, ``dim`` long when given; float32 [dim]."""
    return _vector(value, field, dim, MAX_LATENT_DIM, 1e3)


def style(value: Any, field: str, size: int | None = None) -> np.ndarray:
    """A style (see :class:`ganstudio.models.wavegan.Generator`): a flat list of finite numbers
    within +-:data:`STYLE_LIMIT`, ``size`` long when given; float32 [size]."""
    return _vector(value, field, size, MAX_STYLE_SIZE, STYLE_LIMIT)


def sha256_hex(value: Any, field: str) -> str:
    """A SHA-256 digest as 64 lowercase hex digits."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ValueError(f"{field} must be a 64-digit hex hash")
    return value


def optional(value: Any, check, *args) -> Any:
    """``None`` stays ``None``; anything else goes through ``check(value, *args)``."""
    return None if value is None else check(value, *args)


def open_regular(path: str | Path, max_bytes: int, what: str):
    """``path`` opened for binary reading if it is a regular file of at most ``max_bytes``; else
    a clear :class:`ValueError` (an :class:`OSError` if it can't be opened). Opened without
    blocking, so a FIFO or device never hangs the caller."""
    path = Path(path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
        os.close(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{path} is not a regular file (a {what} must be one)")
        raise ValueError(f"{path} is {st.st_size / 1e6:.1f} MB; a {what} is at most {max_bytes / 1e6:.1f} MB")
    return os.fdopen(fd, "rb")


def read_regular_file(path: str | Path, max_bytes: int, what: str) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes`` (see
    :func:`open_regular`), read with a bound, so a file that grows while it is read can't
    exhaust memory."""
    chunks, left = [], max_bytes + 1
    with open_regular(path, max_bytes, what) as f:
        while left > 0:                 # in pieces: read(n) would allocate all n bytes at once
            block = f.read(min(left, 1 << 20))
            if not block:
                break
            chunks.append(block)
            left -= len(block)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise ValueError(f"{path} grew past {max_bytes / 1e6:.1f} MB while it was read")
    return data


def printable(name: str) -> str:
    """``name`` with control characters shown as escapes, so a file name can't forge lines in a
    report or move the terminal's cursor."""
    if all(32 <= ord(c) != 127 for c in name):
        return name
    return "".join(c if 32 <= ord(c) != 127 else repr(c)[1:-1] for c in name)


def is_regular_file(path: str | Path) -> bool:
    """True for a regular file (following links); FIFOs, devices and sockets are not."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def settings_from_dict(cls, d: Any, what: str):
    """A settings dataclass ``cls`` from a stranger's JSON object ``d``: an object, no unknown
    keys, then ``cls(**d).validate()`` (which checks every field's type and range)."""
    if not isinstance(d, dict):
        raise ValueError(f"{what} settings must be a JSON object")
    unknown = set(d) - set(cls.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown {what} settings: {', '.join(sorted(map(str, unknown)))[:200]}")
    return cls(**d).validate()

