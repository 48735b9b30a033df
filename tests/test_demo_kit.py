import numpy as np
import pytest
import soundfile as sf

from ganstudio.library import KIT_CLASSES, render_kit, render_sound, write_kit


def test_kit_is_deterministic_and_varied():
    a, b = render_kit(per_class=3, seed=5), render_kit(per_class=3, seed=5)
    c = render_kit(per_class=3, seed=6)
    assert list(a) == list(KIT_CLASSES)
    for kind in KIT_CLASSES:
        for x, y, z in zip(a[kind], b[kind], c[kind]):
            assert np.array_equal(x, y)
            assert not np.array_equal(x, z)
        assert not np.array_equal(a[kind][0], a[kind][1])  # variants differ within a class


@pytest.mark.parametrize("kind", KIT_CLASSES)
def test_each_sound_is_a_normalised_one_shot(kind):
    x = render_sound(kind, np.random.default_rng(0), 16000, 1.0)
    assert x.dtype == np.float32 and x.shape == (16000,)
    assert abs(np.max(np.abs(x)) - 0.9) < 1e-5
    assert np.all(np.isfinite(x))
    assert abs(x[-1]) < 1e-3  # faded out, no click at the end


def test_percussive_sounds_decay():
    for kind in ("kick", "snare", "hat", "tom", "clap"):
        x = render_sound(kind, np.random.default_rng(1), 16000, 1.0)
        head = np.sqrt(np.mean(x[:1600] ** 2))
        tail = np.sqrt(np.mean(x[-1600:] ** 2))
        assert tail < head / 10, kind


def test_kick_is_low_and_hat_is_high():
    def centroid(x):
        mag = np.abs(np.fft.rfft(x))
        return np.sum(np.fft.rfftfreq(x.size, 1 / 16000) * mag) / np.sum(mag)
    kick = render_sound("kick", np.random.default_rng(2))
    hat = render_sound("hat", np.random.default_rng(2))
    assert centroid(kick) < 500 < 4000 < centroid(hat)


def test_write_kit_layout(tmp_path):
    write_kit(tmp_path, per_class=2, sample_rate=22050, duration=0.5)
    files = sorted(tmp_path.rglob("*.wav"))
    assert len(files) == 2 * len(KIT_CLASSES)
    assert {f.parent.name for f in files} == set(KIT_CLASSES)
    info = sf.info(files[0])
    assert info.samplerate == 22050 and info.frames == 11025 and info.subtype == "PCM_16"
