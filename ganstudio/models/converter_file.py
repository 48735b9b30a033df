"""Converter files: ``converter.safetensors`` (both directions, the target's vocoder, each folder's
frame statistics) + ``converter.json``, in a folder of their own (``train-convert --out C``).

Same rules as model and extender files (:mod:`.modelfile`): no pickle; the JSON is read
(capped) and checked first, the network's size is worked out on the meta device, the weights are
read with a cap that size sets, then hash-, shape-, type- and finiteness-checked before anything
is built.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from .. import validate
from .converter import Converter, ConverterConfig
from .modelfile import ModelFileError, load_checked, parse_side_meta, save_side_files

log = logging.getLogger(__name__)

FORMAT = "ganstudio.converter"
FORMAT_VERSION = 1
WEIGHTS, CONFIG = "converter.safetensors", "converter.json"


@dataclass
class LoadedConverter:
    """A ready converter (eval mode, no grads) and its file's settings."""

    net: Converter
    config: ConverterConfig
    meta: dict
    path: Path

    @property
    def weights_hash(self) -> str | None:
        return self.meta.get("weights_sha256")

    @property
    def name(self) -> str:
        """"source -> target", from the folders it was trained on (checked text)."""
        return f"{self.meta.get('source', '?')} -> {self.meta.get('target', '?')}"


def is_converter(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding a converter (as opposed to a generator model)."""
    return Path(path).is_dir() and (Path(path) / CONFIG).is_file()


def save_converter(folder: str | Path, net: torch.nn.Module, cfg: ConverterConfig, source: str, target: str,
                   training: dict | None = None) -> dict:
    """Write both files into ``folder``, each atomically (weights first); returns the JSON written."""
    names = {k: validate.printable(v)[:validate.MAX_NAME_CHARS] for k, v in (("source", source), ("target", target))}
    return save_side_files(folder, net, (WEIGHTS, CONFIG), FORMAT, FORMAT_VERSION,
                           {**names, "converter": cfg.to_dict(), "training": training or {}})


def _settings(meta: dict) -> ConverterConfig:
    settings = meta.get("converter")
    if isinstance(settings, dict) and "phase_advance" not in settings:
        settings = {**settings, "phase_advance": False}     # as converters were before it existed
    cfg = ConverterConfig.from_dict(settings)
    for key in ("source", "target"):
        validate.text(meta.get(key, ""), key)
    return cfg


def _parse(config_bytes: bytes, source: Path) -> tuple[dict, ConverterConfig]:
    return parse_side_meta(config_bytes, source, CONFIG, FORMAT, FORMAT_VERSION, "converter", _settings)


def load_converter(path: str | Path, device: str | torch.device = "cpu") -> LoadedConverter:
    """Load and check a converter (see the module docstring); raises :class:`ModelFileError`."""
    path = Path(path)
    if not path.is_dir():
        raise ModelFileError(f"{path}: a converter is a folder holding {CONFIG} and {WEIGHTS}")
    net, cfg, meta = load_checked(path, (WEIGHTS, CONFIG), "GAN Studio converter", _parse, Converter, device)
    log.info("loaded converter %s (%d Hz)", path, cfg.sample_rate)
    return LoadedConverter(net, cfg, meta, path)
