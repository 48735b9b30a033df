"""Built-in content: the procedural demo kit and (later) the embedded demo model."""
from .demo_kit import KIT_CLASSES, render_kit, render_sound, write_kit

__all__ = ["KIT_CLASSES", "render_kit", "render_sound", "write_kit"]
