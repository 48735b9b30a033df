"""True stereo from two nearby takes (issue 16, item 9): the pad's own sound in the middle, the
difference of two neighbouring latents' sounds as the side, so the stereo sound folds down to
the mono one exactly; width 0 is mono."""
import numpy as np
import pytest

from ganstudio.dsp.pad import shape_pad
from ganstudio.dsp.stereo import MAX_SIDE_GAIN, SIDE_PEAK, SIDE_SHARE, side_gain, to_mono, widen
from ganstudio.models.latent import stereo_pair

RATE = 48000


def _hit(seed: int, n: int = 24000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    x = (np.sin(2 * np.pi * 180 * t) + 0.5 * rng.standard_normal(n)) * np.exp(-t / 0.05)
    x[:1200] = 0.0                               # 25 ms of silence before the onset
    return (0.7 * x).astype(np.float32)


def test_widen_folds_to_the_mid_and_width_sets_the_side():
    mid, side = _hit(0), 0.3 * _hit(1)
    np.testing.assert_array_equal(widen(mid, side, 0.0), np.stack([mid, mid], axis=1))
    for w in (0.25, 1.0):
        lr = widen(mid, side, w)
        np.testing.assert_allclose(lr.mean(axis=1), mid, atol=1e-7)
        s = (lr[:, 0] - lr[:, 1]) / 2
        own = side - np.dot(side, mid) / np.dot(mid, mid) * mid          # the side less its mid part
        assert abs(np.dot(s, mid)) < 1e-3 * np.dot(mid, mid)
        rms = np.sqrt(np.mean(s ** 2))
        assert rms == pytest.approx(w * side_gain(mid, own) * np.sqrt(np.mean(own ** 2)), rel=1e-3)
        assert rms <= w * SIDE_SHARE * np.sqrt(np.mean(mid ** 2)) * 1.001
    # a faint side is raised by at most MAX_SIDE_GAIN, a spiky one to SIDE_PEAK of the mid's peak;
    # a silent one leaves the sound mono
    assert side_gain(mid, 1e-4 * side) == MAX_SIDE_GAIN
    spiky = np.zeros_like(mid)
    spiky[5000] = 1.0
    g = side_gain(mid, spiky)
    assert g * 1.0 == pytest.approx(SIDE_PEAK * np.abs(mid).max(), rel=1e-6)
    np.testing.assert_array_equal(widen(mid, np.zeros_like(mid), 1.0)[:, 1], mid)
    # a side that is partly the mid itself would tilt the image: both channels carry equal energy
    lr = widen(mid, side + 0.5 * mid, 1.0)
    assert np.sum(lr[:, 0] ** 2) == pytest.approx(np.sum(lr[:, 1] ** 2), rel=1e-4)
    assert widen(mid, side[:100], 1.0).shape == (len(mid), 2)          # a short side is padded


def test_stereo_pair_is_a_fixed_function_of_the_latent():
    z = np.random.default_rng(5).standard_normal(100).astype(np.float32)
    a, b = stereo_pair(z)
    a2, b2 = stereo_pair(z.copy())
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(b, b2)
    np.testing.assert_allclose((a + b) / 2 / np.cos(0.15 * np.pi / 2), z, atol=1e-5)   # either side of z
    for w in (a, b):
        assert np.linalg.norm(w) == pytest.approx(np.linalg.norm(z), rel=1e-5)
        assert 0.9 < np.dot(w, z) / np.dot(z, z) < 0.99
    other = stereo_pair(np.roll(z, 1))[0]
    assert not np.allclose(other - np.roll(z, 1), a - z, atol=0.1)        # another latent, another direction


@pytest.mark.parametrize("pad", [{"clean": True},
                                 {"clean": True, "reverse": True, "pitch": -5.0, "start": 0.02, "end": 0.7},
                                 {"clean": True, "tune": True, "lowpass": 2000.0, "highpass": 80.0,
                                  "attack": 4.0, "decay": 150.0, "gain": 0.5}],
                         ids=["clean", "trimmed-reversed-pitched", "tuned-filtered-enveloped"])
def test_a_stereo_pad_is_shaped_as_its_mono_sound_on_both_sides(pad):
    """Every step of the render path is linear in the sound and cut where the mono mix is, so the
    stereo pad's mid is the mono pad, sample for sample, and both start on zero."""
    mid, side = _hit(2), 0.4 * _hit(3)
    mono = shape_pad(mid, RATE, pad)
    stereo = shape_pad(mid, RATE, {**pad, "width": 1.0}, side=side)
    assert mono.ndim == 1 and stereo.shape == (len(mono), 2)
    np.testing.assert_allclose(to_mono(stereo), mono, atol=2e-6)
    assert not np.allclose(stereo[:, 0], stereo[:, 1], atol=1e-3)
    if not pad.get("reverse"):                  # the clean one-shot's fade-in starts both sides on zero
        assert np.all(stereo[0] == 0.0) and mono[0] == 0.0
    # a width without a rendered side plays mono (a sidecar's pad before its side exists)
    np.testing.assert_array_equal(shape_pad(mid, RATE, {**pad, "width": 1.0}), mono)


def test_the_demo_model_makes_a_wide_image_that_stays_one_sound():
    """Measured on 16 demo-model pads: at width 1 the channels correlate 0.3-0.95 (a stereo image,
    not two sounds and not mono), at 0.5 more than at 1, the image stays centred (the channels'
    energies within 3 dB) and no channel peaks more than 4 dB over the mono sound."""
    from ganstudio.library.demo_model import load_demo_model
    from ganstudio.models.sampling import full_band, generate, render_sides
    g = load_demo_model().generator
    z = np.random.default_rng(3).standard_normal((16, g.cfg.latent_dim)).astype(np.float32)
    mid = full_band(generate(g, z), g.cfg.sample_rate, RATE)
    side = render_sides(g, z, None, RATE)
    corr = {}
    for w in (0.5, 1.0):
        cs = []
        for m, s in zip(mid, side):
            lr = shape_pad(m, RATE, {"clean": True, "width": w}, side=s)
            cs.append(np.corrcoef(lr[:, 0], lr[:, 1])[0, 1])
            assert abs(10 * np.log10(np.sum(lr[:, 0] ** 2) / np.sum(lr[:, 1] ** 2))) < 3.0
            assert np.abs(lr).max() < 10 ** (4 / 20) * np.abs(m).max()
        corr[w] = np.median(cs)
        assert 0.3 < min(cs) and max(cs) < 0.999, (w, cs)
    assert 0.45 < corr[1.0] < 0.85 and corr[1.0] < corr[0.5]


def test_a_stereo_pads_variations_are_stereo_and_fold_down_to_the_mono_ones():
    from ganstudio.audio.studio import Studio
    from ganstudio.library.demo_model import load_demo_model
    studio = Studio(load_demo_model(), device=999, sample_rate=RATE)      # 999: no sound card needed
    try:
        mono = studio.variations(3, n=4, seed=1)
        studio.change_pad(3, {"width": 1.0})
        wide = studio.variations(3, n=4, seed=1)
    finally:
        studio.close()
    assert len(wide) == len(mono) >= 2
    for m, w in zip(mono, wide):
        np.testing.assert_array_equal(m["latent"], w["latent"])
        assert m["clip"].ndim == 1 and w["clip"].shape == (len(m["clip"]), 2)
        np.testing.assert_allclose(w["clip"].mean(axis=1), m["clip"], atol=2e-6)
