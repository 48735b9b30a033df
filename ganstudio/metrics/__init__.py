"""Measures of generated audio against real audio (numpy only)."""
from .baselines import noise_bursts, white_noise
from .frechet import frechet_distance, logmel_features, logmel_frechet
from .nearest import NearestIndex, Neighbour
from .sets import clip_embedding, diversity_ratio, memorisation_ratio, ndb_over_k
from .shape import kernel_distance, shape_distance, shape_embedding

__all__ = ["clip_embedding", "diversity_ratio", "frechet_distance", "logmel_features", "logmel_frechet",
           "kernel_distance", "memorisation_ratio", "NearestIndex", "Neighbour", "ndb_over_k", "noise_bursts",
           "shape_distance", "shape_embedding", "white_noise"]
