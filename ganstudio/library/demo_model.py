"""The demo model shipped in ``resources/demo-model``: the ``tiny`` preset trained on the procedural
demo kit (``tools/make_demo_model.sh`` remakes it), so the pads sound at first launch."""
from __future__ import annotations

import os
import sys
from pathlib import Path

DEMO_MODEL_DIR = "demo-model"


def resources_dir() -> Path:
    """``$GANSTUDIO_RESOURCES``, the bundle's folder in a PyInstaller build, or the checkout's
    ``resources/``."""
    env = os.environ.get("GANSTUDIO_RESOURCES")
    if env:
        return Path(env)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def demo_model_path() -> Path:
    return resources_dir() / DEMO_MODEL_DIR


def load_demo_model():
    """The embedded demo model as a :class:`~ganstudio.models.modelfile.LoadedModel`."""
    from ..models.modelfile import load_model
    return load_model(demo_model_path())
