"""What a folder of sounds is like, measured on its clips at the model's rate: how long a sound
stays loud and how much of its energy comes in its first 50 ms. It is part of the data summary
(what `train` and the Dataset tab report) and it chooses which pretrained base a new `tiny` model
starts from (``library.base_model``).

Drum hits and spoken words stay within 20 dB of their peak for a median 0.11-0.21 s (four sets);
notes and most sound effects for 0.40-1.0 s. Short sounds fine-tune best from the
transposed-convolution base, long ones from the inverse-STFT base (docs/quality.md, run 12).
"""
from __future__ import annotations

import numpy as np

ENVELOPE_S = 0.001         # RMS envelope frames of 1 ms
ONSET = 0.1                # the onset: the first frame at 10 % of the clip's peak envelope (-20 dB)
ATTACK_S = 0.050           # the window after the onset whose share of the energy is measured
LOUD_DB = 20.0             # a frame within this much of the clip's peak counts as loud
SUSTAINED_S = 0.3          # median loud seconds at or above this: a folder of sustained sounds
MAX_CLIPS = 512            # a median: evenly spaced clips of a larger folder read the same


def clip_measures(clips: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """[N, T] clips at ``rate`` Hz -> (attack share [N]: the share of each clip's energy in the
    50 ms from its onset, 0-1; loud seconds [N]: how long its envelope stays within 20 dB of its
    peak). Silent clips read 0 and 0."""
    w = max(1, int(round(ENVELOPE_S * rate)))
    n = clips.shape[1] // w
    power = np.square(clips[:, :n * w].astype(np.float64)).reshape(len(clips), n, w).mean(-1)   # [N, n]
    peak = power.max(1)
    total = power.sum(1)
    onset = np.argmax(power >= (ONSET ** 2) * peak[:, None], axis=1)
    frames = np.arange(n)[None, :]
    attack = (frames >= onset[:, None]) & (frames < onset[:, None] + int(round(ATTACK_S / ENVELOPE_S)))
    share = np.where(total > 0, (power * attack).sum(1) / np.maximum(total, 1e-30), 0.0)
    loud = (power >= peak[:, None] * 10 ** (-LOUD_DB / 10)) & (peak[:, None] > 0)
    return share, loud.sum(1) * w / rate


def picked(n: int) -> np.ndarray:
    """The indices of the clips a profile of ``n`` clips reads: all, or :data:`MAX_CLIPS` evenly
    spaced ones."""
    return np.linspace(0, n - 1, min(n, MAX_CLIPS)).round().astype(int)


def sound_profile(clips: np.ndarray, rate: int, measures: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """A JSON-able profile of [N, T] float32 clips at ``rate`` Hz: the median ``loud_seconds`` of
    a clip (how long it stays within 20 dB of its peak), the median ``attack_share`` (0-1), and
    the ``kind`` the first makes: "short" (drum hits, spoken words) or "sustained" (notes, most
    sound effects). ``measures``: :func:`clip_measures` of all N clips when known already (the
    same profile, without measuring again)."""
    clips = np.asarray(clips, dtype=np.float32)
    if clips.ndim != 2 or len(clips) == 0:
        return {"loud_seconds": 0.0, "attack_share": 0.0, "kind": "short"}
    pick = picked(len(clips))
    share, loud_s = clip_measures(clips[pick], rate) if measures is None else (measures[0][pick], measures[1][pick])
    loud = float(np.median(loud_s))
    return {"loud_seconds": round(loud, 3), "attack_share": round(float(np.median(share)), 3),
            "kind": "sustained" if loud >= SUSTAINED_S else "short"}
