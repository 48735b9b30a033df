"""Writing audio files a DAW takes as they are."""
from .wav import SUBTYPES, write_wav

__all__ = ["SUBTYPES", "write_wav"]
