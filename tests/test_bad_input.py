"""The bad-input corpus (tests/data/make_bad_corpus.py) and property-based tests of the loaders."""
import io
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganstudio.data import ImportSettings, import_folder, prepare_clip
from ganstudio.data.decode import decode
from ganstudio.data.prepare import SkipFile

sys.path.insert(0, str(Path(__file__).parent / "data"))
from make_bad_corpus import write_corpus  # noqa: E402

S = ImportSettings(clip_length=8000)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    return folder, write_corpus(folder)


def test_every_bad_file_is_skipped_with_its_reason_and_the_odd_ones_import(corpus):
    folder, expect = corpus
    ds = import_folder(folder, S, cache_dir=False)
    reasons = {s.path: s.reason for s in ds.skipped}
    for name, outcome in expect.items():
        if outcome == "ok":
            assert name in ds.files, f"{name} should import, was skipped: {reasons.get(name)}"
        else:
            assert reasons.get(name, "").startswith(outcome), f"{name}: {reasons.get(name)!r}"
    assert len(ds.files) + len(ds.skipped) == len(expect)
    assert np.all(np.isfinite(ds.clips)) and np.abs(ds.clips).max() <= S.peak + 1e-6


def test_the_corpus_trains(corpus, tmp_path):
    from ganstudio.training import Trainer, model_config_for, recipe
    folder, _ = corpus
    ds = import_folder(folder, S, cache_dir=False)
    tc = recipe("tiny", batch_size=4, max_steps=2)
    result = Trainer(ds, tmp_path / "m", model_config_for(ds, "tiny", False, model_dim=4, d_model_dim=4), tc).run()
    assert result.step == 2


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to switch to nobody")
def test_unreadable_file_is_skipped_for_a_normal_user(tmp_path):
    """Root reads every file, so import the corpus's locked file as the user nobody."""
    folder = Path("/tmp") / f"ganstudio-perm-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o755)
    try:
        sf.write(folder / "ok.wav", np.sin(np.arange(4000) / 5.0) * 0.5, 16000)
        sf.write(folder / "locked.wav", np.sin(np.arange(4000) / 5.0) * 0.5, 16000)
        os.chmod(folder / "locked.wav", 0)
        code = ("from ganstudio.data import import_folder; ds = import_folder(%r, cache_dir=False); "
                "print({s.path: s.reason for s in ds.skipped}, ds.files)" % str(folder))
        repo = str(Path(__file__).resolve().parents[1])
        proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                               "-c", code], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": repo, "HOME": str(folder)}, cwd=str(folder))
        if "Permission denied" in proc.stderr and "ganstudio" not in proc.stdout:
            pytest.skip(f"nobody can't run this checkout's Python: {proc.stderr[-200:]}")
        assert proc.returncode == 0, proc.stderr
        assert "'locked.wav': 'unreadable: permission denied'" in proc.stdout and "['ok.wav']" in proc.stdout
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---- properties --------------------------------------------------------------------------------
def _check_clip(clip):
    assert clip.shape == (S.clip_length,) and clip.dtype == np.float32
    assert np.all(np.isfinite(clip)) and 0 < np.abs(clip).max() <= S.peak + 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=4096), suffix=st.sampled_from([".wav", ".flac", ".aiff", ".mp3", ".bin"]))
def test_any_bytes_decode_or_give_a_reason(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"x{suffix}"
    path.write_bytes(data)
    try:
        audio, rate = decode(path, 5.0)
    except SkipFile as exc:
        assert str(exc).split(":")[0] in ("empty", "unreadable", "not audio", "damaged")
        return
    assert audio.ndim == 2 and audio.shape[0] > 0 and rate > 0
    try:
        _check_clip(prepare_clip(audio, rate, S))
    except SkipFile:
        pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.binary(min_size=44, max_size=44), body=st.binary(min_size=0, max_size=2000))
def test_a_wav_with_a_scrambled_header_never_crashes(tmp_path_factory, header, body):
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(body[: len(body) // 2 * 2])
    good = bytearray(buf.getvalue())
    n = header[0] % 40          # scramble a few header bytes after "RIFF"
    good[4 + n:4 + n + 4] = header[1:5]
    path = tmp_path_factory.mktemp("hdr") / "h.wav"
    path.write_bytes(bytes(good))
    try:
        audio, rate = decode(path, 5.0)
        _check_clip(prepare_clip(audio, rate, S))
    except SkipFile:
        pass


@settings(max_examples=80, deadline=None)
@given(frames=st.integers(1, 6000), channels=st.integers(1, 8),
       rate=st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000, 96000]),
       scale=st.floats(1e-6, 1e6), special=st.sampled_from([None, np.nan, np.inf, -np.inf]),
       seed=st.integers(0, 2**16))
def test_prepare_clip_gives_a_clean_clip_or_a_reason(frames, channels, rate, scale, special, seed):
    audio = (np.random.default_rng(seed).standard_normal((frames, channels)) * scale).astype(np.float32)
    if special is not None:
        audio[frames // 2, 0] = special
    try:
        clip = prepare_clip(audio, rate, S)
    except SkipFile as exc:
        assert str(exc).split(":")[0] in ("corrupt", "silent", "too short", "empty")
        if special is not None:
            assert str(exc).startswith("corrupt")
        return
    assert special is None
    _check_clip(clip)
