import numpy as np

from ganstudio.audio.voices import VoiceMixer


def render(mixer, frames, block=256, channels=2):
    out = np.zeros((frames, channels), np.float32)
    for i in range(0, frames, block):
        mixer.mix_into(out[i:i + block])
    return out


def clip(n=1000):
    return np.linspace(-0.5, 0.5, n, dtype=np.float32)


def test_a_trigger_plays_the_clip_exactly_then_the_voice_ends():
    m = VoiceMixer(pads=4, voices=4, max_frames=2000, max_block=256)
    m.load_clip(2, clip())
    m.trigger(2)
    out = render(m, 1536)
    np.testing.assert_allclose(out[:1000, 0], clip(), atol=1e-6)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])
    assert not out[1000:].any() and m.active_voices == 0


def test_gain_rate_and_reverse():
    m = VoiceMixer(pads=1, voices=4, max_frames=2000, max_block=256)
    m.load_clip(0, clip())
    m.trigger(0, gain=0.5, rate=2.0)
    out = render(m, 768, channels=1)[:, 0]
    np.testing.assert_allclose(out[:500], 0.5 * clip()[::2], atol=1e-6)
    assert not out[500:].any()
    m.trigger(0, reverse=True)
    out = render(m, 1024, channels=1)[:, 0]
    np.testing.assert_allclose(out[:1000], clip()[::-1], atol=1e-6)
    assert not out[1000:].any()


def test_fractional_rate_interpolates():
    m = VoiceMixer(pads=1, voices=1, max_frames=2000, max_block=256)
    m.load_clip(0, clip())
    m.trigger(0, rate=0.5)
    out = render(m, 512, channels=1)[:, 0]
    expected = np.interp(np.arange(512) * 0.5, np.arange(1000), clip())
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_polyphony_voice_stealing_loop_and_stop():
    m = VoiceMixer(pads=2, voices=16, max_frames=2000, max_block=256)
    m.load_clip(0, clip())
    m.load_clip(1, np.full(100, 0.01, np.float32))
    for _ in range(17):
        m.trigger(0, gain=0.01)
    render(m, 256)
    assert m.active_voices == 16 and m.stolen == 1
    m2 = VoiceMixer(pads=2, voices=4, max_frames=2000, max_block=256)
    m2.load_clip(1, np.full(100, 0.25, np.float32))
    m2.trigger(1, loop=True)
    out = render(m2, 2048, channels=1)
    assert m2.active_voices == 1 and np.all(out[:2048:7] > 0.2)
    m2.stop_pad(1)
    out = render(m2, 256, channels=1)
    assert m2.active_voices == 0 and not out.any()


def test_new_clip_does_not_disturb_a_playing_voice():
    m = VoiceMixer(pads=1, voices=2, max_frames=2000, max_block=256)
    m.load_clip(0, clip())
    m.trigger(0)
    first = render(m, 256, channels=1)
    m.load_clip(0, np.zeros(1000, np.float32))       # a new render arrives mid-note
    rest = render(m, 768, channels=1)
    np.testing.assert_allclose(np.concatenate([first, rest])[:1000, 0], clip(), atol=1e-6)


def test_unloaded_pad_is_silent_and_full_command_ring_says_so():
    m = VoiceMixer(pads=2, voices=2, max_frames=100, max_block=64, commands=4)
    assert all(m.trigger(1) for _ in range(4)) and not m.trigger(1)
    assert not render(m, 64).any()


def test_start_and_end_trim():
    m = VoiceMixer(pads=1, voices=2, max_frames=2000, max_block=256)
    m.load_clip(0, clip())
    m.trigger(0, start=0.25, end=0.5)
    out = render(m, 512, channels=1)[:, 0]
    np.testing.assert_allclose(out[:250], clip()[250:500], atol=1e-6)
    assert not out[250:].any()
    m.trigger(0, start=0.25, end=0.5, reverse=True)
    out = render(m, 512, channels=1)[:, 0]
    np.testing.assert_allclose(out[:250], clip()[250:500][::-1], atol=1e-6)


def test_a_choke_group_fades_the_other_pads_out_and_a_stop_fades_too():
    m = VoiceMixer(pads=4, voices=8, max_frames=48000, max_block=256, fade_frames=240)
    for p in range(4):
        m.load_clip(p, np.full(20000, 0.1 * (p + 1), np.float32))
    m.set_choke(0, 1)           # open hat
    m.set_choke(1, 1)           # closed hat
    m.set_choke(2, 2)           # another group
    for p in (0, 2, 3):
        m.trigger(p)
    render(m, 256, channels=1)
    m.trigger(1)                                   # the closed hat chokes the open one only
    out = render(m, 512, channels=1)[:, 0]
    # the open hat (0.1) fades over 240 frames: no step bigger than its level / 240 (no click)
    expected_end = 0.2 + 0.3 + 0.4                 # pads 1, 2 and 3 keep playing
    assert abs(out[0] - (0.1 + expected_end)) < 1e-3
    assert np.max(np.abs(np.diff(out))) < 0.1 / 240 + 1e-6
    assert np.allclose(out[240:], expected_end, atol=1e-6)
    assert sorted(int(m.v_pad[v]) for v in range(8) if m.v_on[v]) == [1, 2, 3]
    m.trigger(1)                                   # a pad chokes itself too (one hat at a time)
    render(m, 256, channels=1)
    assert sorted(int(m.v_pad[v]) for v in range(8) if m.v_on[v]) == [1, 2, 3]
    m.stop_pad(3)                                  # a stop fades rather than cuts
    out = render(m, 256, channels=1)[:, 0]
    assert np.max(np.abs(np.diff(out))) < 0.4 / 240 + 1e-6 and abs(out[-1] - 0.5) < 1e-6


def test_a_stereo_clip_plays_left_and_right_and_a_mono_device_gets_their_mean():
    left, right = clip(), -0.5 * clip()[::-1]
    m = VoiceMixer(pads=2, voices=4, max_frames=2000, max_block=256, fade_frames=64)
    m.load_clip(0, np.stack([left, right], axis=1))
    m.load_clip(1, clip())                       # a mono pad beside it plays on both channels
    np.testing.assert_array_equal(m.clip(0), np.stack([left, right], axis=1))
    assert m.clip(1).ndim == 1
    m.trigger(0, gain=0.5, rate=1.5, reverse=True)
    out = render(m, 1024)
    ref_l = VoiceMixer(pads=1, voices=1, max_frames=2000, max_block=256)    # each channel alone, mono
    ref_l.load_clip(0, left)
    ref_l.trigger(0, gain=0.5, rate=1.5, reverse=True)
    ref_r = VoiceMixer(pads=1, voices=1, max_frames=2000, max_block=256)
    ref_r.load_clip(0, right)
    ref_r.trigger(0, gain=0.5, rate=1.5, reverse=True)
    np.testing.assert_allclose(out[:, 0], render(ref_l, 1024)[:, 0], atol=1e-7)
    np.testing.assert_allclose(out[:, 1], render(ref_r, 1024)[:, 0], atol=1e-7)
    m.trigger(1)
    m.trigger(0)
    m.stop_pad(0)                                # the stop fades both channels
    mono = render(m, 1024, channels=1)[:, 0]
    m2 = VoiceMixer(pads=2, voices=4, max_frames=2000, max_block=256, fade_frames=64)
    m2.load_clip(0, 0.5 * (left + right))
    m2.load_clip(1, clip())
    m2.trigger(1)
    m2.trigger(0)
    m2.stop_pad(0)
    np.testing.assert_allclose(mono, render(m2, 1024)[:, 0], atol=1e-6)
    assert m.active_voices == 0
