"""Converter files: ``converter.safetensors`` (both directions, the target's vocoder, each folder's
frame statistics) + ``converter.json``, in a folder of their own (``train-convert --out C``).

Same rules as model and extender files (:mod:`.modelfile`): no pickle; the JSON is read
(capped) and checked first, the network's size is worked out on the meta device, the weights are
read with a cap that size sets, then hash-, shape-, type- and finiteness-checked before anything
is built.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save as st_save

from .. import __version__, validate
from ..fileio import atomic_write_bytes, sha256_bytes
from .converter import Converter, ConverterConfig
from .modelfile import ModelFileError, json_header, load_checked

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
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in net.state_dict().items()}
    weights = st_save(state, metadata={"format": FORMAT})
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "app_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "source": validate.printable(source)[:validate.MAX_NAME_CHARS],
            "target": validate.printable(target)[:validate.MAX_NAME_CHARS],
            "converter": cfg.to_dict(), "training": training or {}, "weights_sha256": sha256_bytes(weights)}
    atomic_write_bytes(folder / WEIGHTS, weights)
    atomic_write_bytes(folder / CONFIG, json.dumps(meta, indent=2, allow_nan=False).encode())
    return meta


def _parse(config_bytes: bytes, source: Path) -> tuple[dict, ConverterConfig]:
    meta = json_header(config_bytes, source, CONFIG, FORMAT, FORMAT_VERSION, "converter")
    try:
        cfg = ConverterConfig.from_dict(meta.get("converter"))
        for key in ("source", "target"):
            validate.text(meta.get(key, ""), key)
        if not isinstance(meta.get("training", {}), dict):
            raise ValueError("training must be a JSON object")
        validate.sha256_hex(meta.get("weights_sha256"), "weights_sha256")
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{source}: {CONFIG} has invalid converter settings ({exc})") from None
    return meta, cfg


def load_converter(path: str | Path, device: str | torch.device = "cpu") -> LoadedConverter:
    """Load and check a converter (see the module docstring); raises :class:`ModelFileError`."""
    path = Path(path)
    if not path.is_dir():
        raise ModelFileError(f"{path}: a converter is a folder holding {CONFIG} and {WEIGHTS}")
    net, cfg, meta = load_checked(path, (WEIGHTS, CONFIG), "GAN Studio converter", _parse, Converter, device)
    log.info("loaded converter %s (%d Hz)", path, cfg.sample_rate)
    return LoadedConverter(net, cfg, meta, path)
