"""The pretrained base shipped in ``resources/base``: the `tiny` pair (generator and discriminator)
trained on the project's own procedural one-shots (``tools/make_base.py``). A new `tiny` model
starts from it by default and fine-tunes on the user's folder: at equal CPU time that ends 2-3x
closer to real recordings than starting from scratch (docs/quality.md, "Transfer")."""
from __future__ import annotations

from pathlib import Path

from .demo_model import resources_dir

BASE_DIR = "base"


def base_model_path() -> Path:
    return resources_dir() / BASE_DIR


def start_from(preset: str, start: str = "base") -> str:
    """What a new run of ``preset`` starts from, as ``TrainConfig.init_from``: the base for `tiny`
    (its widths are the base's) when ``start`` is "base" and the base is there, a model folder
    given as ``start``, or "" (from scratch)."""
    if start == "scratch":
        return ""
    if start == "base":
        path = base_model_path()
        return str(path) if preset == "tiny" and (path / "generator.safetensors").exists() else ""
    return start
