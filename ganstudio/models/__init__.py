"""Generator / discriminator families, size presets and their config dataclass."""
from .config import PRESETS, ModelConfig, preset
from .wavegan import Discriminator, Generator, strides_for

__all__ = ["PRESETS", "ModelConfig", "preset", "Generator", "Discriminator", "strides_for"]
