"""Variations of a sound that are actually different: the amount scale a user moves, and the
choice of candidates that are neither copies of the sound nor of each other.

Distances are taken on the per-clip log-mel embedding (:func:`ganstudio.metrics.clip_embedding`)
as a share of the median distance between two unrelated sounds of the same model, so one
threshold works for every model (``bench/variations.py`` measures the scale).
"""
from __future__ import annotations

import numpy as np

from ..metrics import clip_embedding
from .latent import mutate

# The latent amount that the user's amount maps to, measured on the demo model with
# bench/variations.py --raw (docs/workbench.md): at a latent amount of 0.25 the median waveform
# correlation with the source was still 0.94 (31 of 64 over 0.95), at 0.1 it was 0.993 and the
# distance 0.12 (subtle), at 0.35-0.4 0.87 and 0.44-0.5 (audibly another take of the sound).
CALIBRATION = ((0.0, 0.0), (0.05, 0.1), (0.25, 0.4), (0.5, 0.62), (1.0, 1.0))
# Closer than this share of an unrelated pair's distance is the same sound (0.2: a median
# waveform correlation of 0.98 on the demo model); scaled down for amounts under 0.25, so a
# subtle variation is not rejected for being subtle.
NEAR_DUPLICATE = 0.2
MIN_PEAK = 0.01             # -40 dBFS: a silent take is far from every sound, and of no use
SCALE_SEED = 7919           # the fixed latents a model's own "unrelated sounds" distance is measured on


def latent_amount(amount: float) -> float:
    """The user's amount (0 same, 0.05 subtle, 0.25 audibly different, 1 unrelated) as the
    latent amount :func:`~.latent.mutate` takes (piecewise linear through ``CALIBRATION``)."""
    xs, ys = zip(*CALIBRATION)
    return float(np.interp(float(np.clip(amount, 0.0, 1.0)), xs, ys))


def near_duplicate(amount: float) -> float:
    """The distance (share of an unrelated pair's) under which a candidate at ``amount`` is a copy."""
    return NEAR_DUPLICATE * min(1.0, max(float(amount), 0.0) / 0.25)


def pick_variations(source: np.ndarray, candidates: np.ndarray, rate: int, n: int, scale: float,
                    min_distance: float = NEAR_DUPLICATE) -> list[int]:
    """Indices of up to ``n`` of ``candidates`` (float32 [k, frames] at ``rate``) that lie at least
    ``min_distance`` x ``scale`` from ``source`` [frames] and from each other, in candidate order;
    a candidate quieter than ``MIN_PEAK`` (a silenced or near-silent take) is never one.
    ``scale``: the median distance between two unrelated sounds of the model (:func:`model_scale`)."""
    emb = clip_embedding(np.concatenate([source[None], candidates]), rate)
    src, cand = emb[0], emb[1:]
    audible = np.abs(candidates).max(axis=1) >= MIN_PEAK
    chosen: list[int] = []
    for i, e in enumerate(cand):
        if not audible[i] or np.linalg.norm(e - src) < min_distance * scale:
            continue
        if any(np.linalg.norm(e - cand[j]) < min_distance * scale for j in chosen):
            continue
        chosen.append(i)
        if len(chosen) == n:
            break
    return chosen


def model_scale(clips: np.ndarray, rate: int) -> float:
    """The median distance between unrelated sounds: pairs (0, 1), (2, 3), ... of ``clips``."""
    emb = clip_embedding(clips, rate)
    half = len(emb) // 2
    return float(np.median(np.linalg.norm(emb[:half] - emb[half:2 * half], axis=1))) or 1.0


def candidate_latents(z: np.ndarray, amount: float, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` mutations of ``z`` at the user's ``amount`` (see :func:`latent_amount`); [k, latent_dim]."""
    return np.stack([mutate(z, latent_amount(amount), rng) for _ in range(k)])


def find_variations(generator, z: np.ndarray, label: int | None, n: int, amount: float,
                    rng: np.random.Generator, heard=None, style=None) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n`` variations of latent ``z`` [latent_dim] (class ``label``, and ``style``, which
    every variation keeps) at the user's
    ``amount`` that are neither copies of its sound nor of each other: (latents [k, latent_dim],
    clips float32 [k, clip_length] at the model rate). ``heard`` maps clips [m, T] to how they
    are played before comparing (e.g. :func:`~ganstudio.dsp.oneshot.clean_oneshots`, so a tail's
    crackle counts as no difference). Runs the generator on the calling thread."""
    from .sampling import generate, latents
    heard = heard or (lambda x: x)
    cands = candidate_latents(z, amount, 3 * n, rng)
    src = heard(generate(generator, z[None], [label], styles=[style]))[0]
    clips = generate(generator, cands, [label] * len(cands), styles=[style] * len(cands))
    ref = generate(generator, latents(32, generator.cfg.latent_dim, SCALE_SEED), [label] * 32,
                   styles=[style] * 32)
    rate = generator.cfg.sample_rate
    chosen = pick_variations(src, heard(clips), rate, n, model_scale(heard(ref), rate), near_duplicate(amount))
    return cands[chosen], clips[chosen]
