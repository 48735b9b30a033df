"""Extender files: ``extender.safetensors`` + ``extender.json``, in a folder of their own (the
shipped one in ``resources/extender``), in a model folder's ``extender/`` (a model trained with
``--hifi``) or in the same place inside a ``.gsm``.

Same rules as model files (:mod:`.modelfile`): no pickle; the JSON is read (capped) and checked
first, the network's size is worked out on the meta device, the weights are read with a cap that
size sets, then hash-, shape-, type- and finiteness-checked before anything is built.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from .extender import Extender, ExtenderConfig
from .modelfile import ModelFileError, _Parts, load_checked, parse_side_meta, save_side_files

log = logging.getLogger(__name__)

FORMAT = "ganstudio.extender"
FORMAT_VERSION = 1
WEIGHTS, CONFIG = "extender.safetensors", "extender.json"
SUBFOLDER = "extender"          # where a model keeps its own extender


def shipped_path() -> Path:
    """The general extender shipped in ``resources/extender`` (``tools/make_extender.py``)."""
    from ..library.demo_model import resources_dir
    return resources_dir() / "extender"


SHIPPED = shipped_path()


@dataclass
class LoadedExtender:
    """A ready extender (eval mode, no grads) and its file's settings."""

    net: Extender
    config: ExtenderConfig
    meta: dict
    path: Path

    @property
    def weights_hash(self) -> str:
        return self.meta["weights_sha256"]

    @property
    def sample_rate(self) -> int:
        return self.config.sample_rate


def save_extender(folder: str | Path, net: torch.nn.Module, cfg: ExtenderConfig, training: dict | None = None) -> dict:
    """Write both files into ``folder``, each atomically (weights first); returns the JSON written."""
    return save_side_files(folder, net, (WEIGHTS, CONFIG), FORMAT, FORMAT_VERSION,
                           {"extender": cfg.to_dict(), "training": training or {}})


def _parse(config_bytes: bytes, source: Path) -> tuple[dict, ExtenderConfig]:
    return parse_side_meta(config_bytes, source, CONFIG, FORMAT, FORMAT_VERSION, "extender",
                           lambda meta: ExtenderConfig.from_dict(meta.get("extender")))


def _names(path: Path) -> tuple[str, str]:
    """A folder of extender files, a model folder with ``extender/``, or a ``.gsm`` holding one."""
    if path.is_dir() and not (path / CONFIG).exists() and (path / SUBFOLDER / CONFIG).exists():
        return f"{SUBFOLDER}/{WEIGHTS}", f"{SUBFOLDER}/{CONFIG}"
    if path.is_file():
        return f"{SUBFOLDER}/{WEIGHTS}", f"{SUBFOLDER}/{CONFIG}"
    return WEIGHTS, CONFIG


def load_extender(path: str | Path, device: str | torch.device = "cpu") -> LoadedExtender:
    """Load and check an extender (see the module docstring); raises :class:`ModelFileError`."""
    path = Path(path)
    net, cfg, meta = load_checked(path, _names(path), "GAN Studio extender", _parse, Extender, device)
    log.info("loaded extender %s (%d Hz)", path, cfg.sample_rate)
    return LoadedExtender(net, cfg, meta, path)


def has_own_extender(model_path: str | Path) -> bool:
    """Whether a model folder or ``.gsm`` carries its own extender (trained with ``--hifi``)."""
    path = Path(model_path)
    if path.is_dir():
        return (path / SUBFOLDER / CONFIG).is_file()
    try:
        parts = _Parts(path)
    except ModelFileError:
        return False
    try:
        return parts.has(f"{SUBFOLDER}/{CONFIG}")
    finally:
        parts.close()


def extender_for(model_path: str | Path | None) -> LoadedExtender:
    """The model's own extender if it has one, else the general one shipped in ``resources/``."""
    if model_path is not None and has_own_extender(model_path):
        return load_extender(model_path)
    return load_extender(shipped_path())


def model_extender(model) -> LoadedExtender:
    """:func:`extender_for` a :class:`~.modelfile.LoadedModel`, loaded once and kept on it."""
    ext = getattr(model, "_extender", None)
    if ext is None:
        ext = extender_for(model.path)
        model._extender = ext
    return ext
