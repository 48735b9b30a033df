"""Session files (``.gss``, JSON): the model, the pads (settings, latents, classes), texture,
master volume and morph settings, and the sounds kept with the model (:mod:`.session_keeps`), so
a sound designer can close the app and come back to the same sounds. Written atomically; read with every value checked, never executed."""
from __future__ import annotations

import logging
import json
from pathlib import Path

from . import validate as v
from .dsp.pad import TONE_RANGES
from .fileio import atomic_write_bytes, read_json_document

log = logging.getLogger(__name__)

SESSION_FORMAT = "ganstudio-session"
SESSION_VERSION = 1
SUFFIX = ".gss"


class SessionError(Exception):
    """A session file can't be read; the message says which file and why."""


def save_session(path: str | Path, *, model_path: str | None, model_hash: str | None, pads: list[dict],
                 settings: dict | None = None, keeps: list[dict] | None = None) -> Path:
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
           "model_sha256": model_hash, "pads": pads, "settings": settings or {}, "keeps": keeps or []}
    atomic_write_bytes(path, json.dumps(doc, indent=1, allow_nan=False).encode())
    return path


MAX_PADS = 16
CHOKE_GROUPS = 8              # a pad's choke group: 1-8, 0 for none
MAX_SESSION_BYTES = 4 << 20
PITCH_RANGE = 24.0            # semitones either way, as the window's knob
GAIN_RANGE = (0.0, 4.0)
PAD_DEFAULTS = {"name": "", "gain": 1.0, "pitch": 0.0, "reverse": False, "loop": False, "start": 0.0, "end": 1.0,
                "clean": True, "choke": 0, "tune": False, **{k: default for k, (default, _, _) in TONE_RANGES.items()}}


def check_pad(d, where: str, latent_dim: int | None = None) -> dict:
    """A pad's settings from a file (session or sidecar), every field typed and ranged:
    ``{name, gain, pitch, reverse, loop, start, end, clean}`` and the envelope and filter
    (:data:`ganstudio.dsp.pad.TONE_RANGES`) plus ``latent`` (float32 list or None), ``label``
    (int or None) and ``style`` (float list) when present. Missing settings take their defaults;
    raises ValueError naming ``where`` and the field."""
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be a JSON object")
    out = dict(PAD_DEFAULTS)
    try:
        if "name" in d and d["name"] is not None:
            out["name"] = v.text(d["name"], "name")
        if "gain" in d:
            out["gain"] = v.number(d["gain"], "gain", *GAIN_RANGE)
        if "pitch" in d:
            out["pitch"] = v.number(d["pitch"], "pitch (semitones)", -PITCH_RANGE, PITCH_RANGE)
        for key in ("reverse", "loop", "clean", "tune"):
            if key in d:
                out[key] = v.boolean(d[key], key)
        if "start" in d:
            out["start"] = v.number(d["start"], "start", 0.0, 0.99)
        if "end" in d:
            out["end"] = v.number(d["end"], "end", 0.01, 1.0)
        for key, (_, lo, hi) in TONE_RANGES.items():
            if key in d:
                out[key] = v.number(d[key], key, lo, hi)
        if "choke" in d:
            out["choke"] = v.integer(d["choke"], "choke group", 0, CHOKE_GROUPS)
        if out["end"] <= out["start"]:
            raise ValueError(f"end ({out['end']}) must lie after start ({out['start']})")
        if d.get("latent") is not None:
            out["latent"] = [float(x) for x in v.latent(d["latent"], "latent", latent_dim)]
        if "label" in d:
            out["label"] = v.optional(d["label"], v.integer, "label", 0, 1023)
        if d.get("style") is not None:
            out["style"] = [float(x) for x in v.style(d["style"], "style")]
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return out


def _check_settings(st, path: Path) -> dict:
    """The session's window settings: unknown keys are dropped, known ones must be valid."""
    if not isinstance(st, dict):
        raise SessionError(f"{path}: the session's settings are damaged (not a JSON object)")
    rules = {"volume": (v.number, 0.0, 2.0), "texture_gain": (v.number, 0.0, 2.0),
             "mutate_amount": (v.number, 0.0, 1.0), "selected": (v.integer, 0, MAX_PADS - 1)}
    out: dict = {}
    try:
        for key, (check, lo, hi) in rules.items():
            if key in st:
                out[key] = check(st[key], f"settings.{key}", lo, hi)
        if "texture" in st:
            out["texture"] = v.boolean(st["texture"], "settings.texture")
        if "hifi" in st:
            out["hifi"] = v.boolean(st["hifi"], "settings.hifi")
        if "morph" in st:
            m = st["morph"]
            if not isinstance(m, list) or len(m) != 3:
                raise ValueError("settings.morph must be [pad A, pad B, position]")
            out["morph"] = [v.integer(m[0], "morph pad A", 1, MAX_PADS), v.integer(m[1], "morph pad B", 1, MAX_PADS),
                            v.integer(m[2], "morph position", 0, 1000)]
    except ValueError as exc:
        raise SessionError(f"{path}: {exc}") from None
    return out


def _check_keeps(keeps, path: Path) -> list[dict]:
    from .session_keeps import MAX_SESSION_KEEPS, check_session_keep
    if not isinstance(keeps, list):
        raise SessionError(f"{path}: the session's keeps are damaged (not a list)")
    if len(keeps) > MAX_SESSION_KEEPS:
        raise SessionError(f"{path}: the session lists {len(keeps)} keeps; a session holds at most {MAX_SESSION_KEEPS}")
    try:
        out = [check_session_keep(k, f"keep {i + 1}") for i, k in enumerate(keeps)]
    except ValueError as exc:
        raise SessionError(f"{path}: {exc}") from None
    if len({k["id"] for k in out}) != len(out):
        raise SessionError(f"{path}: the session lists one keep id twice")
    return out


def load_session(path: str | Path) -> dict:
    """The session as saved, every value checked: ``model`` resolved to an absolute path (or None
    for the demo), ``model_sha256`` (str or None), ``pads`` as :func:`check_pad` returns them
    (at most 16), ``settings`` and ``keeps`` (:func:`.session_keeps.check_session_keep`; none in
    sessions saved before keeps travelled with them)."""
    path = Path(path)
    doc = read_json_document(path, SESSION_FORMAT, SESSION_VERSION, SessionError, "session",
                             max_bytes=MAX_SESSION_BYTES)
    pads = doc.get("pads")
    if not isinstance(pads, list):
        raise SessionError(f"{path}: the session's pads are damaged (not a list)")
    if len(pads) > MAX_PADS:
        raise SessionError(f"{path}: the session has {len(pads)} pads; a session holds at most {MAX_PADS}")
    try:
        doc["pads"] = [check_pad(p, f"pad {i + 1}") for i, p in enumerate(pads)]
    except ValueError as exc:
        raise SessionError(f"{path}: {exc}") from None
    model = doc.get("model")
    if model is not None:
        try:
            v.text(model, "model path", 4096, allow_empty=False)
        except ValueError as exc:
            raise SessionError(f"{path}: the session's model path is damaged ({exc})") from None
        mp = Path(model)
        doc["model"] = str(mp if mp.is_absolute() else (path.parent / mp).resolve())
    try:
        v.optional(doc.get("model_sha256"), v.sha256_hex, "model_sha256")
    except ValueError:
        raise SessionError(f"{path}: the session's model hash is damaged") from None
    doc["settings"] = _check_settings(doc.get("settings", {}), path)
    doc["keeps"] = _check_keeps(doc.get("keeps", []), path)
    log.info("read session %s (%d pads, model %s)", path, len(doc["pads"]), doc["model"] or "demo")
    return doc
