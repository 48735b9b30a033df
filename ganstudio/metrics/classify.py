"""Does a class-conditioned model make the class it is asked for? A classifier trained on the real
clips scores the generated ones: accuracy, and an inception-style score (WaveGAN's measure on
SC09 digits: exp of the mean KL divergence between each clip's class posterior and the
marginal; as high as the number of classes when every clip is confidently one class and all
classes are equally made).

The classifier is multinomial logistic regression on a time-aware log-mel embedding (mean dB of
each band in ``SEGMENTS`` equal stretches of the clip): the order of sounds inside a clip is
what tells "six" from "seven", and a per-clip mean would lose it. Numpy only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dsp import log_mel
from .frechet import FLOOR_DB

SEGMENTS = 8


def timed_embedding(clips: np.ndarray, sample_rate: int, n_mels: int = 32) -> np.ndarray:
    """[N, T] audio -> float64 [N, SEGMENTS * n_mels]: log-mel dB averaged over SEGMENTS stretches."""
    feats = log_mel(np.asarray(clips, dtype=np.float32), sample_rate, n_mels=n_mels, floor_db=FLOOR_DB)
    parts = np.array_split(feats, SEGMENTS, axis=1)
    return np.concatenate([p.mean(axis=1) for p in parts], axis=1).astype(np.float64)


@dataclass
class ClipClassifier:
    """Logistic regression fitted on standardised embeddings; ``probabilities`` gives [N, classes]."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray      # [D + 1, classes]

    @classmethod
    def fit(cls, emb: np.ndarray, labels: np.ndarray, classes: int, l2: float = 1e-2,
            steps: int = 500, lr: float = 0.5) -> "ClipClassifier":
        clf = cls(emb.mean(0), emb.std(0) + 1e-6, np.zeros((emb.shape[1] + 1, classes)))
        x, y = clf._design(emb), np.eye(classes)[labels]
        for _ in range(steps):               # full-batch gradient descent: convex, small, exact enough
            p = _softmax(x @ clf.weights)
            clf.weights -= lr * (x.T @ (p - y) / len(x) + l2 * clf.weights)
        return clf

    def _design(self, emb: np.ndarray) -> np.ndarray:
        """Standardised embeddings [N, D] with a bias column: [N, D + 1]."""
        return np.hstack([(emb - self.mean) / self.scale, np.ones((len(emb), 1))])

    def probabilities(self, emb: np.ndarray) -> np.ndarray:
        return _softmax(self._design(emb) @ self.weights)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def inception_score(probs: np.ndarray) -> float:
    """exp(E_x KL(p(y|x) || p(y))) for class posteriors [N, classes]."""
    marginal = probs.mean(0, keepdims=True)
    kl = (probs * (np.log(probs + 1e-12) - np.log(marginal + 1e-12))).sum(1)
    return float(np.exp(kl.mean()))


def class_scores(clf: ClipClassifier, emb: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy against the asked-for ``labels`` and the inception-style score of clips ``emb``."""
    probs = clf.probabilities(emb)
    return {"accuracy": round(float((probs.argmax(1) == labels).mean()), 3),
            "inception_score": round(inception_score(probs), 2)}
