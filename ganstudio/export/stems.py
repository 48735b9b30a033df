"""WAV stems a DAW takes as they are, each with a JSON sidecar that remakes it exactly.

A stem is described by a *source* (a latent and class, or a texture walk's seed, speed and length),
optional *pad* playback settings (trim, reverse, pitch, gain) and the export *settings*
(format, rate, channels, processing). :func:`make_audio` turns these into audio
deterministically: the generator runs on the CPU one clip at a time without oneDNN, whose kernels
round differently from run to run, so the same sidecar gives the same samples every time.
"""
from __future__ import annotations

import logging
import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable

import numpy as np

from .. import __version__
from .. import validate as v
from ..dsp import processing as dsp
from ..fileio import atomic_write_bytes, describe_os_error, read_json_document, sha256_bytes
from ..dsp.oneshot import clean_oneshot
from ..dsp.pad import TONE_RANGES, shape_pad
from ..dsp.stereo import to_mono
from ..models.latent import LatentWalk, mutate
from ..models.variations import latent_amount
from ..models.extender_file import model_extender
from ..models.sampling import full_band, generate, render_sides
from ..models.modelfile import LoadedModel, ModelFileError, load_model
from . import bwf
from .ucs import ucs_category
from .wav import SUBTYPES, write_wav

log = logging.getLogger(__name__)

SIDECAR_FORMAT = "ganstudio-stem"
SIDECAR_VERSION = 1
NORMALIZE = ("none", "peak", "lufs")
DEFAULT_TEMPLATE = "{model}_{name}_{index:03d}"
TEMPLATE_FIELDS = ("model", "name", "kind", "pad", "class", "category", "catid", "index", "seed")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}


MAX_FADE_MS = 5000.0
SILENT_DBFS = -100.0           # a stem whose peak stays below this holds nothing worth a file
MAX_STEM_SECONDS = 600.0       # one stem (a texture recording, or a pad pitched down) at most
MAX_TEXTURE_SPEED = 1.0


class ExportError(Exception):
    """An export that can't be done; the message says which file or folder and why."""


@dataclass
class ExportSettings:
    """``fmt`` pcm16 / pcm24 / float; ``rate`` None keeps the model rate; ``channels`` 1 (a stereo pad's mid), or 2
    (a pad with a stereo width in true stereo, any other sound on both); ``normalize`` none / peak (to ``peak_dbfs``) / lufs (to ``lufs``,
    never past a -0.3 dBFS peak)."""

    fmt: str = "pcm24"
    rate: int | None = 48000
    channels: int = 1
    trim: bool = True
    trim_db: float = -60.0
    fade_in_ms: float = 0.0
    fade_out_ms: float = 10.0
    dc: bool = True
    normalize: str = "peak"
    peak_dbfs: float = -1.0
    lufs: float = -16.0
    template: str = DEFAULT_TEMPLATE
    overwrite: bool = False
    clean: bool = True          # a stem that is not a pad starts at its onset and ends in silence
    hifi: bool = True           # above the model's rate, the bandwidth extender adds the band it can't make
    bwf: bool = True            # a bext and an iXML chunk: description, category, origin (metadata only)
    hifi_cap: bool = True       # the extender's added band is capped (dsp.bands.cap_added_band)

    def __post_init__(self) -> None:
        v.choice(self.fmt, "format", tuple(SUBTYPES))
        if self.rate is not None:
            v.integer(self.rate, "sample rate", 8000, 192000)
        v.choice(self.channels, "channels", (1, 2))
        v.boolean(self.trim, "trim")
        v.number(self.trim_db, "trim threshold (dB)", -120.0, -10.0)
        v.number(self.fade_in_ms, "fade-in (ms)", 0.0, MAX_FADE_MS)
        v.number(self.fade_out_ms, "fade-out (ms)", 0.0, MAX_FADE_MS)
        v.boolean(self.dc, "dc")
        v.choice(self.normalize, "normalisation", NORMALIZE)
        v.number(self.peak_dbfs, "peak target (dBFS)", -60.0, 0.0)
        v.number(self.lufs, "loudness target (LUFS)", -70.0, 0.0)
        v.text(self.template, "name template", 200, allow_empty=False)
        v.boolean(self.overwrite, "overwrite")
        v.boolean(self.clean, "clean")
        v.boolean(self.hifi, "hifi")
        v.boolean(self.bwf, "bwf")
        v.boolean(self.hifi_cap, "hifi_cap")

    def processing(self) -> dict:
        """The settings that shape the audio (kept in every sidecar)."""
        d = asdict(self)
        d.pop("template")
        d.pop("overwrite")
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ExportSettings":
        """Settings from a sidecar's ``processing``; unknown keys are ignored, known ones checked."""
        if not isinstance(d, dict):
            raise ValueError("processing must be a JSON object")
        known = {f.name for f in fields(cls)}
        # sidecars from before clean one-shots and Hi-fi existed remake as they were made
        return cls(**{"clean": False, "hifi": False, "hifi_cap": False,
                      **{k: val for k, val in d.items() if k in known}})


@dataclass
class StemSpec:
    """One stem to make. ``source`` is {"type": "latent", "latent": [...], "label": int|None} or
    {"type": "texture", "seed", "speed", "seconds"}; ``pad`` holds playback settings (start, end,
    reverse, pitch, gain) or None."""

    kind: str                   # pad, variation, random, texture
    source: dict
    name: str
    pad: dict | None = None
    pad_index: int | None = None
    seed: int | None = None
    category: str | None = None     # what the sound is, when known beyond its class (the window's automatic category)


@dataclass
class ExportedStem:
    path: Path
    sidecar: Path
    info: dict = field(default_factory=dict)


# ---- rendering ------------------------------------------------------------------------------
def render_exact(model: LoadedModel, latent: np.ndarray, label: int | None) -> np.ndarray:
    """One clip float32 [clip_length] at the model rate, bit-identical from run to run."""
    if next(model.generator.parameters()).device.type != "cpu":
        raise ValueError("exact rendering needs the model on the CPU")
    problems: list = []
    x = generate(model.generator, np.asarray(latent, dtype=np.float32).reshape(1, -1), [label], exact=True,
                 problems=problems)[0]
    if problems:
        raise ExportError(f"the model {model.name} makes no usable sound for this latent ({problems[0][1]}); "
                          "nothing was written")
    return x


def stem_extender(model: LoadedModel, settings: ExportSettings, rate: int):
    """The extender a stem at ``rate`` goes through: the model's own or the shipped one, when
    Hi-fi is on and the rate is above the model's; else None."""
    if not settings.hifi or rate <= model.config.sample_rate:
        return None
    try:
        return model_extender(model)
    except ModelFileError as exc:
        raise ExportError(f"Hi-fi needs the bandwidth extender, which can't be loaded ({exc}); "
                          "export with Hi-fi off (--hifi off) to get the plain resampled sound") from None


def render_clip(model: LoadedModel, latent, label: int | None, rate: int, ext, cap: bool = True) -> np.ndarray:
    """:func:`render_exact` brought to ``rate`` by the render path (soxr, then ``ext``; ``cap``
    as in :func:`~ganstudio.models.sampling.extend`)."""
    x = render_exact(model, latent, label)
    problems: list = []
    x = full_band(x[None], model.config.sample_rate, rate, ext, exact=True, problems=problems, cap=cap)[0]
    if problems:
        raise ExportError(f"the extender made no usable sound for this stem ({problems[0][1]}); nothing was written")
    return x


def render_texture(model: LoadedModel, seconds: float, rate: int, seed: int, speed: float,
                   ext=None, cap: bool = True) -> np.ndarray:
    """Texture mode offline: the same latent walk and Hann overlap-add as the live stream,
    ``seconds`` long at ``rate`` Hz, with half a clip of fade-in skipped."""
    cfg = model.config
    n = int(round(cfg.clip_length * rate / cfg.sample_rate))
    n -= n % 2
    hop = n // 2
    window = np.hanning(n + 1)[:-1].astype(np.float32)
    walk = LatentWalk(cfg.latent_dim, seed, speed, cfg.num_classes)
    total = int(round(seconds * rate))
    out = np.zeros(total + n, dtype=np.float32)
    pos = -hop                           # the first half-window is the stream's fade-in
    while pos < total:
        z, label = walk.step()
        clip = render_clip(model, z, label, rate, ext, cap)[:n]
        clip = np.pad(clip, (0, n - len(clip)))
        lo = max(pos, 0)
        out[lo:pos + n] += (window * clip)[lo - pos:]
        pos += hop
    return out[:total]


def make_audio(model: LoadedModel, spec: StemSpec, settings: ExportSettings) -> tuple[np.ndarray, int, dict]:
    """The stem's audio at its rate (float32 [frames] mono, [frames, 2] stereo: a pad with a
    stereo width in true stereo, any other sound on both channels) and what processing did."""
    rate = settings.rate or model.config.sample_rate
    src = spec.source
    ext = stem_extender(model, settings, rate)
    if src["type"] == "latent":
        x = render_clip(model, np.asarray(src["latent"], np.float32), src.get("label"), rate, ext,
                        settings.hifi_cap)
    elif src["type"] == "texture":
        x = render_texture(model, float(src["seconds"]), rate, int(src["seed"]), float(src["speed"]), ext,
                           settings.hifi_cap)
    else:
        raise ValueError(f"unknown stem source {src['type']!r}")
    cleaned = bool(spec.pad.get("clean")) if spec.pad else (settings.clean and src["type"] == "latent")
    side = None
    if spec.pad and float(spec.pad.get("width", 0.0)) > 0 and src["type"] == "latent":
        side = render_sides(model.generator, np.asarray(src["latent"], np.float32)[None], [src.get("label")],
                            rate, ext, exact=True, cap=settings.hifi_cap)[0]
    if settings.dc and cleaned:     # before the fades: a clean stem starts and ends on zero
        x = dsp.remove_dc(x)
        side = None if side is None else dsp.remove_dc(side)
    if spec.pad:        # the pad's own render path (dsp.pad), exactly as the pad plays it
        x = shape_pad(x, rate, spec.pad, side=side)
        if x.ndim == 2 and settings.channels == 1:      # a mono stem of a stereo pad: its mid, exactly
            x = to_mono(x)
    elif cleaned:
        x = clean_oneshot(x, rate)
    info: dict = {"extender_sha256": ext.weights_hash} if ext is not None else {}
    if settings.dc and not cleaned:  # where stems made before clean one-shots did it: they remake exactly
        x = dsp.remove_dc(x)
    if settings.trim and not cleaned:   # a clean one-shot is trimmed already, and ends in silence on purpose
        x = dsp.trim_silence(x, settings.trim_db, pad_frames=int(0.002 * rate))
    x = dsp.fade(x, rate, settings.fade_in_ms, settings.fade_out_ms)
    if settings.normalize == "peak":
        x, info["gain_db"] = dsp.normalize_peak(x, settings.peak_dbfs)
    elif settings.normalize == "lufs":
        x, info["gain_db"], info["limited_by_peak"] = dsp.normalize_loudness(x, rate, settings.lufs)
    if np.max(np.abs(x), initial=0.0) > 1.0:       # "none" on a hot sound: scale, never clip
        x, info["gain_db"] = dsp.normalize_peak(x, dsp.PEAK_CEILING_DBFS)
    why = dsp.sound_problem(x)
    if why or not len(x) or dsp.peak_dbfs(x) < SILENT_DBFS:
        raise ExportError(f"the stem {spec.name or spec.kind!r} came out {why or 'silent'}; nothing was written")
    info["peak_dbfs"] = round(float(dsp.peak_dbfs(x)), 3)
    lufs = dsp.loudness_lufs(x, rate)
    info["lufs"] = round(lufs, 3) if np.isfinite(lufs) else None
    info["frames"] = len(x)
    if settings.channels == 2 and x.ndim == 1:
        x = np.stack([x, x], axis=1)
    return np.ascontiguousarray(x, dtype=np.float32), rate, info


# ---- what to export -------------------------------------------------------------------------
def latent_source(latent, label: int | None) -> dict:
    return {"type": "latent", "latent": [float(x) for x in np.asarray(latent, np.float32)],
            "label": None if label is None else int(label)}


def pad_spec(index: int, latent, label: int | None, pad: dict) -> StemSpec:
    """A pad as it plays (its trim, reverse, pitch, gain, envelope and filter)."""
    keep = {k: pad[k] for k in ("start", "end", "reverse", "pitch", "gain", "clean", "tune", *TONE_RANGES) if k in pad}
    return StemSpec("pad", latent_source(latent, label), pad_stem_name(index, pad.get("name")), keep, index)


def pad_stem_name(index: int, name: str | None) -> str:
    """A pad's part of a stem name: its own name, or ``pad01``-``pad16`` (zero-padded, so files
    sort in pad order) when it still has the default ``Pad N`` or none."""
    name = (name or "").strip()
    if not name or re.fullmatch(rf"pad\s*0*{index + 1}", name, re.I):
        return f"pad{index + 1:02d}"
    return name


def variation_specs(latent, label: int | None, n: int, amount: float, seed: int,
                    name: str = "variation", pad_index: int | None = None) -> list[StemSpec]:
    """``n`` mutations of ``latent`` at distance ``amount`` (0 same, 0.05 subtle, 0.25 audibly
    different, 1 unrelated: the calibrated scale of :mod:`ganstudio.models.variations`)."""
    rng = np.random.default_rng(seed)
    z = np.asarray(latent, np.float32)
    return [StemSpec("variation", latent_source(mutate(z, latent_amount(amount), rng), label),
                     name, None, pad_index, seed) for _ in range(n)]


def random_specs(model: LoadedModel, n: int, seed: int, label: int | None = None) -> list[StemSpec]:
    rng = np.random.default_rng(seed)
    k = model.config.num_classes
    out = []
    for i in range(n):
        z = rng.standard_normal(model.config.latent_dim).astype(np.float32)
        lab = label if label is not None else (i % k if k else None)
        out.append(StemSpec("random", latent_source(z, lab), "random", None, None, seed))
    return out


def texture_spec(seconds: float, seed: int = 0, speed: float = 0.15) -> StemSpec:
    src = check_source({"type": "texture", "seconds": seconds, "seed": seed, "speed": speed})
    return StemSpec("texture", src, "texture", None, None, seed)


def check_source(src, latent_dim: int | None = None) -> dict:
    """A stem's source (from a sidecar or an argument) with every field typed and ranged; raises
    ValueError naming the field."""
    if not isinstance(src, dict):
        raise ValueError("source must be a JSON object")
    kind = v.choice(src.get("type"), "source type", ("latent", "texture"))
    if kind == "latent":
        return {"type": "latent", "latent": [float(x) for x in v.latent(src.get("latent"), "latent", latent_dim)],
                "label": v.optional(src.get("label"), v.integer, "label", 0, 1023)}
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


# ---- sidecars -------------------------------------------------------------------------------
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
        check_source(doc["source"], model.config.latent_dim)
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
