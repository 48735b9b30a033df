"""Model files: a folder or ``.gsm`` zip with ``generator.safetensors`` + ``config.json``.

Loading never unpickles: weights come from safetensors, settings from JSON, and both are checked
(format, version, hash, tensor names and shapes) before anything is built from them.
"""
from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from .. import __version__
from ..fileio import atomic_write_bytes, sha256_bytes
from .config import ModelConfig
from .wavegan import Generator

FORMAT = "ganstudio.model"
FORMAT_VERSION = 1
WEIGHTS, CONFIG = "generator.safetensors", "config.json"
MAX_CONFIG_BYTES = 1 << 20
MAX_WEIGHTS_BYTES = 4 << 30


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
    atomic_write_bytes(folder / CONFIG, json.dumps(meta, indent=2).encode())
    return meta


def pack_gsm(folder: str | Path, out: str | Path) -> Path:
    """Zip a model folder's two files into a single ``.gsm`` file (written atomically)."""
    folder, out = Path(folder), Path(out)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name in (WEIGHTS, CONFIG):
            z.write(folder / name, name)
    atomic_write_bytes(out, buf.getvalue())
    return out


def _read_parts(path: Path) -> tuple[bytes, bytes]:
    if path.is_dir():
        missing = [n for n in (WEIGHTS, CONFIG) if not (path / n).is_file()]
        if missing:
            raise ModelFileError(f"{path} is not a GAN Studio model: missing {', '.join(missing)}")
        if (path / CONFIG).stat().st_size > MAX_CONFIG_BYTES:
            raise ModelFileError(f"{path / CONFIG} is too large to be a model config")
        return (path / CONFIG).read_bytes(), (path / WEIGHTS).read_bytes()
    if not path.exists():
        raise ModelFileError(f"no model at {path}")
    try:
        with zipfile.ZipFile(path) as z:
            infos = {i.filename: i for i in z.infolist()}
            missing = [n for n in (WEIGHTS, CONFIG) if n not in infos]
            if missing:
                raise ModelFileError(f"{path} is not a GAN Studio model: missing {', '.join(missing)}")
            if infos[CONFIG].file_size > MAX_CONFIG_BYTES or infos[WEIGHTS].file_size > MAX_WEIGHTS_BYTES:
                raise ModelFileError(f"{path}: an entry is too large for a model file")
            return z.read(CONFIG), z.read(WEIGHTS)
    except zipfile.BadZipFile:
        raise ModelFileError(f"{path} is neither a model folder nor a .gsm model file") from None


def parse_meta(config_bytes: bytes, source: Path) -> tuple[dict, ModelConfig]:
    """Check and parse a config.json; raises :class:`ModelFileError` with the reason."""
    try:
        meta = json.loads(config_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{source}: config.json is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{source}: config.json is not a GAN Studio model config")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{source}: config.json has no valid format_version")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{source} was made by a newer GAN Studio (format {version}; "
                             f"this version reads up to {FORMAT_VERSION}); please update")
    try:
        cfg = ModelConfig.from_dict(meta["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{source}: config.json has invalid model settings ({exc})") from None
    if not isinstance(meta.get("weights_sha256"), str):
        raise ModelFileError(f"{source}: config.json has no weights hash")
    return meta, cfg


def load_model(path: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a model folder or ``.gsm`` file into an eval-mode :class:`Generator` on ``device``."""
    path = Path(path)
    config_bytes, weights = _read_parts(path)
    meta, cfg = parse_meta(config_bytes, path)
    if sha256_bytes(weights) != meta["weights_sha256"]:
        raise ModelFileError(f"{path}: generator.safetensors does not match the hash in config.json "
                             "(the file was modified, damaged or saved incompletely)")
    try:
        tensors = st_load(weights)
    except Exception as exc:  # safetensors raises its own error types for bad headers
        raise ModelFileError(f"{path}: generator.safetensors is damaged ({exc})") from None
    generator = Generator(cfg)
    expected = {k: tuple(v.shape) for k, v in generator.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if expected != got:
        diff = sorted(set(expected.items()) ^ set(got.items()))[:3]
        raise ModelFileError(f"{path}: weights do not fit the settings in config.json (e.g. {diff})")
    generator.load_state_dict(tensors, strict=True)
    generator.eval().requires_grad_(False).to(device)
    return LoadedModel(generator, cfg, meta, path)
