import os
import shutil

import numpy as np
import pytest
import soundfile as sf

from ganstudio.data import Dataset, DatasetError, ImportSettings, import_folder, prepare_clip
from ganstudio.data.prepare import SkipFile

SR = 44100


def tone(seconds=0.3, rate=SR, freq=440.0, channels=1, delay=0.0):
    t = np.arange(int(seconds * rate)) / rate
    x = 0.5 * np.sin(2 * np.pi * freq * t) * np.exp(-t * 8)
    x = np.concatenate([np.zeros(int(delay * rate)), x])
    return np.repeat(x[:, None], channels, axis=1) if channels > 1 else x


@pytest.fixture()
def mixed_folder(tmp_path):
    """Good files in many formats under two class folders, and bad files of every kind."""
    good = tmp_path / "sounds"
    (good / "drums").mkdir(parents=True)
    (good / "fx" / "deeper").mkdir(parents=True)
    sf.write(good / "drums" / "a16.wav", tone(), SR, subtype="PCM_16")
    sf.write(good / "drums" / "b24_48k.wav", tone(rate=48000), 48000, subtype="PCM_24")
    sf.write(good / "drums" / "c_float_stereo.wav", tone(channels=2), SR, subtype="FLOAT")
    sf.write(good / "drums" / "d_u8.wav", tone(rate=8000), 8000, subtype="PCM_U8")
    sf.write(good / "fx" / "e.flac", tone(rate=22050, channels=8), 22050, subtype="PCM_16")
    sf.write(good / "fx" / "f.ogg", tone(rate=32000), 32000, format="OGG", subtype="VORBIS")
    sf.write(good / "fx" / "deeper" / "g.aiff", tone(delay=0.4), SR, format="AIFF", subtype="PCM_16")
    sf.write(good / "fx" / "h with spaces ü.wav", tone(seconds=3.0), SR)
    sf.write(good / "top.wav", tone(freq=330.0), SR)
    sf.write(good / "fx" / "i.mp3", tone(freq=550.0), SR, format="MP3", subtype="MPEG_LAYER_III")
    # bad ones
    (good / "readme.txt").write_text("not a sound")
    (good / "fake.wav").write_text("this is text, not RIFF")
    (good / "zero.wav").write_bytes(b"")
    sf.write(good / "silent.wav", np.zeros(4000), SR)
    sf.write(good / "one_sample.wav", np.array([0.5]), SR)
    nan = tone().astype(np.float32)
    nan[100] = np.nan
    sf.write(good / "nan.wav", nan, SR, subtype="FLOAT")
    blob = (good / "drums" / "a16.wav").read_bytes()
    (good / "truncated_header.wav").write_bytes(blob[:30])
    os.symlink(good / "loop_a.wav", good / "loop_b.wav")
    os.symlink(good / "loop_b.wav", good / "loop_a.wav")
    os.symlink(good / "fx", good / "linked_dir")
    return good


def reasons(ds):
    return {s.path: s.reason for s in ds.skipped}


def test_import_uses_every_good_file_and_reports_every_bad_one(mixed_folder):
    ds = import_folder(mixed_folder, ImportSettings(), cache_dir=False)
    assert len(ds) == 10
    assert ds.clips.shape == (10, 16384) and ds.clips.dtype == np.float32
    assert ds.class_names == ["drums", "fx", "unlabelled"]
    labels = dict(zip(ds.files, ds.labels))
    assert ds.class_names[labels["fx/deeper/g.aiff"]] == "fx"
    assert ds.class_names[labels["top.wav"]] == "unlabelled"
    r = reasons(ds)
    assert r["readme.txt"].startswith("not audio")
    assert r["fake.wav"].startswith("unreadable")
    assert r["zero.wav"].startswith("empty")
    assert r["silent.wav"].startswith("silent")
    assert r["one_sample.wav"].startswith("too short")
    assert "NaN" in r["nan.wav"]
    assert r["truncated_header.wav"].startswith(("unreadable", "empty"))
    assert "loop" in r["loop_a.wav"] and "loop" in r["loop_b.wav"]
    assert "symbolic link to a folder" in r["linked_dir"]
    assert len(ds.skipped) == 10
    assert "readme.txt: not audio" in ds.skip_report()


def test_clips_are_trimmed_normalised_and_fixed_length(mixed_folder):
    ds = import_folder(mixed_folder, ImportSettings(), cache_dir=False)
    peaks = np.max(np.abs(ds.clips), axis=1)
    np.testing.assert_allclose(peaks, 0.95, atol=1e-5)
    # g.aiff started with 0.4 s of silence: after trimming the sound begins within the pre-roll.
    g = ds.clips[ds.files.index("fx/deeper/g.aiff")]
    onset = np.flatnonzero(np.abs(g) > 0.01)[0]
    assert onset < 0.005 * 16000
    # The 3 s file was cut to length with a fade: no click at the end.
    h = ds.clips[ds.files.index("fx/h with spaces ü.wav")]
    assert abs(h[-1]) < 1e-3 and np.max(np.abs(h[:1000])) > 0.5


def test_resampling_keeps_pitch():
    s = ImportSettings(sample_rate=22050, clip_length=22050)
    clip = prepare_clip(tone(seconds=0.5, freq=1000.0, rate=48000), 48000, s)
    spectrum = np.abs(np.fft.rfft(clip[:8192] * np.hanning(8192)))
    peak_hz = np.argmax(spectrum) * 22050 / 8192
    assert abs(peak_hz - 1000) < 5


def test_settings_validation():
    with pytest.raises(ValueError, match="sample rate"):
        ImportSettings(sample_rate=12345)
    with pytest.raises(ValueError, match="between 0.5 and 4"):
        ImportSettings(clip_length=100)
    assert ImportSettings.for_seconds(2.0, 48000).clip_length == 96000
    assert ImportSettings().key() != ImportSettings(trim_db=-40).key()


def test_cache_makes_second_import_hit_and_settings_change_miss(mixed_folder, tmp_path):
    cache = tmp_path / "cache"
    first = import_folder(mixed_folder, cache_dir=cache)
    assert first.cache_hits == 0
    second = import_folder(mixed_folder, cache_dir=cache)
    assert second.cache_hits >= len(second) + 5     # clips and cached skip reasons
    assert np.array_equal(first.clips, second.clips) and reasons(first) == reasons(second)
    other = import_folder(mixed_folder, ImportSettings(clip_length=8192), cache_dir=cache)
    assert other.cache_hits == 0 and other.clips.shape[1] == 8192
    # Content, not name, is the key: a renamed copy hits; an edited file misses.
    shutil.copy(mixed_folder / "top.wav", mixed_folder / "copy.wav")
    sf.write(mixed_folder / "drums" / "a16.wav", tone(freq=220), SR)
    third = import_folder(mixed_folder, cache_dir=cache)
    assert third.cache_hits == second.cache_hits


def test_folder_without_sounds_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DatasetError, match="no usable sounds.*notes.txt: not audio"):
        import_folder(tmp_path, cache_dir=False)
    with pytest.raises(DatasetError, match="is not a folder"):
        import_folder(tmp_path / "missing")


def test_progress_is_reported_for_each_file(kit_dir):
    seen = []
    import_folder(kit_dir, cache_dir=False, progress_fn=lambda d, t, p: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] == 24 and len(seen) == 24


def test_prepare_clip_rejects_inf():
    x = tone()
    x[5] = np.inf
    with pytest.raises(SkipFile, match="infinite"):
        prepare_clip(x, SR, ImportSettings())


def test_dataset_summary(kit_dir):
    ds = import_folder(kit_dir)
    s = ds.summary()
    assert s["clips"] == 24 and s["classes"]["kick"] == 4 and s["sample_rate"] == 16000
    # the sound's own length, not clips x clip length: 24 padded 1 s clips hold less sound than that
    assert 0 < s["sound_seconds"] < s["total_seconds"] and 0.02 < s["median_sound_seconds"] < 1.024
    short = np.zeros(16384, np.float32)
    short[:1600] = np.sin(np.arange(1600) * 0.3) * np.linspace(1, 0, 1600)    # a 0.1 s hit
    one = Dataset.from_arrays({"a": [short]}, ImportSettings()).summary()
    assert 0.08 < one["sound_seconds"] < 0.16, one
    assert isinstance(Dataset.from_arrays({"a": [tone(rate=16000)]}, ImportSettings()), Dataset)


def test_unreadable_subfolder_is_reported(tmp_path, monkeypatch):
    # Root reads every folder, so the permission error is simulated where os.walk lists folders.
    sf.write(tmp_path / "a.wav", tone(), SR)
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)
    monkeypatch.setattr(os, "scandir", scandir)
    ds = import_folder(tmp_path, cache_dir=False)
    assert len(ds) == 1 and reasons(ds) == {"locked": "unreadable folder: Permission denied"}


def test_the_clip_cache_stays_under_its_size_limit(kit_dir, tmp_path, monkeypatch):
    from ganstudio.data import ImportSettings, import_folder
    monkeypatch.setenv("GANSTUDIO_CACHE_LIMIT_MB", "0.5")          # about 7 clips of 16384 floats
    cache = tmp_path / "cache"
    ds = import_folder(kit_dir, ImportSettings(), cache_dir=cache)
    size = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
    assert len(ds) == 24 and 0 < size <= 500_000
    again = import_folder(kit_dir, ImportSettings(), cache_dir=cache)     # evicted clips are remade
    assert np.array_equal(again.clips, ds.clips)
