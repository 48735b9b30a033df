"""The pad's envelope and filter (attack, decay, low-pass, high-pass) in the one render path, and
their checks when they come from a file."""
import numpy as np
import pytest

from ganstudio.dsp.pad import TONE_RANGES, envelope_clip, filter_clip, shape_clip, shape_pad
from ganstudio.session import check_pad

SR = 48000


def _band_db(x, lo, hi):
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / SR)
    return 10 * np.log10(spec[(f >= lo) & (f < hi)].sum() + 1e-30)


def test_low_and_high_pass_cut_their_bands_and_leave_the_pass_band():
    noise = np.random.default_rng(0).standard_normal(SR).astype(np.float32) * 0.1
    lp = filter_clip(noise, SR, lowpass=1000.0)
    assert len(lp) == len(noise) + int(0.02 * SR)              # room to ring out
    assert _band_db(noise, 8000, 16000) - _band_db(lp, 8000, 16000) > 35     # 12 dB/oct, 3+ octaves up
    assert abs(_band_db(noise, 50, 500) - _band_db(lp, 50, 500)) < 1.0
    hp = filter_clip(noise, SR, highpass=2000.0)
    assert _band_db(noise, 20, 250) - _band_db(hp, 20, 250) > 30
    assert abs(_band_db(noise, 6000, 20000) - _band_db(hp, 6000, 20000)) < 1.0
    # off: 0, or a low-pass above 0.45 x rate, returns the clip itself
    assert filter_clip(noise, SR) is noise and filter_clip(noise, SR, lowpass=23000.0) is noise


def test_the_filter_is_causal_nothing_before_the_onset():
    x = np.zeros(4800, np.float32)
    x[2400:2500] = 0.8
    y = filter_clip(x, SR, lowpass=500.0, highpass=100.0)
    assert not y[:2400].any() and np.abs(y[2400:]).max() > 0.01


def test_attack_fades_in_and_decay_falls_60_db_and_ends_in_silence():
    x = np.full(SR, 0.5, np.float32)
    y = envelope_clip(x, SR, attack=10.0)
    assert y[0] == 0.0 and abs(y[240] - 0.25) < 0.01 and y[480] == pytest.approx(0.5)
    d = envelope_clip(x, SR, decay=200.0)
    assert len(d) == int(0.2 * SR) and d[-1] == 0.0
    assert 20 * np.log10(d[int(0.1 * SR)] / 0.5) == pytest.approx(-30.0, abs=0.2)     # half-way: -30 dB
    # a decay longer than the sound only shapes it
    assert len(envelope_clip(x[:1000], SR, decay=500.0)) == 1000


def test_defaults_change_nothing_and_the_pad_dict_carries_the_controls():
    clip = np.random.default_rng(1).standard_normal(9000).astype(np.float32) * 0.3
    base = shape_clip(clip, SR, pitch=1.0, gain=0.5)
    assert np.array_equal(shape_pad(clip, SR, {"pitch": 1.0, "gain": 0.5}), base)
    toned = shape_pad(clip, SR, {"pitch": 1.0, "gain": 0.5, "decay": 50.0, "lowpass": 2000.0})
    assert np.array_equal(toned, shape_clip(clip, SR, pitch=1.0, gain=0.5, decay=50.0, lowpass=2000.0))
    assert len(toned) == int(0.05 * SR) and not np.array_equal(toned, base[:len(toned)])


def test_a_clean_pad_plays_without_the_generators_dc_as_its_default_export_does():
    from ganstudio.dsp.processing import block_dc
    rng = np.random.default_rng(2)
    hit = (rng.standard_normal(24000) * np.exp(-np.arange(24000) / 4000.0)).astype(np.float32) * 0.3
    clip = np.concatenate([hit + np.float32(0.05), np.zeros(12000, np.float32)])   # a body on an offset
    pad = {"clean": True, "pitch": -2.0, "gain": 0.7}
    played = shape_pad(clip, SR, pad, dc=True)
    # the export removes the DC itself, then shapes without it: the same samples
    assert np.array_equal(played, shape_pad(block_dc(clip, SR), SR, pad))
    raw = shape_pad(clip, SR, pad)
    assert raw.mean() > 0.6 * 0.7 * 0.05 and abs(played.mean()) < 0.05 * raw.mean()    # gain 0.7
    assert shape_pad(np.zeros(0, np.float32), SR, pad, dc=True).shape == (0,)     # a pad not rendered yet
    # a pad that is not made a clean one-shot plays its clip as the generator made it
    assert np.array_equal(shape_pad(clip, SR, {"clean": False}, dc=True), shape_pad(clip, SR, {"clean": False}))


@pytest.mark.parametrize("field,bad", [("lowpass", 1e9), ("decay", -1.0), ("attack", float("nan")),
                                       ("highpass", "loud"), ("decay", True)])
def test_a_file_with_a_bad_control_is_refused(field, bad):
    with pytest.raises(ValueError, match=field):
        check_pad({field: bad}, "pad 1")


def test_a_file_without_the_controls_gets_them_off():
    pad = check_pad({"gain": 0.5}, "pad 1")
    assert all(pad[k] == default for k, (default, _, _) in TONE_RANGES.items())
    assert check_pad({"lowpass": 4000, "attack": 2}, "pad 1")["lowpass"] == 4000.0
