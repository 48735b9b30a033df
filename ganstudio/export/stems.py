"""WAV stems a DAW takes as they are, each with a JSON sidecar that remakes it exactly: what to
export (:class:`~.settings.StemSpec` lists), their names, and writing the pairs atomically.

A stem is described by a *source* (a latent and class, or a texture walk's seed, speed and length),
optional *pad* playback settings (trim, reverse, pitch, gain) and the export *settings*
(format, rate, channels, processing); :func:`~.render.make_audio` turns these into audio
deterministically and :mod:`.sidecar` reads a sidecar back and remakes its stem.
"""
from __future__ import annotations

import logging
import json
import re
from pathlib import Path
from typing import Callable

import numpy as np

from .. import __version__
from .. import validate as v
from ..fileio import atomic_write_bytes, describe_os_error, sha256_bytes
from ..dsp.pad import TONE_RANGES
from ..models.latent import mutate
from ..models.variations import latent_amount
from ..models.modelfile import LoadedModel
from . import bwf
from .ucs import ucs_category
from .wav import write_wav

from .render import make_audio
from .settings import (MAX_STEM_SECONDS, MAX_TEXTURE_SPEED, SIDECAR_FORMAT, SIDECAR_VERSION, TEMPLATE_FIELDS,
                       _WINDOWS_RESERVED, ExportedStem, ExportError, ExportSettings, StemSpec)

log = logging.getLogger(__name__)


def latent_source(latent, label: int | None, style=None) -> dict:
    """A stem made from a latent, class and (when not None) style."""
    src = {"type": "latent", "latent": [float(x) for x in np.asarray(latent, np.float32)],
           "label": None if label is None else int(label)}
    if style is not None:
        src["style"] = [float(x) for x in np.asarray(style, np.float32)]
    return src


def source_fields(src: dict) -> dict:
    """The latent, class and (when there is one) style of a latent stem source, as pad data."""
    return {"latent": src["latent"], "label": src.get("label"),
            **({"style": src["style"]} if src.get("style") is not None else {})}


def pad_spec(index: int, latent, label: int | None, pad: dict) -> StemSpec:
    """A pad as it plays (its trim, reverse, pitch, gain, envelope and filter, and its style)."""
    keep = {k: pad[k] for k in ("start", "end", "reverse", "pitch", "gain", "clean", "tune", *TONE_RANGES) if k in pad}
    return StemSpec("pad", latent_source(latent, label, pad.get("style")), pad_stem_name(index, pad.get("name")),
                    keep, index)


def pad_stem_name(index: int, name: str | None) -> str:
    """A pad's part of a stem name: its own name, or ``pad01``-``pad16`` (zero-padded, so files
    sort in pad order) when it still has the default ``Pad N`` or none."""
    name = (name or "").strip()
    if not name or re.fullmatch(rf"pad\s*0*{index + 1}", name, re.I):
        return f"pad{index + 1:02d}"
    return name


def variation_specs(latent, label: int | None, n: int, amount: float, seed: int,
                    name: str = "variation", pad_index: int | None = None, style=None) -> list[StemSpec]:
    """``n`` mutations of ``latent`` at distance ``amount`` (0 same, 0.05 subtle, 0.25 audibly
    different, 1 unrelated: the calibrated scale of :mod:`ganstudio.models.variations`), each
    with ``style``."""
    rng = np.random.default_rng(seed)
    z = np.asarray(latent, np.float32)
    return [StemSpec("variation", latent_source(mutate(z, latent_amount(amount), rng), label, style),
                     name, None, pad_index, seed) for _ in range(n)]


def random_specs(model: LoadedModel, n: int, seed: int, label: int | None = None) -> list[StemSpec]:
    from ..models.sampling import random_labels
    rng = np.random.default_rng(seed)
    drawn = random_labels(model, n, seed) if label is None else None
    out = []
    for i in range(n):
        z = rng.standard_normal(model.config.latent_dim).astype(np.float32)
        lab = label if label is not None else (None if drawn is None else int(drawn[i]))
        out.append(StemSpec("random", latent_source(z, lab), "random", None, None, seed))
    return out


def texture_spec(seconds: float, seed: int = 0, speed: float = 0.15) -> StemSpec:
    src = check_source({"type": "texture", "seconds": seconds, "seed": seed, "speed": speed})
    return StemSpec("texture", src, "texture", None, None, seed)


def check_source(src, latent_dim: int | None = None, style_size: int | None = None) -> dict:
    """A stem's source (from a sidecar or an argument) with every field typed and ranged; raises
    ValueError naming the field."""
    if not isinstance(src, dict):
        raise ValueError("source must be a JSON object")
    kind = v.choice(src.get("type"), "source type", ("latent", "texture"))
    if kind == "latent":
        z = v.latent(src.get("latent"), "latent", latent_dim)
        style = v.optional(src.get("style"), v.style, "style", style_size)
        return latent_source(z, v.optional(src.get("label"), v.integer, "label", 0, 1023), style)
    return {"type": "texture",
            "seconds": v.number(src.get("seconds"), "texture length (s)", 0.1, MAX_STEM_SECONDS),
            "seed": v.integer(src.get("seed"), "texture seed", 0, 2**63 - 1),
            "speed": v.number(src.get("speed"), "texture speed", 1e-4, MAX_TEXTURE_SPEED)}


# ---- names ----------------------------------------------------------------------------------
def safe_name(name: str, max_len: int = 120) -> str:
    """A file name that works on Linux, macOS and Windows: no separators, reserved characters or
    control characters, no trailing dots or spaces, no reserved device names."""
    name = re.sub(r'[<>:"/\\|?*\x00-\x1f\x7f]+', "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        name = "stem"
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    return name[:max_len].rstrip(" .")


def stem_name(template: str, fields_: dict) -> str:
    """The file stem from ``template``; spaces become hyphens (DAWs and shells handle them badly)."""
    try:
        return safe_name(template.format_map(fields_)).replace(" ", "-")
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise ExportError(f"bad name template {template!r} ({exc}); it may use "
                          f"{', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}") from None


def _free_path(folder: Path, stem: str, overwrite: bool, taken: set[Path]) -> Path:
    path = folder / f"{stem}.wav"
    k = 2
    while (not overwrite and (path.exists() or path.with_suffix(".json").exists())) or path in taken:
        path = folder / f"{stem}-{k}.wav"
        k += 1
    return path


# ---- writing --------------------------------------------------------------------------------
def _metadata(model: LoadedModel, fields_: dict, doc: dict, settings: ExportSettings, ucs) -> tuple[bytes, bytes]:
    """The stem's bext and iXML data: what it is, what made it, its UCS category (libraries
    search on it; :mod:`.ucs`) and our own word for it as the UCS user category."""
    res = doc["result"]
    name, category, kind = fields_["name"], fields_["category"], fields_["kind"]
    description = (name + (f" ({category})" if category not in (name, kind) else "")
                   + f", a {kind} sound made by GAN Studio model {model.name}")
    bits = {"pcm16": 16, "pcm24": 24, "float": 32}[settings.fmt]
    history = (f"A={'PCM' if settings.fmt != 'float' else 'PCM_FLOAT'},F={res['sample_rate']},W={bits},"
               f"M={'mono' if settings.channels == 1 else 'stereo'},T=GAN Studio {__version__}\r\n")
    return (bwf.bext(description, "GAN Studio", model.weights_hash[:32], history),
            bwf.ixml(model.name, description, {"category": ucs.category, "subcategory": ucs.subcategory,
                                               "catid": ucs.catid, "categoryfull": ucs.full,
                                               "usercategory": category, "fxname": name,
                                               "library": "GAN Studio", "model_sha256": model.weights_hash}))


def _stem_fields(model: LoadedModel, spec: StemSpec, i: int):
    """The name template's fields for the ``i``-th stem, and its UCS category."""
    classes = list(model.config.class_names)
    label = spec.source.get("label")
    fields_ = {"model": model.name, "name": spec.name, "kind": spec.kind,
               "pad": (spec.pad_index + 1) if spec.pad_index is not None else 0,
               "class": classes[label] if (classes and label is not None) else "any",
               "index": i + 1, "seed": spec.seed if spec.seed is not None else 0}
    named = fields_["class"] if fields_["class"] != "any" else spec.category
    fields_["category"] = named or spec.kind
    ucs = ucs_category(named, spec.name)
    fields_["catid"] = ucs.catid
    return fields_, ucs


def _write_pair(path: Path, sidecar: Path, audio: np.ndarray, rate: int, fmt: str, doc: dict, metadata) -> None:
    """The WAV, then its sidecar, each atomically; a sidecar that fails takes the WAV with it."""
    try:
        write_wav(path, audio, rate, fmt, metadata)
        try:
            atomic_write_bytes(sidecar, json.dumps(doc, indent=1, allow_nan=False).encode())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ExportError(describe_os_error(exc, path)) from None


def export_stems(model: LoadedModel, specs: list[StemSpec], folder: str | Path, settings: ExportSettings,
                 progress_fn: Callable[[int, int, str], None] | None = None) -> list[ExportedStem]:
    """Make and write every stem: ``NAME.wav`` and ``NAME.json`` side by side, each written
    atomically; a stem whose WAV or sidecar fails leaves neither behind. Raises
    :class:`ExportError` on the first failure (stems written before it stay)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(describe_os_error(exc, folder / "x")) from None
    if not folder.is_dir():
        raise ExportError(f"{folder} is not a folder")
    done: list[ExportedStem] = []
    taken: set[Path] = set()
    for i, spec in enumerate(specs):
        fields_, ucs = _stem_fields(model, spec, i)
        path = _free_path(folder, stem_name(settings.template, fields_), settings.overwrite, taken)
        taken.add(path)
        audio, rate, info = make_audio(model, spec, settings)
        sidecar = path.with_suffix(".json")
        doc = {"format": SIDECAR_FORMAT, "version": SIDECAR_VERSION, "app": f"GAN Studio {__version__}",
               "wav": path.name,
               "model": {"name": model.name, "path": str(Path(model.path).resolve()),
                         "weights_sha256": model.weights_hash},
               "kind": spec.kind, "source": spec.source, "pad": spec.pad,
               "class": fields_["class"] if model.config.class_names and spec.source.get("label") is not None else None,
               "processing": settings.processing(),
               "result": {**info, "sample_rate": rate, "channels": settings.channels,
                          "audio_sha256": sha256_bytes(audio.tobytes())}}
        _write_pair(path, sidecar, audio, rate, settings.fmt, doc,
                    _metadata(model, fields_, doc, settings, ucs) if settings.bwf else None)
        done.append(ExportedStem(path, sidecar, doc["result"]))
        log.info("wrote stem %s (%d frames at %d Hz)", path, info["frames"], rate)
        if progress_fn:
            progress_fn(i + 1, len(specs), path.name)
    return done
