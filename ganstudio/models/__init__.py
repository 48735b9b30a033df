"""Generator / discriminator families, size presets and their config dataclass. The networks (and
torch with them) load on first use (``ganstudio.lazy``)."""
from ..lazy import lazy_names
from .config import PRESETS, ModelConfig, preset

_LAZY = {"Generator": "wavegan", "Discriminator": "wavegan", "strides_for": "wavegan"}
__all__ = ["PRESETS", "ModelConfig", "preset", *_LAZY]
__getattr__ = lazy_names(__name__, _LAZY)
