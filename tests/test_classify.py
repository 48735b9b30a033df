"""The class-accuracy measure of conditioned models (metrics/classify.py), on known cases."""
import numpy as np

from ganstudio.library import render_kit
from ganstudio.metrics import white_noise
from ganstudio.metrics.classify import ClipClassifier, class_scores, inception_score, timed_embedding


def test_real_held_out_clips_score_high_and_white_noise_scores_low():
    kit = render_kit(per_class=12, seed=3)
    names = sorted(kit)
    clips = np.stack([np.pad(c[:8000], (0, max(0, 8000 - len(c)))) for n in names for c in kit[n]])
    labels = np.array([i for i, n in enumerate(names) for _ in kit[n]])
    train = np.arange(len(clips)) % 2 == 0
    emb = timed_embedding(clips, 16000)
    clf = ClipClassifier.fit(emb[train], labels[train], len(names))
    real = class_scores(clf, emb[~train], labels[~train])
    assert real["accuracy"] >= 0.8 and real["inception_score"] >= 0.6 * len(names)
    noise = white_noise(60, 8000, 16000, seed=1)
    asked = np.arange(60) % len(names)
    bad = class_scores(clf, timed_embedding(noise, 16000), asked)
    assert bad["accuracy"] <= 0.4 and bad["inception_score"] < 2.0


def test_inception_score_bounds():
    k = 5
    confident_even = np.eye(k)[np.arange(50) % k]
    assert abs(inception_score(confident_even) - k) < 1e-6
    assert abs(inception_score(np.full((50, k), 1 / k)) - 1.0) < 1e-9
    one_class = np.eye(k)[np.zeros(50, dtype=int)]
    assert abs(inception_score(one_class) - 1.0) < 1e-6
