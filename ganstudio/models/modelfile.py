"""Model files: a folder or ``.gsm`` zip with ``generator.safetensors`` + ``config.json``.

Loading never unpickles: weights come from safetensors, settings from JSON, and both are checked
(format, version, hash, tensor names and shapes) before anything is built from them.
"""
from __future__ import annotations

import logging
import io
import json
import math
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from torch.overrides import TorchFunctionMode

from .. import __version__, validate
from ..fileio import atomic_write_bytes, sha256_bytes
from .config import ModelConfig
from .wavegan import Generator

log = logging.getLogger(__name__)

FORMAT = "ganstudio.model"
FORMAT_VERSION = 1
WEIGHTS, CONFIG = "generator.safetensors", "config.json"
MAX_CONFIG_BYTES = 1 << 20
MAX_WEIGHTS_BYTES = 1 << 30
MAX_PARAMETERS = 100_000_000     # float32: 400 MB; `large` at 48 kHz and 4 s has 71 M


class ModelFileError(Exception):
    """A model file can't be used; the message says which file and why."""


@dataclass
class LoadedModel:
    """A ready generator (eval mode, no grads) and the model file's settings."""

    generator: Generator
    config: ModelConfig
    meta: dict
    path: Path

    @property
    def weights_hash(self) -> str:
        return self.meta["weights_sha256"]

    @property
    def name(self) -> str:
        return self.path.stem if self.path.suffix == ".gsm" else self.path.name


def generator_bytes(generator: torch.nn.Module) -> bytes:
    """The generator's weights as safetensors bytes (contiguous CPU float32 copies)."""
    state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in generator.state_dict().items()}
    return st_save(state, metadata={"format": FORMAT})


def build_meta(cfg: ModelConfig, weights: bytes, data_summary: dict | None = None,
               training: dict | None = None) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sample_rate": cfg.sample_rate,
        "clip_length": cfg.clip_length,
        "latent_dim": cfg.latent_dim,
        "class_names": list(cfg.class_names),
        "model": cfg.to_dict(),
        "data": data_summary or {},
        "training": training or {},
        "weights_sha256": sha256_bytes(weights),
    }


def save_model(folder: str | Path, generator: torch.nn.Module, cfg: ModelConfig,
               data_summary: dict | None = None, training: dict | None = None) -> dict:
    """Write ``generator.safetensors`` and ``config.json`` into ``folder``, each atomically.

    Returns the config dict written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    weights = generator_bytes(generator)
    meta = build_meta(cfg, weights, data_summary, training)
    atomic_write_bytes(folder / WEIGHTS, weights)
    atomic_write_bytes(folder / CONFIG, json.dumps(meta, indent=2, allow_nan=False).encode())
    return meta


def pack_gsm(source: str | Path, out: str | Path, overwrite: bool = False) -> Path:
    """Zip a model (a folder, or another ``.gsm``) into a single ``.gsm`` file, written atomically,
    with its own bandwidth extender (``extender/``) when it has one.

    The model is loaded first (so nothing damaged is packed), and ``out`` is never an existing
    file unless ``overwrite``, nor one of the source model's own files."""
    source, out = Path(source), Path(out)
    load_model(source)
    if out.suffix.lower() != ".gsm":
        raise ModelFileError(f"{out}: a packed model file must end in .gsm")
    src = source.resolve()
    if out.resolve() == src or (source.is_dir() and out.resolve().parent == src):
        raise ModelFileError(f"{out} is part of the model {source}; choose a file outside it")
    if out.exists() and not overwrite:
        raise ModelFileError(f"{out} exists; pass --overwrite to replace it")
    from . import extender_file as ef
    extra = {}
    if ef.has_own_extender(source):
        ef.load_extender(source)             # its own checks first: nothing damaged is packed
        names = (f"{ef.SUBFOLDER}/{ef.WEIGHTS}", f"{ef.SUBFOLDER}/{ef.CONFIG}")
        parts = _Parts(source, names, "GAN Studio extender")
        try:
            extra = {n: parts.read(n, MAX_WEIGHTS_BYTES) for n in names}
        finally:
            parts.close()
    parts = _Parts(source)
    try:
        config = parts.read(CONFIG, MAX_CONFIG_BYTES)
        weights = parts.read(WEIGHTS, MAX_WEIGHTS_BYTES)
    finally:
        parts.close()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(WEIGHTS, weights)
        z.writestr(CONFIG, config)
        for name, data in extra.items():
            z.writestr(name, data)
    atomic_write_bytes(out, buf.getvalue())
    return out


def _read_capped(path: Path, max_bytes: int, what: str) -> bytes:
    try:
        return validate.read_regular_file(path, max_bytes, what)
    except OSError as exc:
        raise ModelFileError(f"can't read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ModelFileError(str(exc)) from None


class _Parts:
    """The two parts of a model file (``names``: the weights' and the config's, which may lie in a
    sub-folder of a folder or zip); the weights are read only after the config was checked, with a
    cap that the config's own size decides."""

    def __init__(self, path: Path, names: tuple[str, str] = (WEIGHTS, CONFIG), what: str = "GAN Studio model"):
        self.path = path
        self.zip = None
        if path.is_dir():
            missing = [n for n in names if not (path / n).exists()]
            if missing:
                raise ModelFileError(f"{path} is not a {what}: missing {', '.join(missing)}")
            return
        try:
            f = validate.open_regular(path, MAX_WEIGHTS_BYTES + MAX_CONFIG_BYTES + (1 << 16), "model file")
        except FileNotFoundError:
            raise ModelFileError(f"no model at {path}") from None
        except OSError as exc:
            raise ModelFileError(f"can't read {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise ModelFileError(str(exc)) from None
        try:
            self.zip = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            f.close()
            raise ModelFileError(f"{path} is neither a model folder nor a .gsm model file") from None
        self.infos = {i.filename: i for i in self.zip.infolist()}
        missing = [n for n in names if n not in self.infos]
        if missing:
            self.close()
            raise ModelFileError(f"{path} is not a {what}: missing {', '.join(missing)}")

    def has(self, name: str) -> bool:
        return name in self.infos if self.zip is not None else (self.path / name).is_file()

    def read(self, name: str, max_bytes: int) -> bytes:
        if self.zip is None:
            return _read_capped(self.path / name, max_bytes, name)
        info = self.infos[name]
        # the declared size bounds what zipfile will inflate, so a zip bomb stops here
        if info.file_size > max_bytes:
            raise ModelFileError(f"{self.path}: {name} would unpack to {info.file_size / 1e6:.0f} MB, "
                                 f"more than this model's settings allow ({max_bytes / 1e6:.1f} MB)")
        try:
            return self.zip.read(name)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise ModelFileError(f"{self.path}: {name} is damaged ({exc})") from None

    def close(self) -> None:
        if self.zip is not None:
            self.zip.fp.close() if self.zip.fp else None
            self.zip.close()


def json_header(config_bytes: bytes, source: Path, name: str, fmt: str, max_version: int, kind: str) -> dict:
    """The JSON part of a model or extender file, checked for being JSON, its ``format`` and a
    ``format_version`` this GAN Studio reads; raises :class:`ModelFileError` with the reason."""
    try:
        meta = json.loads(config_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{source}: {name} is not valid JSON ({str(exc)[:120]})") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise ModelFileError(f"{source}: {name} is not a GAN Studio {kind} config")
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{source}: {name} has no valid format_version")
    if version > max_version:
        label = "format" if kind == "model" else f"{kind} format"
        raise ModelFileError(f"{source} was made by a newer GAN Studio ({label} {version}; "
                             f"this version reads up to {max_version}); please update")
    return meta


def parse_meta(config_bytes: bytes, source: Path) -> tuple[dict, ModelConfig]:
    """Check and parse a config.json; raises :class:`ModelFileError` with the reason."""
    meta = json_header(config_bytes, source, CONFIG, FORMAT, FORMAT_VERSION, "model")
    try:
        cfg = ModelConfig.from_dict(meta.get("model"))
        for key in ("sample_rate", "clip_length", "latent_dim"):
            if key in meta and meta[key] != getattr(cfg, key):
                raise ValueError(f"{key} {meta[key]!r:.40} differs from the model settings' "
                                 f"{getattr(cfg, key)}")
        if "class_names" in meta and validate.text_list(meta["class_names"], "class_names", 256) \
                != list(cfg.class_names):
            raise ValueError("class_names differs from the model settings'")
        for key in ("data", "training"):
            if not isinstance(meta.get(key, {}), dict):
                raise ValueError(f"{key} must be a JSON object")
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{source}: config.json has invalid model settings ({exc})") from None
    try:
        validate.sha256_hex(meta.get("weights_sha256"), "weights_sha256")
    except ValueError:
        raise ModelFileError(f"{source}: config.json has no weights hash (or an invalid one)") from None
    return meta, cfg


def expected_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The generator's tensor names and shapes for ``cfg``, worked out without allocating them
    (on torch's meta device), so a config asking for a huge network costs nothing."""
    return net_shapes(Generator, cfg)


class _ShapesOnly(TorchFunctionMode):
    """Random initialisation is skipped while a network is built on the meta device: there is
    nothing to fill, and torch would fill through its Python decompositions, whose first use
    imports its compiler stack (about 2 s on a 2-core machine, at every start of the app)."""

    FILLS = frozenset({torch.Tensor.normal_, torch.Tensor.uniform_, torch.Tensor.bernoulli_,
                       torch.Tensor.exponential_, torch.Tensor.random_, torch.nn.init.normal_,
                       torch.nn.init.uniform_, torch.nn.init.trunc_normal_, torch.nn.init.kaiming_normal_,
                       torch.nn.init.kaiming_uniform_, torch.nn.init.xavier_normal_,
                       torch.nn.init.xavier_uniform_, torch.nn.init.orthogonal_})

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in self.FILLS:          # the tensor to fill comes first, by position or as "tensor"
            return args[0] if args else (kwargs or {})["tensor"]
        return func(*args, **(kwargs or {}))


def net_shapes(build, cfg) -> dict[str, tuple[int, ...]]:
    """Tensor names and shapes of ``build(cfg)``, built on torch's meta device (nothing allocated)."""
    with torch.device("meta"), _ShapesOnly():
        net = build(cfg)
    return {k: tuple(t.shape) for k, t in net.state_dict().items()}


def weights_budget(shapes: dict[str, tuple[int, ...]], source: Path) -> int:
    """The most bytes a float32 safetensors file of these shapes can take; refuses networks
    larger than :data:`MAX_PARAMETERS`."""
    n = sum(math.prod(s) for s in shapes.values())
    if n > MAX_PARAMETERS:
        raise ModelFileError(f"{source}: config.json describes a generator of {n / 1e6:.0f} M parameters; "
                             f"GAN Studio loads at most {MAX_PARAMETERS / 1e6:.0f} M")
    return 4 * n + (1 << 16) + 256 * len(shapes)


def _check_tensors(tensors: dict[str, torch.Tensor], shapes: dict, source: Path) -> None:
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if shapes != got:
        diff = sorted(set(shapes.items()) ^ set(got.items()))[:3]
        raise ModelFileError(f"{source}: weights do not fit the settings in config.json (e.g. {diff})")
    for k, t in tensors.items():
        if not t.is_floating_point():
            raise ModelFileError(f"{source}: weight {k} holds {str(t.dtype).removeprefix('torch.')}, "
                                 "not floating-point numbers")
        if not bool(torch.isfinite(t).all()):
            raise ModelFileError(f"{source}: weight {k} holds NaN or infinite values; the model is damaged")


def load_checked(path: Path, names: tuple[str, str], what: str, parse, build,
                 device: str | torch.device = "cpu"):
    """The one way a network comes out of a file (model or extender): the config part of
    ``names`` is read (capped) and ``parse(bytes, path) -> (meta, cfg)`` checks it; the network's
    size is worked out on the meta device; the weights are read with a cap that size sets, then
    hash-, shape-, type- and finiteness-checked; only then is ``build(cfg)`` made and filled.
    Returns (network in eval mode without grads on ``device``, cfg, meta)."""
    weights_name, config_name = (Path(n).name for n in names)
    parts = _Parts(path, names, what)
    try:
        meta, cfg = parse(parts.read(names[1], MAX_CONFIG_BYTES), path)
        shapes = net_shapes(build, cfg)
        weights = parts.read(names[0], min(MAX_WEIGHTS_BYTES, weights_budget(shapes, path)))
    finally:
        parts.close()
    if sha256_bytes(weights) != meta["weights_sha256"]:
        raise ModelFileError(f"{path}: {weights_name} does not match the hash in {config_name} "
                             "(the file was modified, damaged or saved incompletely)")
    try:
        tensors = st_load(weights)
    except Exception as exc:  # safetensors raises its own error types for bad headers
        raise ModelFileError(f"{path}: {weights_name} is damaged ({exc})") from None
    _check_tensors(tensors, shapes, path)
    net = build(cfg)
    net.load_state_dict({k: t.float() for k, t in tensors.items()}, strict=True)
    return net.eval().requires_grad_(False).to(device), cfg, meta


def read_model_config(path: str | Path) -> ModelConfig:
    """A model folder's or ``.gsm`` file's settings alone, read (capped) and checked as
    :func:`load_model` checks them; its weights are not read."""
    path = Path(path)
    parts = _Parts(path, (WEIGHTS, CONFIG), "GAN Studio model")
    try:
        return parse_meta(parts.read(CONFIG, MAX_CONFIG_BYTES), path)[1]
    finally:
        parts.close()


def load_model(path: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a model folder or ``.gsm`` file into an eval-mode :class:`Generator` on ``device``,
    every part checked before the generator is built (:func:`load_checked`)."""
    path = Path(path)
    generator, cfg, meta = load_checked(path, (WEIGHTS, CONFIG), "GAN Studio model", parse_meta, Generator, device)
    log.info("loaded model %s (%s, %d Hz, step %s)", path, cfg.preset, cfg.sample_rate,
             meta.get("training", {}).get("step", "?"))
    return LoadedModel(generator, cfg, meta, path)


def save_side_files(folder: str | Path, net: torch.nn.Module, names: tuple[str, str], fmt: str, version: int,
                    fields: dict) -> dict:
    """Write a side model (extender, converter) into ``folder``: its weights as safetensors, then
    its JSON (format, version, app version, date, ``fields``, the weights' hash), each atomically
    (weights first). Returns the JSON written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in net.state_dict().items()}
    weights = st_save(state, metadata={"format": fmt})
    meta = {"format": fmt, "format_version": version, "app_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **fields,
            "weights_sha256": sha256_bytes(weights)}
    atomic_write_bytes(folder / names[0], weights)
    atomic_write_bytes(folder / names[1], json.dumps(meta, indent=2, allow_nan=False).encode())
    return meta


def parse_side_meta(config_bytes: bytes, source: Path, name: str, fmt: str, version: int, kind: str, settings):
    """A side model's JSON (:func:`save_side_files`) checked: the header (:func:`json_header`),
    ``settings(meta)`` (its own fields, returning its config; raises ValueError or TypeError), a
    ``training`` object and the weights' hash. Returns (meta, config); raises :class:`ModelFileError`."""
    meta = json_header(config_bytes, source, name, fmt, version, kind)
    try:
        cfg = settings(meta)
        if not isinstance(meta.get("training", {}), dict):
            raise ValueError("training must be a JSON object")
        validate.sha256_hex(meta.get("weights_sha256"), "weights_sha256")
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{source}: {name} has invalid {kind} settings ({exc})") from None
    return meta, cfg
