"""Dataset outliers: clipped, much quieter or louder, cut, copies; and a dataset's subset."""
import numpy as np

from ganstudio.data import Dataset, ImportSettings
from ganstudio.data.outliers import flag_clips
from ganstudio.library import render_kit

SR = 16000


def _kit():
    return [c for v in render_kit(per_class=3, sample_rate=SR).values() for c in v]


def test_clean_kit_clips_carry_no_flags_and_each_problem_is_named():
    clips = _kit()
    n = len(clips)
    assert flag_clips(np.stack(clips), SR) == [[] for _ in range(n)]
    hot = np.clip(clips[0] * 4, -0.95, 0.95)                      # limited flat at the peak
    click = np.zeros(len(clips[0]), np.float32)
    click[100:140] = 0.95 * np.exp(-np.arange(40) / 6.0) * np.cos(np.arange(40))   # a lone tick
    drone = (0.95 * np.sin(2 * np.pi * 220 * np.arange(len(clips[0])) / SR)).astype(np.float32)   # never ends
    copy = clips[4] * 0.5                                          # the same sound, quieter (normalised alike)
    bad = [hot, click, drone, copy / np.abs(copy).max() * 0.95]
    flags = flag_clips(np.stack(clips + bad), SR, [f"c{i}" for i in range(n + 4)])
    assert "clipped" in flags[n] and "much louder" in flags[n]
    assert "much quieter" in flags[n + 1]
    assert "cut (longer than a clip)" in flags[n + 2]
    assert flags[n + 3] == ["copy of c4"]
    assert flag_clips(np.zeros((0, 100), np.float32), SR) == []


def test_a_subset_keeps_classes_settings_and_names():
    ds = Dataset.from_arrays(render_kit(per_class=2, sample_rate=SR), ImportSettings(), source="/k")
    ds.files = [f"f{i}.wav" for i in range(len(ds))]
    sub = ds.subset([1, 3, 5])
    assert len(sub) == 3 and sub.files == ["f1.wav", "f3.wav", "f5.wav"]
    np.testing.assert_array_equal(sub.clips, ds.clips[[1, 3, 5]])
    assert sub.class_names == ds.class_names and sub.source == "/k" and sub.settings == ds.settings
    assert list(sub.labels) == list(ds.labels[[1, 3, 5]])
