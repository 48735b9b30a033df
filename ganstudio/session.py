"""Session files (``.gss``, JSON): the model, the pads (settings, latents, classes), texture,
master volume and morph settings, so a sound designer can close the app and come back to the same
sounds. Written atomically; read with every value checked, never executed."""
from __future__ import annotations

import json
from pathlib import Path

from .fileio import atomic_write_bytes, read_json_document

SESSION_FORMAT = "ganstudio-session"
SESSION_VERSION = 1
SUFFIX = ".gss"


class SessionError(Exception):
    """A session file can't be read; the message says which file and why."""


def save_session(path: str | Path, *, model_path: str | None, model_hash: str | None, pads: list[dict],
                 settings: dict | None = None) -> Path:
    """Write the session; ``model_path`` is stored relative to the session file when it is below
    the session's folder (so a project folder can be moved), else absolute."""
    path = Path(path)
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    stored = model_path
    if model_path:
        mp = Path(model_path).resolve()
        try:
            stored = str(mp.relative_to(path.parent.resolve()))
        except ValueError:
            stored = str(mp)
    doc = {"format": SESSION_FORMAT, "version": SESSION_VERSION, "model": stored,
           "model_sha256": model_hash, "pads": pads, "settings": settings or {}}
    atomic_write_bytes(path, json.dumps(doc, indent=1).encode())
    return path


def load_session(path: str | Path) -> dict:
    """The session as saved, with ``model`` resolved to an absolute path (or None for the demo)."""
    path = Path(path)
    doc = read_json_document(path, SESSION_FORMAT, SESSION_VERSION, SessionError, "session")
    pads = doc.get("pads")
    if not isinstance(pads, list) or not all(isinstance(p, dict) for p in pads):
        raise SessionError(f"{path}: the session's pads are damaged")
    model = doc.get("model")
    if model is not None:
        if not isinstance(model, str):
            raise SessionError(f"{path}: the session's model path is damaged")
        mp = Path(model)
        doc["model"] = str(mp if mp.is_absolute() else (path.parent / mp).resolve())
    if not isinstance(doc.get("settings", {}), dict):
        raise SessionError(f"{path}: the session's settings are damaged")
    return doc
