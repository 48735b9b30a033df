"""Kinds of sound in a folder without subfolders, found so a model can learn them as classes.

A folder of drum hits holds kicks, hats and snares whether or not its owner sorted them into
subfolders. Conditioning a GAN on clusters of its own data (the self-conditioned GAN of Liu et al.,
"Diverse Image Generation via Self-Conditioned GANs", CVPR 2020) gives an unsorted folder what
subfolders give a sorted one: the level loss per kind (:mod:`ganstudio.training.mel_match`) and
pads that can ask for a kind. The kinds are k-means clusters of each clip's shape
(:func:`~ganstudio.metrics.shape.shape_embedding`: its log-mel envelope in 16 bands over 8 stretches
of time), standardised per dimension; the best of several seeded starts, so the same clips always
give the same kinds and a resumed training gets the classes it started with.
"""
from __future__ import annotations

import numpy as np

KIND_NAME = "kind {}"
MAX_KINDS = 16
DEFAULT_KINDS = 8             # what the window asks for: 8 kinds was measured on 666 drum hits (run 25)
MIN_CLIPS_PER_KIND = 8        # fewer clips than this per kind, and fewer kinds are looked for
STARTS = 8


def kind_labels(clips: np.ndarray, sample_rate: int, k: int) -> np.ndarray:
    """int64 [N] kind of each of ``clips`` float32 [N, samples] at ``sample_rate`` Hz, in 0..k'-1:
    k' is at most ``k``, at most N / 8, and loses the kinds no clip fell into. Kind 0 is the
    largest; all zeros when fewer than two kinds can be found."""
    from scipy.cluster.vq import kmeans2

    from ..metrics.shape import shape_embedding
    n = len(clips)
    k = int(min(k, MAX_KINDS, n // MIN_CLIPS_PER_KIND))
    if k < 2:
        return np.zeros(n, np.int64)
    emb = shape_embedding(clips, sample_rate)
    emb = (emb - emb.mean(0)) / (emb.std(0) + 1e-6)
    best = None
    for seed in range(STARTS):
        centres, labels = kmeans2(emb, k, seed=seed, minit="++")
        inertia = float(((emb - centres[labels]) ** 2).sum())
        if best is None or inertia < best[0]:
            best = (inertia, labels)
    counts = np.bincount(best[1], minlength=k)
    order = [int(c) for c in np.argsort(-counts, kind="stable") if counts[c]]
    remap = np.full(k, -1, np.int64)
    remap[order] = np.arange(len(order))
    return remap[best[1]]


def with_kinds(dataset, k: int):
    """``dataset`` (a :class:`~.importer.Dataset` without subfolder classes) with its clips
    labelled by :func:`kind_labels` as classes "kind 1", "kind 2", ... A folder sorted into
    subfolders is refused: its own classes say more than clusters do."""
    if not 2 <= int(k) <= MAX_KINDS:
        raise ValueError(f"kinds must be between 2 and {MAX_KINDS}, got {k}")
    if dataset.num_classes > 1:
        raise ValueError(f"{dataset.source or 'the folder'} is sorted into {dataset.num_classes} subfolders "
                         f"already ({', '.join(dataset.class_names)}): learn them with --conditional, "
                         "or move the files to the top to have kinds found")
    labels = kind_labels(dataset.clips, dataset.settings.sample_rate, k)
    names = [KIND_NAME.format(i + 1) for i in range(int(labels.max(initial=0)) + 1)]
    return dataset.relabelled(labels, names)


def kinds_for_training(dataset, mc, k: int):
    """(dataset, model config) for training with up to ``k`` kinds of sound found in a folder
    without subfolders (0: as they are). A sorted folder keeps its own classes, and so does a
    folder too small to find two kinds in: the config then stays unconditional."""
    from dataclasses import replace
    if not k or dataset.num_classes > 1:
        return dataset, mc
    found = with_kinds(dataset, k)
    if found.num_classes < 2:
        return dataset, mc
    return found, replace(mc, class_names=tuple(found.class_names))
