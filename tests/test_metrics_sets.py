"""NDB/K, memorisation and diversity behave as their definitions say on controlled sets."""
import numpy as np

from ganstudio.library import render_kit
from ganstudio.metrics import clip_embedding, diversity_ratio, memorisation_ratio, ndb_over_k


def kit_embeddings(per_class, seed):
    kit = render_kit(per_class=per_class, duration=0.5, seed=seed)
    clips = np.stack([c[:8000] for v in kit.values() for c in v])
    return clip_embedding(clips, 16000), {k: len(v) for k, v in kit.items()}


def test_real_vs_real_is_the_floor_and_collapse_and_copies_are_caught():
    train, _ = kit_embeddings(10, seed=1)
    held, _ = kit_embeddings(10, seed=2)
    assert ndb_over_k(train, held, k=6) <= 0.34
    assert 0.5 < memorisation_ratio(train, held) < 2.0
    assert 0.7 < diversity_ratio(train, held) < 1.3
    copies = train[:30] + 1e-6
    assert memorisation_ratio(train, copies) < 0.01
    collapsed = np.repeat(held[:1], 40, axis=0) + np.random.default_rng(0).normal(0, 1e-3, (40, held.shape[1]))
    assert diversity_ratio(train, collapsed) < 0.05
    assert ndb_over_k(train, collapsed, k=6) >= 0.5
