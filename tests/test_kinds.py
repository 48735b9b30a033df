"""Kinds of sound found in a folder without subfolders, and classes drawn in a folder's proportions."""
import json

import numpy as np
import pytest

from ganstudio.data import Dataset, ImportSettings
from ganstudio.data.kinds import kind_labels, with_kinds
from ganstudio.library import render_kit
from ganstudio.models.sampling import class_counts, labels_in_proportion, random_labels


@pytest.fixture(scope="module")
def kit48():
    """48 demo sounds of 6 classes, 8 each, at 16 kHz."""
    return Dataset.from_arrays(render_kit(per_class=8, duration=0.6), ImportSettings(clip_length=8000))


def flat(ds):
    """``ds`` as a folder without subfolders imports: one class."""
    return Dataset(ds.clips, np.zeros(len(ds), np.int64), ["unlabelled"], ds.settings, source="flat")


def test_kinds_follow_the_sounds_and_are_the_same_every_time(kit48):
    labels = kind_labels(kit48.clips, 16000, 4)
    assert np.array_equal(labels, kind_labels(kit48.clips, 16000, 4))
    counts = np.bincount(labels)
    assert len(counts) == 4 and counts.min() > 0 and list(counts) == sorted(counts, reverse=True)
    for c in range(kit48.num_classes):      # no class of the kit is split between kinds
        assert len(set(labels[kit48.labels == c])) == 1, (kit48.class_names[c], labels[kit48.labels == c])
    kind = {name: labels[kit48.labels == c][0] for c, name in enumerate(kit48.class_names)}
    assert kind["hat"] != kind["kick"] and kind["hat"] != kind["snare"] and kind["kick"] != kind["snare"]
    # never more kinds than 8 clips each allow, and none from too few clips
    assert kind_labels(kit48.clips, 16000, 16).max() + 1 <= 48 // 8
    assert not kind_labels(kit48.clips[:15], 16000, 4).any()


def test_with_kinds_names_the_kinds_and_refuses_a_sorted_folder(kit48):
    ds = flat(kit48)
    _ = ds.sound_seconds                                    # measured once: kept on the new dataset
    kinds = with_kinds(ds, 3)
    assert kinds.class_names == ["kind 1", "kind 2", "kind 3"] and kinds.clips is ds.clips
    assert kinds.summary()["classes"] == dict(zip(kinds.class_names, np.bincount(kinds.labels).tolist()))
    assert "sound_seconds" in kinds.__dict__
    with pytest.raises(ValueError, match="sorted into 6 subfolders already"):
        with_kinds(kit48, 3)
    with pytest.raises(ValueError, match="between 2 and 16"):
        with_kinds(ds, 17)


def test_labels_in_proportion():
    labels = labels_in_proportion([15, 86, 97, 38, 248, 56, 64, 52], 128, seed=2)
    assert np.bincount(labels, minlength=8).tolist() == [3, 17, 19, 7, 48, 11, 13, 10]
    assert np.array_equal(labels, labels_in_proportion([15, 86, 97, 38, 248, 56, 64, 52], 128, seed=2))
    assert not np.array_equal(labels, np.sort(labels))        # shuffled, not in runs of one class
    assert np.bincount(labels_in_proportion([1, 0, 3], 8, 0), minlength=3).tolist() == [2, 0, 6]
    for bad in ([], [0, 0], [1, -1], [[1, 2]], [1, float("nan")], [1, float("inf")]):
        with pytest.raises(ValueError, match="class counts"):
            labels_in_proportion(bad, 4, 0)


class _Model:
    """What class_counts and random_labels read of a loaded model."""

    def __init__(self, names, classes):
        self.config = type("C", (), {"class_names": tuple(names), "num_classes": len(names)})()
        self.meta = {"data": {"classes": classes}}


def test_random_classes_follow_the_folder_and_a_strangers_counts_are_checked():
    model = _Model(["kick", "hat"], {"kick": 30, "hat": 10})
    assert class_counts(model).tolist() == [30.0, 10.0]
    assert np.bincount(random_labels(model, 8, 1)).tolist() == [6, 2]
    # counts that don't fit the classes fall back to asking for each class in turn
    for classes in ({"hat": 10, "kick": 30}, {"kick": 30}, {"kick": 3.5, "hat": 1}, {"kick": True, "hat": 1},
                    {"kick": -1, "hat": 5}, {"kick": 0, "hat": 0}, "30,10", None, {"kick": 10**12, "hat": 1}):
        m = _Model(["kick", "hat"], classes)
        assert class_counts(m) is None, classes
        assert random_labels(m, 4, 1).tolist() == [0, 1, 0, 1]
    assert random_labels(_Model([], {}), 4, 1) is None


@pytest.mark.slow
def test_train_with_kinds_from_the_cli(tmp_path, kit48, kit_dir):
    """A flat folder trains as classes "kind 1".. and random stems are drawn in its proportions;
    a sorted folder is refused with what to do instead."""
    import soundfile as sf
    from test_cli import cli
    folder = tmp_path / "flat"
    folder.mkdir()
    for i, clip in enumerate(kit48.clips):
        sf.write(folder / f"hit{i:02d}.wav", clip, 16000, subtype="PCM_16")
    model = tmp_path / "model"
    p = cli("train", folder, "--out", model, "--steps", 1, "--length", 8000, "--batch", 4, "--kinds", 4,
            "--start", "scratch")
    assert "4 class(es): kind 1, kind 2, kind 3, kind 4" in p.stdout
    meta = json.loads((model / "config.json").read_text())
    assert meta["class_names"] == ["kind 1", "kind 2", "kind 3", "kind 4"]
    counts = list(meta["data"]["classes"].values())
    cli("generate", model, "-n", 8, "--out", tmp_path / "o", "--seed", 1)
    names = sorted(f.name for f in (tmp_path / "o").glob("*.wav"))
    drawn = [sum(f"_kind {k + 1}_" in n for n in names) for k in range(4)]
    assert sum(drawn) == 8 and drawn == np.bincount(labels_in_proportion(counts, 8, 1), minlength=4).tolist(), names
    cli("generate", model, "-n", 2, "--out", tmp_path / "k2", "--class", "kind 2")
    # resumed without --kinds (as a run begun in the window is): it keeps the kinds it began with
    p = cli("train", folder, "--out", model, "--steps", 2, "--length", 8000, "--batch", 4, "--start", "scratch")
    assert "resuming with the 4 classes it began with (--kinds 4)" in p.stdout and "done at step 2" in p.stdout
    p = cli("train", kit_dir, "--out", tmp_path / "m2", "--steps", 1, "--kinds", 4, check=False)
    assert p.returncode == 1 and "learn them with --conditional" in p.stderr
