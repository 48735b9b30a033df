"""Sound-alike (GAN inversion), nearest training clips and the ``convert`` command."""
import numpy as np
import pytest
import soundfile as sf
import torch

from ganstudio.cli import main
from ganstudio.library import render_kit
from ganstudio.library.demo_model import demo_model_path, load_demo_model
from ganstudio.metrics import NearestIndex
from ganstudio.models import Generator, preset
from ganstudio.models.invert import InversionCancelled, SoundMatch, invert, target_clip
from ganstudio.models.sampling import generate


@pytest.fixture(scope="module")
def demo():
    return load_demo_model().generator.eval()


def _kit_target(kind="snare", seed=5):
    clip = render_kit(per_class=1, seed=seed)[kind][0]
    return target_clip(clip, 16000, 16000, 16384)


def test_match_is_zero_on_itself_and_ignores_level():
    m = SoundMatch(16000)
    t = _kit_target()
    m.set_target(t)
    d = m(torch.from_numpy(np.stack([t, 0.1 * t, np.roll(t, 4000)])))
    assert d[0] < 1e-4 and d[1] < 1e-4          # the level does not count
    assert d[2] > 0.5                          # the shape in time does


def test_inversion_beats_the_random_search_and_is_deterministic(demo):
    t = _kit_target()
    a = invert(demo, t, candidates=32, keep=2, steps=30, seed=3)
    b = invert(demo, t, candidates=32, keep=2, steps=30, seed=3)
    assert a.distance < a.random_distance and a.steps == 30
    np.testing.assert_allclose(a.latent, b.latent, atol=1e-3)
    np.testing.assert_allclose(a.style, b.style, atol=1e-3)
    assert a.distance == pytest.approx(b.distance, rel=1e-3)
    # the clip it returns is the sound of the latent with the style
    np.testing.assert_allclose(a.clip, generate(demo, a.latent[None], styles=[a.style])[0], atol=1e-4)
    assert a.latent.dtype == np.float32 and a.label is None and a.clip.shape == (16384,)
    assert a.style.dtype == np.float32 and a.style.shape == (demo.style_size,)


def test_a_style_takes_the_search_past_what_a_latent_reaches(demo):
    """On a sound the demo model never made (a clap of another seed, and a falling whistle), the
    search with a style ends closer than the latent alone, with the style inside its bound."""
    from ganstudio.validate import STYLE_LIMIT
    t = np.arange(16384) / 16000
    whistle = (np.sin(2 * np.pi * (2000 * t - 900 * t ** 2)) * np.exp(-3 * t)).astype(np.float32)
    for target in (_kit_target("clap", seed=9), target_clip(whistle, 16000, 16000, 16384)):
        latent_only = invert(demo, target, candidates=32, keep=2, steps=40, seed=1, style=False)
        styled = invert(demo, target, candidates=32, keep=2, steps=40, seed=1)
        assert latent_only.style is None
        assert latent_only.random_distance == styled.random_distance     # the same start
        assert styled.distance < 0.9 * latent_only.distance
        assert 0 < np.abs(styled.style).max() <= STYLE_LIMIT


def test_no_style_and_a_zero_style_are_the_generator_as_trained(demo):
    z = np.random.default_rng(2).standard_normal((3, 100)).astype(np.float32)
    plain = generate(demo, z)
    assert np.array_equal(plain, generate(demo, z, styles=[None] * 3))
    np.testing.assert_array_equal(plain, generate(demo, z, styles=[np.zeros(demo.style_size, np.float32)] * 3))
    style = np.zeros(demo.style_size, np.float32)
    style[:256] = 0.5                                    # the first stage's gains
    moved = generate(demo, z, styles=[None, style, None])
    assert np.array_equal(moved[[0, 2]], plain[[0, 2]]) and not np.allclose(moved[1], plain[1])
    with pytest.raises(ValueError, match="style of this model holds"):
        generate(demo, z[:1], styles=[np.zeros(7, np.float32)])
    # the widths a style modulates: every upsampling stage but the last; none in the iSTFT body
    assert demo.style_size == 2 * (128 + 64 + 32 + 16)
    assert Generator(preset("tiny", upsample="istft")).style_size == 0


def test_a_style_from_a_file_is_checked():
    from ganstudio.export.stems import check_source
    from ganstudio.models.wavegan import usable_style
    from ganstudio.session import check_pad
    z = [0.0] * 100
    assert check_pad({"latent": z, "style": [0.5, -1.0]}, "pad 1")["style"] == [0.5, -1.0]
    for bad, why in (([1e9], "beyond"), (["x"], "only numbers"), ([float("nan")], "non-finite"),
                     ("0.5", "list"), ([0.0] * 20000, "1 to 16384")):
        with pytest.raises(ValueError, match=why):
            check_pad({"latent": z, "style": bad}, "pad 1")
    assert check_source({"type": "latent", "latent": z, "label": None, "style": [0.25]}, 100, 1)["style"] == [0.25]
    with pytest.raises(ValueError, match="the model wants 480"):
        check_source({"type": "latent", "latent": z, "label": None, "style": [0.25]}, 100, 480)
    assert "style" not in check_source({"type": "latent", "latent": z, "label": None}, 100, 480)
    assert usable_style([0.1] * 480, 480) is not None
    assert usable_style([0.1] * 479, 480) is None and usable_style([9.0] * 480, 480) is None
    assert usable_style(["x"] * 480, 480) is None and usable_style([0.1] * 480, 0) is None


def test_inversion_finds_a_sound_the_model_can_make(demo):
    """A target the generator made itself is reachable: the search gets far closer than chance."""
    z = np.random.default_rng(11).standard_normal((1, 100)).astype(np.float32)
    t = generate(demo, z)[0]
    res = invert(demo, t, candidates=64, keep=4, steps=80, seed=0)
    assert res.distance < 0.7 * res.random_distance
    assert res.gain > 0.3


def test_progress_and_cancel(demo):
    t = _kit_target()
    seen = []
    invert(demo, t, candidates=16, keep=1, steps=5, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 6
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 3
    with pytest.raises(InversionCancelled):
        invert(demo, t, candidates=16, keep=1, steps=50, cancelled=cancelled)


def test_bad_targets_are_refused(demo):
    with pytest.raises(ValueError, match="target must be"):
        invert(demo, np.zeros(100, np.float32))
    bad = np.zeros(16384, np.float32)
    bad[5] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        invert(demo, bad)
    with pytest.raises(ValueError, match="candidates"):
        invert(demo, _kit_target(), candidates=0)
    from ganstudio.data.prepare import SkipFile
    with pytest.raises(SkipFile, match="silent"):
        target_clip(np.zeros(8000, np.float32), 16000, 16000, 16384)


def test_a_conditioned_model_keeps_the_class_asked_for():
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, class_names=("a", "b", "c"))
    g = Generator(cfg).eval().requires_grad_(False)
    t = target_clip(render_kit(per_class=1)["kick"][0], 16000, 16000, 8000)
    free = invert(g, t, candidates=12, keep=2, steps=3)
    assert free.label in (0, 1, 2)
    fixed = invert(g, t, candidates=12, keep=2, steps=3, label=2)
    assert fixed.label == 2
    # a frozen generator stays frozen and untouched
    assert all(not p.requires_grad and p.grad is None for p in g.parameters())


def test_nearest_finds_the_training_clip_itself_and_calls_it_a_copy():
    kit = render_kit(per_class=4, seed=2)
    clips = np.stack([c for v in kit.values() for c in v])
    idx = NearestIndex(clips, 16000)
    near = idx.query(clips[5], k=3)[0]
    assert near[0].index == 5 and near[0].distance < 1e-6 and near[0].near_copy
    assert near[1].distance >= near[0].distance and len(near) == 3
    # a fresh hat of another seed is nearest to a hat, and not a copy of it
    hat = render_kit(per_class=1, seed=99)["hat"][0]
    first = idx.query(hat[None], k=1)[0][0]
    names = [k for k, v in kit.items() for _ in v]
    assert names[first.index] == "hat" and not first.near_copy
    with pytest.raises(ValueError, match="two"):
        NearestIndex(clips[:1], 16000)


def test_convert_command_writes_the_sound_its_variations_and_lists_the_nearest(tmp_path, kit_dir, capsys):
    src = tmp_path / "in.wav"
    sf.write(src, render_kit(per_class=1, seed=8)["clap"][0], 44100)   # any rate
    out = tmp_path / "out" / "clap.wav"
    args = ["convert", str(demo_model_path()), str(src), "--out", str(out), "--steps", "5",
            "--variations", "2", "--rate", "48000", "--nearest", str(kit_dir)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "closer" in text and "nearest in" in text and text.count(".wav") >= 3
    audio, rate = sf.read(out)
    assert rate == 48000 and audio.ndim == 1 and 0.01 < np.abs(audio).max() <= 1.0
    assert abs(audio[0]) < 1e-3 and abs(audio[-1]) < 1e-6            # fades: no click at either end
    variations = sorted((tmp_path / "out").glob("clap-var*.wav"))
    assert 1 <= len(variations) <= 2
    assert not list((tmp_path / "out").glob("*.tmp*"))
    # an existing file is never replaced without --overwrite
    assert main(args) == 1
    assert "exists" in capsys.readouterr().err


def test_convert_refuses_a_silent_input(tmp_path, capsys):
    src = tmp_path / "silence.wav"
    sf.write(src, np.zeros(16000, np.float32), 16000)
    assert main(["convert", str(demo_model_path()), str(src), "--out", str(tmp_path / "o.wav")]) == 1
    err = capsys.readouterr().err
    assert "silence.wav can't be used: silent" in err
    assert not (tmp_path / "o.wav").exists()


def test_a_pads_style_survives_a_session_and_goes_with_its_variations(tmp_path):
    from ganstudio.audio.studio import Studio
    from ganstudio.library.demo_model import load_demo_model
    from ganstudio.session import load_session, save_session
    model = load_demo_model()
    style = np.linspace(-0.5, 0.5, model.generator.style_size).astype(np.float32)
    a = Studio(model, device=999)
    try:
        a.set_pad_latent(2, a.pad_latent(2), None, style)
        found = a.variations(2, n=2, amount=0.25, seed=0)
        assert found and all(np.array_equal(f["style"], style) for f in found)
        pads = a.pads_state()
    finally:
        a.close()
    assert "style" in pads[2] and "style" not in pads[3]
    pads[5]["style"] = [0.1] * 7            # a style for another model: that pad plays without one
    path = save_session(tmp_path / "s.gss", model_path=None, model_hash=None, pads=pads)
    b = Studio(model, device=999)
    try:
        b.apply_pads_state(load_session(path)["pads"])
        np.testing.assert_array_equal(b.pad_style(2), style)
        np.testing.assert_array_equal(b.pad_latent(2), pads[2]["latent"])
        assert b.pad_style(5) is None and np.array_equal(b.pad_latent(5), pads[5]["latent"])
        b.apply_pad_state(2, {**pads[2], "style": None})           # undo to a state without one
        assert b.pad_style(2) is None
    finally:
        b.close()
