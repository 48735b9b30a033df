"""A session's keeps: the sounds kept with the session's model travel in the session file, so a
session opened on another machine, or after the keeps library was cleared, brings them back.

Each entry is what remaking the keep needs (its pad settings with latent and class, and the
export processing its sidecar records) plus what the user gave it (name, tags, star). The
library stays the one place keeps live; opening a session remakes the keeps it lacks into its
folder, through the one render path and under their own ids (:func:`remake_keeps`, which may run
off the GUI thread), and the library adopts them (:meth:`~.keeps.KeepLibrary.adopt`).
"""
from __future__ import annotations

import logging
import time

from . import validate as v
from .keeps import Keep, KeepError, KeepLibrary

log = logging.getLogger(__name__)

MAX_SESSION_KEEPS = 500     # a session of 16 pads is ~40 kB; 500 keeps of a 512-dim latent ~3 MB


def session_keeps(lib: KeepLibrary, model_sha256: str) -> list[dict]:
    """The keeps of ``lib`` made with the model whose weights hash is ``model_sha256``, newest
    last, as session entries (at most :data:`MAX_SESSION_KEEPS`, the newest; a keep whose sidecar
    can't be read is left out)."""
    from .export.stems import source_fields
    out = []
    for k in lib.keeps:
        try:
            doc = lib.sidecar_doc(k.id)
        except KeepError as exc:
            log.warning("keep %s left out of the session: %s", k.id, exc)
            continue
        if doc["model"]["weights_sha256"] != model_sha256 or doc["source"]["type"] != "latent":
            continue
        pad = {**(doc["pad"] or {}), **source_fields(doc["source"])}
        out.append({"id": k.id, "name": k.name, "model": k.model, "tags": list(k.tags), "star": k.star,
                    "created": k.created, "pad": pad, "processing": doc["settings"].processing()})
    return out[-MAX_SESSION_KEEPS:]


def check_session_keep(d, where: str, latent_dim: int | None = None) -> dict:
    """One session keep entry with every field checked (raises ValueError naming ``where``)."""
    from .export.settings import ExportSettings
    from .session import check_pad
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be a JSON object")
    try:
        keep = Keep.from_dict(d)
        pad = check_pad(d.get("pad"), "pad", latent_dim)
        if "latent" not in pad:
            raise ValueError("pad.latent is missing")
        processing = ExportSettings.from_dict(d.get("processing")).processing()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where}: {exc}") from None
    return {**keep.__dict__, "pad": pad, "processing": processing}


def remake_keeps(folder, model, entries: list[dict], have: set[str], room: int,
                 progress=None, cancelled=None) -> tuple[list[Keep], list[str]]:
    """Write into the keeps ``folder`` the files of the checked ``entries``
    (:func:`check_session_keep`) whose ids are not in ``have``, at most ``room`` of them, with
    ``model`` (the session's, whose hash the caller checked): (the :class:`Keep` entries to add to
    the library's index, a line per keep that could not be remade). Touches only files named by
    the entries' ids, so it may run off the GUI thread; ``progress(done, total, name)`` after each,
    ``cancelled()`` polled before each."""
    from .export.settings import ExportError, ExportSettings
    from .export.stems import export_stems, pad_spec
    todo = [e for e in entries if e["id"] not in have]
    keeps, problems = [], []
    for i, e in enumerate(todo):
        if cancelled is not None and cancelled():
            problems.append(f"stopped before {len(todo) - i} keep(s) were remade")
            break
        if len(keeps) >= room:
            problems.append(f"the keeps library is full; {v.printable(e['name'])!r} and later keeps were not remade")
            break
        pad = e["pad"]
        settings = ExportSettings(**{**e["processing"], "template": e["id"], "overwrite": True})
        try:
            export_stems(model, [pad_spec(0, pad["latent"], pad.get("label"), pad)], folder, settings)
        except ExportError as exc:
            problems.append(f"keep {v.printable(e['name'])!r} can't be remade: {exc}")
            continue
        keeps.append(Keep(e["id"], e["name"], e["model"], e["tags"], e["star"], e["created"] or time.time()))
        if progress is not None:
            progress(i + 1, len(todo), e["name"])
    return keeps, problems
