"""Stem sidecars: read one back with every field checked, and remake its stem exactly."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import validate as v
from ..fileio import read_json_document, sha256_bytes
from ..models.modelfile import ModelFileError, load_model
from .render import make_audio, stem_extender
from .settings import SIDECAR_FORMAT, SIDECAR_VERSION, ExportError, ExportSettings, StemSpec
from .stems import check_source


MAX_SIDECAR_BYTES = 1 << 20
KINDS = ("pad", "variation", "random", "texture")


def read_sidecar(path: str | Path) -> dict:
    """A stem's sidecar with every field that remaking uses checked (types, ranges, finite
    numbers): ``model`` {name, path (absolute, resolved against the sidecar's folder),
    weights_sha256}, ``kind``, ``source``, ``pad``, ``settings`` (an :class:`ExportSettings`) and
    ``audio_sha256`` (or None). The sidecar's ``wav`` name is never used to choose a path."""
    path = Path(path)
    doc = read_json_document(path, SIDECAR_FORMAT, SIDECAR_VERSION, ExportError, "sidecar",
                             max_bytes=MAX_SIDECAR_BYTES)
    try:
        m = doc.get("model")
        if not isinstance(m, dict):
            raise ValueError("model must be a JSON object")
        mp = Path(v.text(m.get("path"), "model.path", 4096, allow_empty=False))
        h = v.sha256_hex(m.get("weights_sha256"), "model.weights_sha256")
        out = {"model": {"name": v.text(m.get("name", ""), "model.name"),
                         "path": str(mp if mp.is_absolute() else (path.parent / mp).resolve()),
                         "weights_sha256": h},
               "kind": v.choice(doc.get("kind", "random"), "kind", KINDS),
               "source": check_source(doc.get("source")),
               "pad": v.optional(doc.get("pad"), _sidecar_pad),
               "settings": ExportSettings.from_dict(doc.get("processing"))}
        res = doc.get("result", {})
        audio_hash = res.get("audio_sha256") if isinstance(res, dict) else None
        out["audio_sha256"] = v.optional(audio_hash, v.sha256_hex, "result.audio_sha256")
        ext_hash = res.get("extender_sha256") if isinstance(res, dict) else None
        out["extender_sha256"] = v.optional(ext_hash, v.sha256_hex, "result.extender_sha256")
    except (ValueError, TypeError) as exc:
        raise ExportError(f"{path}: the sidecar is damaged ({exc})") from None
    return out


def _sidecar_pad(d) -> dict:
    from ..session import check_pad
    pad = check_pad(d, "pad")
    if "clean" not in d:            # made before clean one-shots existed: remake it as it was
        pad["clean"] = False
    return pad


def remake_from_sidecar(sidecar: str | Path, model_path: str | Path | None = None,
                        accept_different: bool = False) -> tuple[np.ndarray, int, ExportSettings, dict]:
    """Make a stem's audio again from its sidecar: (audio as :func:`make_audio`, rate, settings,
    checked sidecar as :func:`read_sidecar`). The model is the one at ``model_path`` or the
    sidecar's; its weights hash must match, and the audio must hash as the sidecar says (a
    tampered latent would make another sound under the stem's name) unless ``accept_different``."""
    doc = read_sidecar(sidecar)
    mp = model_path or doc["model"]["path"]
    try:
        model = load_model(mp)
    except ModelFileError as exc:
        raise ExportError(f"the sidecar's model can't be loaded: {exc}") from None
    if model.weights_hash != doc["model"]["weights_sha256"]:
        raise ExportError(f"{mp} is not the model this stem was made with (weights hash "
                          f"{model.weights_hash[:12]}…, the sidecar wants {doc['model']['weights_sha256'][:12]}…)")
    if doc["source"]["type"] == "latent":
        try:
            check_source(doc["source"], model.config.latent_dim, model.generator.style_size)
        except ValueError as exc:
            raise ExportError(f"{sidecar}: the sidecar does not fit {model.name} ({exc})") from None
    settings = doc["settings"]
    ext = stem_extender(model, settings, settings.rate or model.config.sample_rate)
    if doc["extender_sha256"] and (ext is None or ext.weights_hash != doc["extender_sha256"]) \
            and not accept_different:
        raise ExportError(f"{sidecar}: the stem was made with another bandwidth extender (hash "
                          f"{doc['extender_sha256'][:12]}…) than the one {model.name} plays through now "
                          "(its own, or the one shipped with this GAN Studio); pass --accept-different "
                          "to remake it with this one")
    spec = StemSpec(doc["kind"], doc["source"], "", doc["pad"])
    audio, rate, _ = make_audio(model, spec, settings)
    if doc["audio_sha256"] and sha256_bytes(audio.tobytes()) != doc["audio_sha256"] and not accept_different:
        raise ExportError(f"{sidecar}: the remade audio differs from the stem the sidecar describes "
                          "(the sidecar was edited, or this machine renders differently); "
                          "pass --accept-different to write it anyway")
    return audio, rate, settings, doc
