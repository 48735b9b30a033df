"""The folder profile (how long its sounds stay loud) and the base it chooses (issue 13)."""
import json

import numpy as np
import pytest
import soundfile as sf

from ganstudio.data import Dataset, ImportSettings
from ganstudio.data.profile import SUSTAINED_S, clip_measures, sound_profile
from ganstudio.library import render_kit
from ganstudio.library.base_model import base_model_path, start_from, start_settings
from ganstudio.metrics.baselines import noise_bursts
from ganstudio.models import preset

RATE, N = 16000, 16384


def swells(n: int, seed: int = 0) -> np.ndarray:
    """Tones that fade in over 100-300 ms and ring for most of the clip (notes, drones, swells)."""
    rng = np.random.default_rng(seed)
    t = np.arange(N) / RATE
    rise = rng.uniform(0.1, 0.3, (n, 1))
    env = np.minimum(t / rise, 1.0) * np.exp(-np.maximum(t - rise, 0) / 0.6)
    return (0.8 * env * np.sin(2 * np.pi * rng.uniform(110, 880, (n, 1)) * t)).astype(np.float32)


def test_attack_share_of_known_envelopes():
    click = np.zeros((1, N), np.float32)
    click[0, 100:116] = 1.0                       # all of its energy in its first millisecond
    share, loud = clip_measures(np.concatenate([click, swells(1), np.zeros((1, N), np.float32)]), RATE)
    assert share[0] == pytest.approx(1.0) and loud[0] == pytest.approx(0.001, abs=1e-3)
    assert share[1] < 0.1 and loud[1] > 0.3
    assert share[2] == 0.0 and loud[2] == 0.0     # silence: no NaN, no division by zero


def words(n: int, seed: int = 0) -> np.ndarray:
    """Voiced syllables: a 40 ms rise, 0.15 s held, gone by 0.25 s (short, but not an attack)."""
    rng = np.random.default_rng(seed)
    t = np.arange(N) / RATE
    env = np.clip(np.minimum(t / 0.04, (0.25 - t) / 0.1), 0.0, 1.0)
    return (0.8 * env * np.sin(2 * np.pi * rng.uniform(100, 250, (n, 1)) * t)).astype(np.float32)


def test_drums_and_words_read_short_and_swells_sustained():
    kit = render_kit(per_class=6)
    drums = np.stack([c[:N] for name, clips in kit.items() if name != "sweep" for c in clips])
    for clips in (drums, noise_bursts(40, N, RATE), words(20)):
        p = sound_profile(clips, RATE)
        assert p["kind"] == "short" and p["loud_seconds"] < SUSTAINED_S
    assert sound_profile(drums, RATE)["attack_share"] > 0.5 > sound_profile(words(20), RATE)["attack_share"]
    p = sound_profile(swells(40), RATE)
    assert p["kind"] == "sustained" and p["loud_seconds"] > SUSTAINED_S and p["attack_share"] < 0.1
    assert sound_profile(np.zeros((0, N), np.float32), RATE)["kind"] == "short"
    json.dumps(p)                                   # it lives in every model's config


def test_the_profile_is_in_the_data_summary():
    ds = Dataset.from_arrays({"swell": list(swells(8))}, ImportSettings())
    assert ds.summary()["profile"]["kind"] == "sustained"


def test_a_subset_reads_its_profile_from_the_measures_of_its_parent(monkeypatch):
    """The window measures every clip once, off the GUI thread; the clips left ticked at Train
    get the same profile as if measured again, without measuring."""
    import ganstudio.data.profile as profile
    ds = Dataset.from_arrays({"hit": list(words(30)), "swell": list(swells(30))}, ImportSettings())
    keep = list(range(25, 60))                      # mostly swells: another kind than the whole folder
    fresh = ds.subset(keep).profile                 # measured from the clips
    ds.clip_measures
    monkeypatch.setattr(profile, "clip_measures", lambda *a: pytest.fail("measured again"))
    sub = ds.subset(keep)
    assert sub.profile == fresh and fresh != ds.profile and fresh["kind"] == "sustained"
    assert ds.subset(keep[:3]).profile == sound_profile(ds.clips[keep[:3]], RATE, (sub.clip_measures[0][:3],
                                                                                  sub.clip_measures[1][:3]))


def test_each_kind_starts_from_its_own_base():
    short, sustained = start_from("tiny", "base", "short"), start_from("tiny", "base", "sustained")
    assert short == str(base_model_path("short")) and sustained == str(base_model_path("sustained"))
    plain = {"even_phases": False, "smooth_ups": 0}
    assert start_settings("tiny", short) == {"upsample": "transposed", "peak_norm": False, **plain}
    assert start_settings("tiny", sustained) == {"upsample": "istft", "peak_norm": True, **plain}
    assert preset("tiny", upsample="istft").tone_bands == 0      # the tone filter is a waveform G's
    assert start_from("standard", "base", "sustained") == "" and start_from("tiny", "scratch", "sustained") == ""
    assert start_settings("standard", sustained) == {}          # another preset's widths: nothing shared
    assert start_settings("tiny", "") == {}


def test_a_missing_base_falls_back_to_the_short_one(tmp_path, monkeypatch):
    import shutil

    import ganstudio.library.base_model as bm
    shutil.copytree(base_model_path("short"), tmp_path / "base")
    monkeypatch.setattr(bm, "resources_dir", lambda: tmp_path)
    assert start_from("tiny", "base", "sustained") == str(tmp_path / "base")


def test_a_resumed_run_keeps_its_own_settings_and_a_bad_start_model_is_refused(tmp_path):
    from ganstudio.models.modelfile import ModelFileError
    from ganstudio.training.checkpoint import STATE_FILE
    out = tmp_path / "m"
    out.mkdir()
    for name in ("config.json", "generator.safetensors"):
        (out / name).write_bytes((base_model_path("short") / name).read_bytes())
    assert start_settings("tiny", start_from("tiny", "base", "sustained"), out)["upsample"] == "istft"
    (out / STATE_FILE).write_bytes(b"a training state")       # now it resumes: its own settings win
    resumed = start_settings("tiny", start_from("tiny", "base", "sustained"), out)
    assert resumed["upsample"] == "transposed"
    # a run begun before `tiny` had a tone filter resumes without one, as its state was made
    assert resumed["tone_bands"] == 0 and preset("tiny").tone_bands > 0
    assert preset("tiny", **resumed).tone_bands == 0
    # ... and one begun with the 80 dB filter (before tone_db) resumes with that depth
    cfg = json.loads((out / "config.json").read_text())
    cfg["model"]["tone_bands"] = 32
    (out / "config.json").write_text(json.dumps(cfg))
    resumed = start_settings("tiny", "", out)
    assert (resumed["tone_bands"], resumed["tone_db"]) == (32, 80.0) and preset("tiny").tone_db == 40.0
    # a model trained through filtered stages is started from (or resumed) with them: its weights
    # sound right only through them (docs/quality.md, run 21)
    cfg["model"]["smooth_ups"] = 2
    (out / "config.json").write_text(json.dumps(cfg))
    assert start_settings("tiny", "", out)["smooth_ups"] == 2 and preset("tiny").smooth_ups == 0
    (out / STATE_FILE).unlink()
    assert start_settings("tiny", str(out))["smooth_ups"] == 2
    (out / "config.json").write_text("{not json")               # the state's own check will say why
    assert start_settings("tiny", "", out) == {}
    bad = tmp_path / "bad"
    bad.mkdir()
    sf.write(bad / "generator.safetensors", np.zeros(10), RATE, format="WAV")
    (bad / "config.json").write_text("[]")
    with pytest.raises(ModelFileError, match="not a GAN Studio model config"):
        start_settings("tiny", str(bad))
