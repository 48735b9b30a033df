"""Training: the hook-driven loop, losses, augmentation, EMA, checkpoints and DDP. The settings load
at once; what needs torch loads on first use (``ganstudio.lazy``)."""
from ..lazy import lazy_names
from .config import LOSSES, TrainConfig, recipe

_LAZY = {"CheckpointError": "checkpoint", "load_state": "checkpoint", "save_state": "checkpoint",
         "Progress": "control", "TrainControl": "control", "TrainingDiverged": "control",
         "TrainResult": "control", "resolve_device": "control",
         "Trainer": "loop", "frozen_copy": "loop", "model_config_for": "loop", "train": "loop"}
__all__ = ["LOSSES", "TrainConfig", "recipe", *_LAZY]
__getattr__ = lazy_names(__name__, _LAZY)
