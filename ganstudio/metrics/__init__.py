"""Measures of generated audio against real audio (numpy only)."""
from .frechet import frechet_distance, logmel_frechet, logmel_features

__all__ = ["frechet_distance", "logmel_frechet", "logmel_features"]
