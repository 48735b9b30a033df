"""Folder-to-folder conversion (issue 17, part 2): the converter and vocoder, chunked conversion
without seams, model files, training in the child process with resume, the CLI, and a real JACK
stream playing a converted recording."""
import json
import time

import numpy as np
import pytest
import soundfile as sf
import torch

from ganstudio.models.conversion import convert_audio, safe_output
from ganstudio.models.converter import Converter, ConverterConfig, receptive_frames
from ganstudio.models.converter_file import load_converter, save_converter
from ganstudio.models.modelfile import ModelFileError
from ganstudio.models.vocoder import context_frames

SR = 16000
SMALL = ConverterConfig(n_mels=40, channels=4, width=16, blocks=2, vocoder_width=16, vocoder_blocks=2)


def _random_converter(cfg=SMALL, seed=0) -> Converter:
    """A converter whose zero-initialised layers are perturbed, so every part shapes the output."""
    torch.manual_seed(seed)
    net = Converter(cfg).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return net.requires_grad_(False)


def _voice(f0: float, seconds: float, seed: int, formant: float) -> np.ndarray:
    """A buzzy vowel-like tone with a wandering pitch: a stand-in for a voice."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f = f0 * (1 + 0.05 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * t))
    phase = 2 * np.pi * np.cumsum(f) / SR
    x = sum(np.sin(k * phase) / k * np.exp(-((k * f0 - formant) / 600) ** 2) for k in range(1, 30))
    env = np.minimum(1, np.minimum(t, t[-1] - t) * 20)
    return (0.3 * x * env / np.abs(x).max()).astype(np.float32)


@pytest.fixture(scope="module")
def voice_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("voices")
    for name, f0, formant in (("low", 110.0, 700.0), ("high", 220.0, 1800.0)):
        (root / name).mkdir()
        for i in range(4):
            sf.write(root / name / f"{i}.wav", _voice(f0, 1.5 + 0.5 * i, i, formant), SR)
    (root / "low" / "broken.wav").write_bytes(b"RIFF0000WAVEjunk")
    return root


def test_receptive_field_bounds_hold():
    net = _random_converter(ConverterConfig())
    x = torch.randn(1, 1, 80, 400)
    bumped = x.clone()
    bumped[..., 200] += 5.0
    reach = (net.ab(bumped, torch.ones_like(x)) - net.ab(x, torch.ones_like(x))).abs().amax(dim=(0, 1, 2))
    changed = torch.nonzero(reach > 1e-6).flatten() - 200
    assert len(changed) > 40                                # the bump does spread
    assert changed.abs().max() <= receptive_frames(net.cfg)
    frames = torch.randn(1, 80, 300)
    bumped = frames.clone()
    bumped[..., 150] += 3.0
    audio_reach = (net.vocoder(bumped) - net.vocoder(frames)).abs()[0]
    changed = torch.nonzero(audio_reach > 1e-7).flatten()
    hop = net.cfg.hop
    assert (changed // hop - 150).abs().max() <= context_frames(net.cfg)


def test_a_long_file_converted_in_chunks_equals_it_converted_whole():
    net = _random_converter()
    rng = np.random.default_rng(1)
    audio = np.concatenate([_voice(150, 3.0, 0, 900), 0.05 * rng.standard_normal(SR * 4).astype(np.float32),
                            _voice(90, 5.3, 1, 500)])
    whole = convert_audio(net, audio, SR, chunk=10**6)
    for chunk in (16, 44, 200):                          # chunk edges fall everywhere, even mid-stride
        chunked = convert_audio(net, audio, SR, chunk=chunk)
        assert chunked.shape == whole.shape == audio.shape
        np.testing.assert_allclose(chunked, whole, atol=1e-5 * np.abs(whole).max())
    # another input rate is resampled, and the length follows the duration
    assert convert_audio(net, audio[::2].copy(), SR // 2).shape == (len(audio[::2]) * 2,)


def test_converter_files_round_trip_and_refuse_damage(tmp_path):
    net = _random_converter()
    save_converter(tmp_path / "c", net, SMALL, "my voice", "creature", {"step": 3})
    loaded = load_converter(tmp_path / "c")
    assert loaded.name == "my voice -> creature" and loaded.config == SMALL
    x = _voice(120, 1.0, 3, 800)
    np.testing.assert_array_equal(convert_audio(loaded.net, x, SR), convert_audio(net, x, SR))
    weights = (tmp_path / "c" / "converter.safetensors").read_bytes()
    (tmp_path / "c" / "converter.safetensors").write_bytes(weights[:-9] + b"x" + weights[-8:])
    with pytest.raises(ModelFileError, match="does not match the hash"):
        load_converter(tmp_path / "c")
    (tmp_path / "c" / "converter.safetensors").write_bytes(weights)
    meta = json.loads((tmp_path / "c" / "converter.json").read_text())
    for field, bad, why in (("n_mels", 81, "n_mels"), ("width", 10**7, "width"), ("hop", 300, "hop"),
                            ("channels", "16", "channels")):
        broken = {**meta, "converter": {**meta["converter"], field: bad}}
        (tmp_path / "c" / "converter.json").write_text(json.dumps(broken))
        with pytest.raises(ModelFileError, match=why):
            load_converter(tmp_path / "c")
    (tmp_path / "c" / "converter.json").write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(ModelFileError, match="newer GAN Studio"):
        load_converter(tmp_path / "c")
    # a non-finite weight under a matching hash is still refused
    from safetensors.torch import save as st_save
    from ganstudio.fileio import sha256_bytes
    state = {k: v.clone() for k, v in net.state_dict().items()}
    state["std_b"][3] = float("nan")
    poisoned = st_save(state, metadata={"format": "ganstudio.converter"})
    (tmp_path / "c" / "converter.safetensors").write_bytes(poisoned)
    (tmp_path / "c" / "converter.json").write_text(json.dumps({**meta, "weights_sha256": sha256_bytes(poisoned)}))
    with pytest.raises(ModelFileError, match="std_b holds NaN"):
        load_converter(tmp_path / "c")
    with pytest.raises(ModelFileError, match="is a folder"):
        load_converter(tmp_path / "c" / "converter.json")


def test_converted_output_is_safe_for_a_speaker_or_a_file():
    loud = 3.0 * _voice(100, 1.0, 0, 600) + 0.2        # over full scale, with DC
    y, rate = safe_output(loud, SR)
    assert rate == SR and np.abs(y).max() <= 10 ** (-1 / 20) + 1e-6
    assert abs(y[0]) < 1e-6 and abs(y[-1]) < 1e-6 and abs(float(y.mean())) < 1e-3
    full, rate = safe_output(_voice(100, 1.0, 0, 600), SR, 48000)
    assert rate == 48000 and len(full) == 48000
    with pytest.raises(ValueError, match="non-finite"):
        safe_output(np.full(100, np.nan, np.float32), SR)


def test_train_convert_in_the_child_process_then_resume_from_the_cli(voice_dirs, tmp_path, capsys):
    from ganstudio.cli import main
    from ganstudio.training import load_state
    from ganstudio.training.convert_train import ConvertTrainConfig
    from ganstudio.training.subprocess import ConvertTrainerProcess
    out = tmp_path / "conv"
    tc = ConvertTrainConfig(max_steps=3, batch_size=2, segment_frames=16, vocoder_batch=2, vocoder_segment=2048,
                            snapshot_every=1, device="cpu")
    events, snaps = [], []
    proc = ConvertTrainerProcess(voice_dirs / "low", voice_dirs / "high", out, tc, threads=1,
                                 progress_fn=events.append, snapshot_fn=lambda net, step: snaps.append((net, step)))
    proc.start()
    assert proc.join(240), "the converter's training process did not finish"
    assert proc.error is None and proc.final_step == 3
    assert [e.step for e in events if e.event == "done"] == [3]
    net, step = snaps[-1]
    assert step == 3 and isinstance(net, Converter)
    assert np.isfinite(convert_audio(net, _voice(110, 1.0, 9, 700), SR)).all()     # snapshots can be heard
    assert load_state(out).step == 3 and load_converter(out).meta["training"]["step"] == 3
    # the CLI resumes the same checkpoint (and says which file it skipped, and why)
    threads = torch.get_num_threads()           # the CLI sets the whole process's; put it back after
    try:
        assert main(["train-convert", str(voice_dirs / "low"), str(voice_dirs / "high"), "--out", str(out),
                     "--steps", "4", "--threads", "1", "--device", "cpu"]) == 0
    finally:
        torch.set_num_threads(threads)
    text = capsys.readouterr()
    assert "broken.wav" in text.err
    # the CLI's own batch sizes differ from the window's run here: a checkpoint of other training
    # settings still resumes (only the network's settings must match)
    assert "resuming" in text.out and load_state(out).step == 4


def test_a_converter_step_trains_its_vocoder_against_the_discriminators_when_asked(tmp_path):
    from ganstudio.training.convert_train import ConvertTrainConfig, ConvertTrainer
    low = [_voice(110, 1.0, i, 700) for i in range(2)]
    high = [_voice(220, 1.0, i, 900) for i in range(2)]
    for adversarial in (False, True):
        tc = ConvertTrainConfig(max_steps=1, batch_size=2, segment_frames=16, vocoder_batch=2, vocoder_segment=2048,
                                vocoder_adversarial=adversarial, device="cpu")
        losses = ConvertTrainer(low, high, tmp_path / str(adversarial), SMALL, tc).run().losses
        assert ("vocoder/adv" in losses) == adversarial and all(np.isfinite(v) for v in losses.values())


def test_a_real_jack_stream_plays_a_converted_recording_longer_than_a_pad(jack_device):
    from ganstudio.audio.engine import AudioEngine
    from ganstudio.audio.file_stream import FileStream
    from ganstudio.audio.voices import VoiceMixer
    from ganstudio.dsp.pad import resample
    rate = 48000
    y, sr = safe_output(convert_audio(_random_converter(), _voice(120, 5.0, 4, 800), SR), SR)
    played_in = resample(y, sr, rate)                       # 5 s: longer than a pad's bank holds
    engine = AudioEngine(VoiceMixer(pads=1, voices=1, max_frames=rate, max_block=4096), rate, 256,
                         channels=2, device=jack_device, scope_seconds=8.0)
    engine.start()
    try:
        time.sleep(0.3)                                     # past the start fade
        skip = engine.scope.available()
        stream = FileStream(engine, played_in, rate)
        stream.start()
        deadline = time.monotonic() + 30
        while stream.playing and time.monotonic() < deadline:
            time.sleep(0.05)
        out = np.zeros((engine.scope.available(), 2), np.float32)
        engine.scope.read_into(out)
    finally:
        engine.stop()
    assert not stream.playing and not engine.stream_on
    out = out[skip:, 0]
    onset = int(np.flatnonzero(np.abs(out) > 1e-6)[0]) - int(np.flatnonzero(np.abs(played_in) > 1e-6)[0])
    np.testing.assert_allclose(out[onset:onset + len(played_in)], played_in, atol=1e-5)
    assert not out[onset + len(played_in):].any()           # ends where the recording ends
