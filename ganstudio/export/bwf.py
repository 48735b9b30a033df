"""Broadcast WAV metadata for stems: a ``bext`` chunk (EBU Tech 3285: description, originator,
date and time, coding history) and an ``iXML`` chunk (project, note, category), which sample
libraries and DAWs (Soundminer, Reaper, Pro Tools, BaseHead) show and search.

Both chunks go between ``fmt `` and ``data``, where BWF readers look for them; the audio bytes are
not touched. Every text is made printable ASCII and cut to its field.
"""
from __future__ import annotations

import struct
import time
from xml.sax.saxutils import escape

BEXT_FIXED = 602                    # bytes of the bext chunk before its coding history


class BwfError(ValueError):
    """The bytes are not a RIFF/WAVE file we can add chunks to."""


def _ascii(text: str, size: int | None = None) -> bytes:
    clean = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in str(text))
    raw = clean.encode("ascii")
    return raw if size is None else raw[:size].ljust(size, b"\0")


def chunks(wav: bytes) -> list[tuple[bytes, bytes]]:
    """The (id, data) chunks of a RIFF/WAVE file, in order."""
    if len(wav) < 12 or wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise BwfError("not a RIFF/WAVE file")
    out, pos = [], 12
    while pos + 8 <= len(wav):
        cid, size = wav[pos:pos + 4], struct.unpack("<I", wav[pos + 4:pos + 8])[0]
        if pos + 8 + size > len(wav):
            raise BwfError(f"chunk {cid!r} runs past the end of the file")
        out.append((cid, wav[pos + 8:pos + 8 + size]))
        pos += 8 + size + (size & 1)
    return out


def bext(description: str, originator: str, reference: str, coding_history: str,
         when: float | None = None) -> bytes:
    """A version 1 ``bext`` chunk's data (time reference 0: a one-shot has no timeline position)."""
    t = time.localtime(when if when is not None else time.time())
    return (_ascii(description, 256) + _ascii(originator, 32) + _ascii(reference, 32)
            + _ascii(time.strftime("%Y-%m-%d", t), 10) + _ascii(time.strftime("%H:%M:%S", t), 8)
            + struct.pack("<QH", 0, 1) + b"\0" * 64 + b"\0" * 10 + b"\0" * 180
            + _ascii(coding_history))


def ixml(project: str, note: str, user: dict[str, str]) -> bytes:
    """An ``iXML`` chunk's data: project, note and free user fields (e.g. the category)."""
    fields = "".join(f"<{k.upper()}>{escape(_ascii(val).decode())}</{k.upper()}>" for k, val in user.items())
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><BWFXML><IXML_VERSION>2.10</IXML_VERSION>'
           f"<PROJECT>{escape(_ascii(project).decode())}</PROJECT><NOTE>{escape(_ascii(note).decode())}</NOTE>"
           f"<USER>{fields}</USER></BWFXML>")
    return doc.encode("ascii")


def with_metadata(wav: bytes, bext_data: bytes, ixml_data: bytes) -> bytes:
    """``wav`` with ``bext`` and ``iXML`` chunks put right after ``fmt `` (replacing any there were)."""
    parts = [(cid, data) for cid, data in chunks(wav) if cid not in (b"bext", b"iXML")]
    at = next((i + 1 for i, (cid, _) in enumerate(parts) if cid == b"fmt "), None)
    if at is None:
        raise BwfError("the WAV has no fmt chunk")
    parts[at:at] = [(b"bext", bext_data), (b"iXML", ixml_data)]
    body = b"".join(cid + struct.pack("<I", len(d)) + d + (b"\0" if len(d) & 1 else b"") for cid, d in parts)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body
