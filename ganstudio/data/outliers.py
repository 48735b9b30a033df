"""Clips a user may want to leave out of training, flagged with a plain reason: clipped at the
source, much quieter or louder than the rest, cut because the sound is longer than a clip, or a
copy of another clip.

Clips are peak-normalised when prepared, so "louder" means more energy in the clip for its peak
(a long, dense, limited or distorted sound) and "quieter" means less (a lone click in silence). Thresholds are
relative to the dataset's own median, so they suit drums and drones alike.
"""
from __future__ import annotations

import numpy as np

from ..dsp.oneshot import oneshot_bounds

FLAT_RUN = 4                # samples at the peak in a row: the source was clipped
QUIETER_DB = 18.0           # the sound's RMS this far under the median clip's
LOUDER_DB = 9.0
COPY_CORRELATION = 0.995    # a clip this correlated with an earlier one is a copy of it


def _rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(float(np.mean(x.astype(np.float64) ** 2)) + 1e-20)


def _flat_top(x: np.ndarray) -> bool:
    peak = float(np.abs(x).max())
    if peak == 0:
        return False
    at = np.abs(x) >= peak * (1 - 1e-4)
    # the longest run of samples at the peak
    edges = np.diff(np.concatenate([[0], at.astype(np.int8), [0]]))
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return bool(runs.size and runs.max() >= FLAT_RUN)


def flag_clips(clips: np.ndarray, rate: int, names: list[str] | None = None) -> list[list[str]]:
    """For each clip of ``clips`` (float32 [N, T] at ``rate``, prepared), its flags (maybe none):
    "clipped", "much quieter", "much louder", "cut (longer than a clip)", "copy of NAME" (the
    earlier clip's name from ``names``, else "#k", 1-based)."""
    clips = np.asarray(clips, np.float32)
    flags: list[list[str]] = [[] for _ in range(len(clips))]
    if not len(clips):
        return flags
    bounds = [oneshot_bounds(c, rate) for c in clips]
    levels = np.array([_rms_db(c) for c in clips])      # the clip's energy: a lone click is "quieter"
    median = float(np.median(levels))
    tail = max(1, int(0.005 * rate))
    for i, c in enumerate(clips):
        if _flat_top(c):
            flags[i].append("clipped")
        if levels[i] < median - QUIETER_DB:
            flags[i].append("much quieter")
        elif levels[i] > median + LOUDER_DB:
            flags[i].append("much louder")
        # still sounding in the last 5 ms at more than -30 dB of its peak: the sound went on
        if np.abs(c[-tail:]).max() > 0.03 * max(float(np.abs(c).max()), 1e-9) and bounds[i][1] >= len(c) - tail:
            flags[i].append("cut (longer than a clip)")
    unit = clips / (np.linalg.norm(clips, axis=1, keepdims=True) + 1e-12)
    gram = unit @ unit.T                       # one product: about a second for 700 one-second clips
    for i in range(1, len(clips)):
        j = int(np.argmax(gram[i, :i]))
        if gram[i, j] >= COPY_CORRELATION:
            flags[i].append(f"copy of {names[j]}" if names and j < len(names) else f"copy of #{j + 1}")
    return flags
