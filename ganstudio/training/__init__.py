"""Training: the hook-driven loop, losses, augmentation, EMA, checkpoints and DDP."""
from .checkpoint import CheckpointError, load_state, save_state
from .config import LOSSES, TrainConfig, recipe
from .control import Progress, TrainControl, TrainingDiverged, TrainResult, resolve_device
from .loop import Trainer, frozen_copy, model_config_for, train

__all__ = ["CheckpointError", "LOSSES", "Progress", "TrainConfig", "TrainControl", "Trainer",
           "TrainResult", "TrainingDiverged", "frozen_copy", "load_state", "model_config_for",
           "recipe", "resolve_device", "save_state", "train"]
