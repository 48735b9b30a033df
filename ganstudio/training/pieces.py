"""Random pieces of clips or recordings for training batches (pure numpy)."""
from __future__ import annotations

import numpy as np


def random_pieces(clips, n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random [length] pieces (float32 [n, length]) of ``clips`` ([N, L] or a list of
    [L_i] arrays, drawn evenly; a clip shorter than ``length`` is zero-padded); a piece far quieter than its clip's peak
    (a silent tail) is drawn again, up to four times, so batches hear sound, not silence."""
    out = np.zeros((n, length), np.float32)
    for i in range(n):
        clip = clips[rng.integers(len(clips))]
        peak = float(np.abs(clip).max()) or 1.0
        for _ in range(4):
            s = int(rng.integers(0, max(1, len(clip) - length + 1)))
            piece = clip[s:s + length]
            if np.abs(piece).max() > 0.05 * peak:
                break
        out[i, :len(piece)] = piece
    return out
