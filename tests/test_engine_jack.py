"""A real PortAudio stream on a JACK dummy server: a pad trigger reaches the sound card."""
import time

import numpy as np
import pytest

from ganstudio.audio.engine import AudioDeviceError, AudioEngine
from ganstudio.audio.voices import VoiceMixer

SR, BLOCK = 48000, 256


def drain(engine):
    out = np.zeros((engine.scope.available(), engine.channels), np.float32)
    engine.scope.read_into(out)
    return out


def test_pad_trigger_reaches_the_output_within_one_block(jack_device):
    t = np.arange(4800) / SR
    burst = (0.5 * np.sin(2 * np.pi * 1000 * t + 0.5)).astype(np.float32)   # non-zero first sample
    mixer = VoiceMixer(pads=16, voices=16, max_frames=SR, max_block=4096)
    mixer.load_clip(3, burst)
    engine = AudioEngine(mixer, SR, BLOCK, channels=2, device=jack_device)
    engine.start()
    try:
        time.sleep(0.3)                         # past the start fade
        start_frame = len(drain(engine))        # the scope has every frame since the start
        before = engine.frames
        mixer.trigger(3)
        levels = []                             # the meter while the burst plays
        end = time.monotonic() + 0.4
        while time.monotonic() < end:
            levels.append(engine.meter.read())
            time.sleep(0.002)
        played = drain(engine)
    finally:
        engine.stop()
    onset = int(np.flatnonzero(np.abs(played[:, 0]) > 1e-6)[0])
    absolute = start_frame + onset
    assert absolute % BLOCK == 0                     # a voice starts at a block boundary
    assert absolute - before <= 2 * BLOCK            # pressed mid-block: sound in the next one
    np.testing.assert_allclose(played[onset:onset + 4800, 0], burst, atol=1e-5)
    np.testing.assert_array_equal(played[:, 0], played[:, 1])
    assert not played[onset + 4800:].any()
    assert engine.frames > SR * 0.6 and not engine.running
    peaks = np.array([p for p, _ in levels])
    rms = np.array([r for _, r in levels])
    # a full block of the 0.5 sine: peak about 0.5, RMS 0.5 / sqrt(2), on both channels
    assert 0.45 < peaks.max() <= 0.5 + 1e-4 and np.allclose(peaks.max(axis=0), peaks.max())
    assert abs(rms.max() - 0.5 / np.sqrt(2)) < 0.02


def test_start_and_stop_fade_without_clicks(jack_device):
    mixer = VoiceMixer(pads=1, voices=1, max_frames=SR, max_block=4096)
    mixer.load_clip(0, np.full(SR, 0.5, np.float32))
    mixer.trigger(0, loop=True)
    engine = AudioEngine(mixer, SR, BLOCK, channels=1, device=jack_device)
    engine.start()
    time.sleep(0.2)
    engine.stop()
    played = drain(engine)[:, 0]
    assert played[0] < 0.01 and abs(played.max() - 0.5) < 1e-6
    assert np.abs(np.diff(played)).max() < 0.01      # fades ramp, never jump
    assert played[-1] < 0.01


def test_a_bad_device_is_a_clear_error():
    engine = AudioEngine(VoiceMixer(pads=1, voices=1, max_frames=10), SR, BLOCK, device=999)
    with pytest.raises(AudioDeviceError, match="can't open the audio output 999"):
        engine.start()
    assert not engine.running


def test_a_rate_the_device_refuses_names_the_rates_it_accepts(jack_device):
    engine = AudioEngine(VoiceMixer(pads=1, voices=1, max_frames=10), 44100, BLOCK, channels=2, device=jack_device)
    with pytest.raises(AudioDeviceError, match=r"it accepts 48000 Hz, not 44100"):
        engine.start()
    assert not engine.running


def test_generator_pad_plays_through_the_sound_card(jack_device):
    import torch

    from ganstudio.audio.sampler import SamplerWorker
    from ganstudio.models import Generator, preset

    torch.manual_seed(1)
    g = Generator(preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000)).eval().requires_grad_(False)
    mixer = VoiceMixer(pads=16, voices=16, max_frames=SR, max_block=4096)
    worker = SamplerWorker(mixer, g, device_rate=SR)
    engine = AudioEngine(mixer, SR, BLOCK, channels=2, device=jack_device)
    worker.start()
    engine.start()
    try:
        assert worker.wait_idle()
        clip = mixer.bank[5, mixer.active_slot[5], :mixer.lengths[5, mixer.active_slot[5]]].copy()
        time.sleep(0.2)
        drain(engine)
        mixer.trigger(5, gain=0.8)
        time.sleep(0.8)
        played = drain(engine)[:, 0]
    finally:
        engine.stop()
        worker.stop()
    assert len(clip) == 24000
    onset = int(np.flatnonzero(np.abs(played) > 0)[0])
    expected = 0.8 * clip
    # the limiter may only turn things down, never up
    scale = np.max(np.abs(played[onset:onset + 24000])) / np.max(np.abs(expected))
    assert 0.5 < scale <= 1.0 + 1e-6
    np.testing.assert_allclose(played[onset:onset + 24000], expected * scale, atol=2e-3)


@pytest.mark.parametrize("clip_length", [8000, 16384])      # 0.5 s and 1 s at 16 kHz
def test_texture_mode_streams_continuously(jack_device, clip_length):
    import torch

    from ganstudio.audio.texture import TextureStream
    from ganstudio.models import Generator, preset

    torch.manual_seed(2)
    g = Generator(preset("tiny", model_dim=4, d_model_dim=4, clip_length=clip_length)).eval().requires_grad_(False)
    engine = AudioEngine(VoiceMixer(pads=1, voices=1, max_frames=10), SR, BLOCK, channels=2, device=jack_device)
    tex = TextureStream(engine.texture, g, device_rate=SR)
    tex.start()
    hop = clip_length * 3 // 2
    deadline = time.monotonic() + 5
    while engine.texture.available() < hop and time.monotonic() < deadline:
        time.sleep(0.01)                      # let it render ahead before the stream starts
    engine.texture_on = True
    engine.start()
    try:
        time.sleep(1.5)
        played = drain(engine)[:, 0]
    finally:
        engine.stop()
        tex.stop()
    assert tex.clips >= 4 and engine.texture.underruns == 0 and tex.error is None
    body = played[int(0.05 * SR):]                            # past the start fade
    windows = body[: len(body) // 480 * 480].reshape(-1, 480)
    assert np.all(np.sqrt(np.mean(windows ** 2, axis=1)) > 0)   # no gap anywhere in the stream


def test_a_lost_device_is_noticed_and_can_be_reopened(jack_device):
    from ganstudio.audio.jack import jack_output_device
    mixer = VoiceMixer(pads=1, voices=1, max_frames=SR, max_block=4096)
    mixer.load_clip(0, np.full(2400, 0.25, np.float32))
    engine = AudioEngine(mixer, SR, BLOCK, channels=1, device=jack_device)
    engine.start()
    try:
        time.sleep(0.1)
        engine._stream.abort()          # what PortAudio does when the device goes away under us
        deadline = time.monotonic() + 2
        while not engine.lost and time.monotonic() < deadline:
            time.sleep(0.01)
        assert engine.lost and not engine.running
        engine.reopen(jack_output_device(), blocksize=512)
        assert engine.running and not engine.lost and engine.blocksize == 512
        time.sleep(0.1)
        drain(engine)
        mixer.trigger(0)
        time.sleep(0.3)
        played = drain(engine)[:, 0]
    finally:
        engine.stop()
    assert np.isclose(played.max(), 0.25, atol=1e-6) and not engine.lost   # our own stop is no loss


def test_a_stopped_engine_is_not_lost(jack_device):
    engine = AudioEngine(VoiceMixer(pads=1, voices=1, max_frames=10), SR, BLOCK, device=jack_device)
    engine.start()
    engine.stop()
    time.sleep(0.05)
    assert not engine.lost and not engine.running
