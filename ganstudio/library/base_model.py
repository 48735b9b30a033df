"""The pretrained bases shipped in ``resources/``: `tiny` pairs (generator and discriminator)
trained on the project's own procedural one-shots (``tools/make_base.py``). A new `tiny` model
starts from one by default and fine-tunes on the user's folder: at equal CPU time that ends 2-3x
closer to real recordings than starting from scratch (docs/quality.md, "Transfer").

Which base depends on the folder (``data.profile``): folders of short sounds (drum hits, spoken
words) start from ``base`` (transposed-convolution generator), folders of sustained sounds (notes,
most sound effects) from ``base_sustained`` (inverse-STFT generator with peak normalisation);
docs/quality.md, run 12.
"""
from __future__ import annotations

from pathlib import Path

from .demo_model import resources_dir

BASES = {"short": "base", "sustained": "base_sustained"}
# model settings a run must share with the model it starts from for its weights to fit (weights
# trained through the phase projection or the image filters sound right only through them)
SHARED_SETTINGS = ("upsample", "peak_norm", "even_phases", "smooth_ups")
# ... and those a resumed run keeps although its preset's default changed since it began
RESUMED_SETTINGS = SHARED_SETTINGS + ("tone_bands", "tone_db")


def base_model_path(kind: str = "short") -> Path:
    return resources_dir() / BASES.get(kind, BASES["short"])


def start_from(preset: str, start: str = "base", kind: str = "short") -> str:
    """What a new run of ``preset`` starts from, as ``TrainConfig.init_from``: for `tiny` (the
    bases' widths) when ``start`` is "base", the base for folders of this ``kind`` (the
    short base when that one is missing); a model folder given as ``start``; or "" (from scratch)."""
    if start == "scratch":
        return ""
    if start == "base":
        if preset != "tiny":
            return ""
        for path in (base_model_path(kind), base_model_path("short")):
            if (path / "generator.safetensors").exists():
                return str(path)
        return ""
    return start


def start_settings(preset: str, init_from: str, out: str | Path | None = None) -> dict:
    """The model settings (``SHARED_SETTINGS``) a run of ``preset`` takes from the model it starts
    from, so the base's weights fit: an inverse-STFT base only fits an inverse-STFT generator. A
    run that resumes (``out`` holds a training state) keeps the settings it was made with, read
    from its own config.json. {} when neither is a model of the same preset."""
    from ..models.modelfile import CONFIG, ModelFileError, read_model_config
    from ..training.checkpoint import STATE_FILE
    resuming = out is not None and (Path(out) / STATE_FILE).exists() and (Path(out) / CONFIG).exists()
    if not (resuming or init_from):
        return {}
    try:
        cfg = read_model_config(Path(out) if resuming else Path(init_from))
    except ModelFileError:
        if not resuming:
            raise           # a --start model that can't be read is an error of its own
        return {}           # the training state's own check says what is wrong
    if cfg.preset != preset:
        return {}
    return {k: getattr(cfg, k) for k in (RESUMED_SETTINGS if resuming else SHARED_SETTINGS)}


def starting_point(preset: str, start: str, kind: str, out: str | Path | None = None) -> tuple[str, dict]:
    """(``TrainConfig.init_from``, model settings) of a run of ``preset`` into ``out`` (None: a
    fresh run) asked to start from ``start`` ("base", "scratch" or a model folder) on a folder of
    ``kind`` sounds: :func:`start_from` and :func:`start_settings` together, as the CLI and the
    training panel both need them."""
    init_from = start_from(preset, start, kind)
    return init_from, start_settings(preset, init_from, out)
