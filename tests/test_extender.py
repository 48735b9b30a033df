"""The bandwidth extender: shapes, the band it must leave alone, gradients, its discriminators,
its model file (round trip and refusals), training with resume, and the full band it gives
generate/export (issue 14)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganstudio.dsp.bands import band_limit, energy_above, lsd, replicate_band
from ganstudio.models.discriminators import Discriminators, d_loss, feature_matching, g_adv_loss, multires_logmag
from ganstudio.models.extender import JOIN_LOW, Extender, ExtenderConfig, band_edge
from ganstudio.models.extender_file import (CONFIG, SHIPPED, SUBFOLDER, WEIGHTS, has_own_extender, load_extender,
                                            save_extender)
from ganstudio.models.modelfile import ModelFileError
from ganstudio.models.sampling import extend, full_band

RATE = 48000
SMALL = ExtenderConfig(channels=16, blocks=1)


def _limited_noise(n: int, seed: int = 0, made_at: int = 16000) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal(n).astype(np.float32) * 0.2
    return band_limit(x, RATE, made_at)


def _stft(x: torch.Tensor, n_fft: int = 2048) -> torch.Tensor:
    return torch.stft(x, n_fft, n_fft // 4, window=torch.hann_window(n_fft, dtype=x.dtype),
                      center=False, return_complex=True)


@pytest.mark.parametrize("length,features", [(RATE, "relative"), (7000, "relative"), (7000, "absolute")])
def test_extender_keeps_the_band_below_the_cutoff(length, features):
    torch.manual_seed(0)
    net = Extender(ExtenderConfig(features=features)).double().eval()
    x = torch.from_numpy(np.stack([_limited_noise(length, 1), _limited_noise(length, 2, 22050)])).double()
    cutoff = torch.tensor([band_edge(16000), band_edge(22050)], dtype=torch.float64)
    with torch.no_grad():
        y = net(x, cutoff)
    assert y.shape == x.shape and torch.isfinite(y).all()
    freqs = torch.fft.rfftfreq(2048, 1 / RATE)
    for i in range(2):
        low = freqs < JOIN_LOW * cutoff[i] - 4 * RATE / 2048     # Hann main lobe: 2 bins each side
        err = (_stft(y[i]) - _stft(x[i]))[low].abs().pow(2).sum() / _stft(x[i])[low].abs().pow(2).sum()
        assert 10 * torch.log10(err) < -90, f"clip {i}: the body changed by {10 * torch.log10(err):.1f} dB"
        high = freqs > cutoff[i] / 0.95        # above the made-at rate's Nyquist: nothing in the input
        assert _stft(y[i])[high].abs().pow(2).sum() > 1e3 * _stft(x[i])[high].abs().pow(2).sum()


@pytest.mark.parametrize("features", ["relative", "absolute"])
def test_the_fast_input_layer_is_the_full_one_in_another_order(features):
    torch.manual_seed(0)
    net = Extender(ExtenderConfig(features=features)).double().eval()
    x = torch.from_numpy(np.stack([_limited_noise(RATE // 2, s) for s in range(3)])).double()
    for cutoffs in ([band_edge(16000)] * 3, [band_edge(16000), band_edge(22050), band_edge(16000)]):
        cutoff = torch.tensor(cutoffs, dtype=torch.float64)
        with torch.no_grad():
            full, fast = net(x, cutoff), net(x, cutoff, fast=True)
        gap = float((full - fast).abs().max() / full.abs().max())
        assert 0 <= gap < 1e-12, gap                 # float64: only the order of the sum differs
    # the shortcut really reads fewer channels: the same result from the varying bins alone
    have = (net.freqs[None] < JOIN_LOW * torch.full((1,), band_edge(16000), dtype=torch.float64)[:, None]).double()
    feats = torch.randn(1, net.inp.in_channels, 50, dtype=torch.float64)
    k = int(have.sum())
    feats[:, k:] = feats[:, k:, :1]                   # past the band, the same in every frame
    torch.testing.assert_close(net._read_fast(feats, have), net.inp(feats), rtol=0, atol=1e-10)


def test_the_kept_noise_is_the_noise_made_afresh():
    from ganstudio.models.extender import NOISE_SEED
    net = Extender(SMALL).eval()
    for n in (4800, 7000, 4800):
        gen = torch.Generator().manual_seed(NOISE_SEED)
        z = torch.stft(torch.randn(1, n, generator=gen), 512, 128, window=net.window, center=True, return_complex=True)
        with torch.inference_mode():
            kept = net._fixed_noise(n)
        assert torch.equal(kept, z / z.abs().clamp_min(1e-8)), n


def test_extender_and_discriminators_have_gradients():
    torch.manual_seed(0)
    net, disc = Extender(SMALL), Discriminators(width=4)
    x = torch.from_numpy(np.stack([_limited_noise(4096, s) for s in range(2)]))
    y = net(x, torch.full((2,), band_edge(16000)))
    real, fake = disc(x), disc(y)
    assert len(real) == 8 and all(logits.ndim == 2 and feats for logits, feats in real)
    loss = g_adv_loss(fake) + feature_matching(real, fake) + multires_logmag(y, x)
    loss.backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0
    ld = d_loss(disc(x), disc(y.detach()))
    ld.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in disc.parameters())


def test_config_is_validated():
    for bad in ({"n_fft": 300}, {"sample_rate": 16000}, {"kernel": 4}, {"channels": True},
                {"blocks": 10**6}, {"hop": 1024}, {"what": 1}, {"features": "loud"}, {"features": ["relative"]}):
        with pytest.raises(ValueError):
            ExtenderConfig.from_dict({**ExtenderConfig().to_dict(), **bad})


def test_files_without_features_read_as_absolute(tmp_path):
    """Extenders saved before the net read relative log-magnitudes (the shipped ones among them)
    have no "features" key: they load as "absolute" and play exactly as before, while a new
    extender is "relative" and the two read the same clip differently."""
    assert ExtenderConfig().features == "relative"
    legacy = {k: v for k, v in SMALL.to_dict().items() if k != "features"}
    assert ExtenderConfig.from_dict(legacy).features == "absolute"
    assert ExtenderConfig.from_dict(SMALL.to_dict()).features == "relative"
    assert load_extender(SHIPPED).net.cfg.features == "absolute"
    torch.manual_seed(0)
    net = Extender(SMALL).eval()
    old = Extender(ExtenderConfig.from_dict(legacy)).eval()
    old.load_state_dict(net.state_dict())
    x = torch.from_numpy(_limited_noise(RATE)[None])
    cutoff = torch.full((1,), band_edge(16000))
    with torch.no_grad():
        assert not torch.allclose(net(x, cutoff), old(x, cutoff), atol=1e-4)
    folder = tmp_path / "legacy"
    save_extender(folder, old, old.cfg, {"step": 1})
    assert "features" not in json.loads((folder / CONFIG).read_text())["extender"]   # as files before the key
    with torch.no_grad():
        np.testing.assert_array_equal(load_extender(folder).net(x, cutoff).numpy(), old(x, cutoff).numpy())


def test_file_round_trip_and_refusals(tmp_path):
    torch.manual_seed(0)
    net = Extender(SMALL).eval()
    folder = tmp_path / "ext"
    save_extender(folder, net, SMALL, {"step": 3})
    ext = load_extender(folder)
    x = _limited_noise(RATE)[None]
    with torch.no_grad():
        want = net(torch.from_numpy(x), torch.full((1,), band_edge(16000)), fast=True).numpy()   # as pads render
    want *= min(1.0, 10 ** (-0.3 / 20) / np.abs(want).max())    # an untrained net is loud: scaled, never clipped
    np.testing.assert_allclose(extend(ext, x, RATE, 16000), want, rtol=1e-6, atol=1e-7)
    # a flipped byte in the weights, a config that asks for another net, junk JSON
    data = bytearray((folder / WEIGHTS).read_bytes())
    data[-5] ^= 0xFF
    (tmp_path / "flip").mkdir()
    (tmp_path / "flip" / WEIGHTS).write_bytes(bytes(data))
    (tmp_path / "flip" / CONFIG).write_bytes((folder / CONFIG).read_bytes())
    with pytest.raises(ModelFileError, match="does not match the hash"):
        load_extender(tmp_path / "flip")
    meta = json.loads((folder / CONFIG).read_text())
    meta["extender"]["channels"] = 32
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / WEIGHTS).write_bytes((folder / WEIGHTS).read_bytes())
    (tmp_path / "other" / CONFIG).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="do not fit"):
        load_extender(tmp_path / "other")
    meta["extender"]["n_fft"] = 10**9
    (tmp_path / "other" / CONFIG).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="invalid extender settings"):
        load_extender(tmp_path / "other")
    (tmp_path / "other" / CONFIG).write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_extender(tmp_path / "other")
    with pytest.raises(ModelFileError, match="missing"):
        load_extender(tmp_path)


def test_shipped_extender_loads_and_adds_air():
    ext = load_extender(SHIPPED)
    assert ext.sample_rate == RATE
    from ganstudio.library.air_kit import render_air
    real = render_air(per_class=2, seed=99, with_kit=False)          # sounds it never trained on
    limited = np.stack([band_limit(c, RATE, 16000) for c in real])
    rebuilt = extend(ext, limited, RATE, 16000)
    assert np.isfinite(rebuilt).all()
    share = [energy_above(c, RATE) for c in rebuilt]
    assert np.median(share) > 10 * np.median([energy_above(c, RATE) for c in limited])
    better = [lsd(r, b, RATE, lo=8000) < lsd(r, s, RATE, lo=8000) for r, b, s in zip(real, rebuilt, limited)]
    assert sum(better) >= 0.8 * len(better)
    # the air stops where a recording's band does (a 44.1 kHz recording's edge, 20.9 kHz): above
    # 21.5 kHz, relative to all it adds above 8 kHz (the extender before this rule: median -15 dB)
    top = np.array([energy_above(c, RATE, 21500) for c in rebuilt]) / np.array(share)
    assert np.median(10 * np.log10(top + 1e-12)) < -40 and top.max() < 10 ** -2.5, top


def test_measures_on_known_cases():
    x = _limited_noise(RATE, made_at=48000)
    assert lsd(x, x, RATE) == 0.0
    limited = band_limit(x, RATE, 16000)
    assert lsd(x, limited, RATE, lo=8000) > 5 * lsd(x, limited, RATE, hi=7000)
    assert energy_above(x, RATE) == pytest.approx(16 / 24, abs=0.03)
    assert energy_above(limited, RATE) < 1e-4
    sbr = replicate_band(limited, RATE, band_edge(16000))
    assert energy_above(sbr, RATE) > 0.1 and lsd(x, sbr, RATE, lo=8000) < lsd(x, limited, RATE, lo=8000)


def test_full_band_passes_through_at_the_model_rate_and_off():
    x = np.random.default_rng(0).standard_normal((2, 1600)).astype(np.float32) * 0.1
    plain = full_band(x, 16000, RATE, None)
    assert plain.shape == (2, 4800) and energy_above(plain[0], RATE) < 1e-4
    ext = load_extender(SHIPPED)
    np.testing.assert_array_equal(full_band(x, 48000, 48000, ext), x)   # a 48 kHz model keeps its band


def test_training_resumes_bit_exactly(tmp_path):
    from ganstudio.training.extender_train import ExtenderTrainConfig, ExtenderTrainer
    from ganstudio.training.checkpoint import load_state
    clips = np.stack([_limited_noise(12000, s, 48000) for s in range(4)])
    tc = dict(batch_size=2, segment=2048, max_minutes=0, seed=3)
    snaps = []
    ExtenderTrainer(clips, tmp_path / "a", SMALL, ExtenderTrainConfig(max_steps=4, **tc), resume=False,
                    snapshot_fn=lambda net, step: snaps.append(step)).run()
    ExtenderTrainer(clips, tmp_path / "b", SMALL, ExtenderTrainConfig(max_steps=2, **tc), resume=False).run()
    r = ExtenderTrainer(clips, tmp_path / "b", SMALL, ExtenderTrainConfig(max_steps=4, **tc)).run()
    assert r.step == 4 and snaps[-1] == 4
    a, b = load_state(tmp_path / "a"), load_state(tmp_path / "b")
    assert a.generator_ema.keys() == b.generator_ema.keys()
    for k in a.generator_ema:
        assert torch.equal(a.generator_ema[k], b.generator_ema[k]), k
    assert all(np.isfinite(v) for _, losses in a.info["history"] for v in losses.values())
    ext = load_extender(tmp_path / "a")           # what training exported is a valid extender
    assert ext.meta["training"]["step"] == 4


def test_snapshot_kinds_name_what_the_net_reads():
    """The child names each extender snapshot by its features, and the window rebuilds that net
    from the name: every kind maps back, and a relative extender keeps the kind it always had."""
    from ganstudio.models.extender import FEATURES
    from ganstudio.training.subprocess import EXTENDER_KINDS, extender_kind
    assert sorted(EXTENDER_KINDS.values()) == sorted(FEATURES)
    for features in FEATURES:
        assert EXTENDER_KINDS[extender_kind(ExtenderConfig(features=features))] == features
    assert extender_kind(ExtenderConfig()) == "extender"


def test_a_checkpoint_from_before_relative_features_resumes_as_it_was_trained(tmp_path):
    """A killed run of an older extender (absolute log-magnitudes; its checkpoint's settings have
    no "features") resumes with today's default settings and goes on reading absolute ones."""
    from ganstudio.training.checkpoint import CheckpointError, load_state
    from ganstudio.training.extender_train import ExtenderTrainConfig, ExtenderTrainer
    clips = np.stack([_limited_noise(12000, s, 48000) for s in range(4)])
    tc = dict(batch_size=2, segment=2048, max_minutes=0, seed=3)
    legacy = ExtenderConfig(channels=16, blocks=1, features="absolute")
    ExtenderTrainer(clips, tmp_path / "a", legacy, ExtenderTrainConfig(max_steps=4, **tc), resume=False).run()
    ExtenderTrainer(clips, tmp_path / "b", legacy, ExtenderTrainConfig(max_steps=2, **tc), resume=False).run()
    assert "features" not in load_state(tmp_path / "b").info["extender_config"]
    resumed = ExtenderTrainer(clips, tmp_path / "b", SMALL, ExtenderTrainConfig(max_steps=4, **tc))
    assert resumed.run().step == 4 and resumed.cfg.features == "absolute"
    a, b = load_state(tmp_path / "a"), load_state(tmp_path / "b")
    for k in a.generator_ema:
        assert torch.equal(a.generator_ema[k], b.generator_ema[k]), k
    assert load_extender(tmp_path / "b").net.cfg.features == "absolute"
    with pytest.raises(CheckpointError, match="other settings"):     # other settings still refuse
        ExtenderTrainer(clips, tmp_path / "b", ExtenderConfig(channels=32, blocks=1),
                        ExtenderTrainConfig(max_steps=5, **tc)).run()


def test_training_inputs_may_carry_a_hiss_floor_the_target_does_not_continue(tmp_path):
    """The floor augmentation: the input gains a steady band-limited hiss; the target keeps it
    below the cutoff (where the output is the input) and holds nothing more above it."""
    from ganstudio.training.extender_train import ExtenderTrainConfig, ExtenderTrainer
    t = np.arange(12000) / RATE
    clips = np.stack([0.5 * np.sin(2 * np.pi * 300 * t) * np.exp(-t / 0.05)] * 2).astype(np.float32)
    tc = dict(batch_size=4, segment=4096, max_steps=1, seed=1, min_nyquist=8000, max_nyquist=8000)
    bare = ExtenderTrainer(clips, tmp_path, SMALL, ExtenderTrainConfig(floor_share=0.0, **tc), resume=False)
    hiss = ExtenderTrainer(clips, tmp_path, SMALL, ExtenderTrainConfig(floor_share=1.0, floor_db=(-40, -40), **tc),
                           resume=False)
    (x0, y0, cut), (x1, y1, _) = bare.batch(), hiss.batch()
    assert torch.allclose(cut, torch.full_like(cut, band_edge(16000)))
    for a, b in ((x0, x1), (y0, y1)):
        floor = (b - a).numpy()
        level = 20 * np.log10(np.sqrt((floor ** 2).mean(1)) / np.abs(a.numpy()).max(1))
        # the floor is there, 40 dB under the drawn piece's peak (this segment's may be lower)
        assert np.all((level > -41) & (level < -30)), level
        assert np.all([energy_above(f, RATE, 8500) < 1e-3 for f in floor])   # and only below the cutoff
    assert all(energy_above(y.numpy(), RATE, 8500) < 1e-3 for y in y1)     # nothing to continue above


def test_model_with_its_own_extender_is_packed_and_used(tmp_path):
    from ganstudio.library.demo_model import demo_model_path
    from ganstudio.models.extender_file import extender_for
    from ganstudio.models.modelfile import load_model, pack_gsm
    import shutil
    model_dir = tmp_path / "m"
    shutil.copytree(demo_model_path(), model_dir) if demo_model_path().is_dir() else None
    if not model_dir.exists():
        pytest.skip("the demo model ships as a .gsm")
    shutil.rmtree(model_dir / SUBFOLDER, ignore_errors=True)   # the demo model's own one (docs/hifi.md)
    assert not has_own_extender(model_dir)
    assert extender_for(model_dir).weights_hash == load_extender(SHIPPED).weights_hash
    assert has_own_extender(demo_model_path())
    torch.manual_seed(1)
    save_extender(model_dir / SUBFOLDER, Extender(SMALL), SMALL)
    assert has_own_extender(model_dir)
    own = extender_for(model_dir)
    gsm = pack_gsm(model_dir, tmp_path / "m.gsm")
    assert has_own_extender(gsm)
    assert extender_for(gsm).weights_hash == own.weights_hash != load_extender(SHIPPED).weights_hash
    load_model(gsm)


def test_full_rate_import_flags_band_limited_files(tmp_path):
    import soundfile as sf
    from ganstudio.data import ImportSettings, import_folder
    from ganstudio.library.demo_kit import write_kit
    from ganstudio.training.extender_train import extender_clips
    folder = write_kit(tmp_path / "kit", per_class=1, sample_rate=48000)
    noise = np.random.default_rng(0).standard_normal(8000).astype(np.float32) * 0.3
    sf.write(folder / "hat" / "phone.wav", noise, 16000)
    ds = import_folder(folder, ImportSettings.for_seconds(1.0, 48000), cache_dir=False)
    assert ds.band_limited == ["hat/phone.wav"] and ds.summary()["band_limited"] == 1
    assert len(extender_clips(ds)) == len(ds) - 1 == 6
    only = tmp_path / "low"
    only.mkdir()
    sf.write(only / "a.wav", noise, 22050)
    with pytest.raises(ValueError, match="recorded below 44.1 kHz"):
        extender_clips(import_folder(only, ImportSettings.for_seconds(1.0, 48000), cache_dir=False))
    assert "band_limited" not in import_folder(folder, cache_dir=False).summary()     # 16 kHz imports


def test_the_added_band_never_outweighs_the_top_octave_more_than_real_sounds_do():
    import numpy as np

    from ganstudio.dsp.bands import MAX_ADDED_RATIO, cap_added_band
    sr, n = 48000, 48000
    t = np.arange(n) / sr
    rng = np.random.default_rng(0)
    freqs = np.fft.rfftfreq(n, 1 / sr)
    air = np.fft.irfft(np.where(freqs > 7600, np.fft.rfft(rng.standard_normal(n)), 0), n).astype(np.float32)
    low = np.stack([0.1 * np.sin(2 * np.pi * 5000 * t),          # a top octave to continue
                    0.5 * np.sin(2 * np.pi * 200 * t),           # none: a kick gets no air
                    0.1 * np.sin(2 * np.pi * 5000 * t)]).astype(np.float32)
    full = low + np.stack([0.5 * air, 0.5 * air, 0.001 * air])
    out = cap_added_band(low, full, sr, 7600)
    top = (0.1 ** 2 / 2) * n
    assert np.sum((out[0] - low[0]) ** 2) == pytest.approx(MAX_ADDED_RATIO * top, rel=1e-3)
    assert np.abs(out[1] - low[1]).max() < 1e-6
    assert np.array_equal(out[2], full[2])                          # under the cap: untouched


def test_a_dull_sound_gets_less_air_than_a_bright_one_and_old_stems_keep_their_rule():
    import numpy as np

    from ganstudio.dsp.bands import (BRIGHT_SHARE, DULL_RATIO, DULL_SHARE, MAX_ADDED_RATIO, cap_added_band,
                                     max_added_ratio)
    from ganstudio.export import ExportSettings
    assert max_added_ratio(np.array([1e-5, DULL_SHARE]))[1] == pytest.approx(DULL_RATIO)
    assert max_added_ratio(np.array([BRIGHT_SHARE, 1.0])) == pytest.approx([MAX_ADDED_RATIO] * 2)
    mid = max_added_ratio(np.array([0.08]))[0]
    assert DULL_RATIO < mid < MAX_ADDED_RATIO
    sr, n = 48000, 48000
    t = np.arange(n) / sr
    freqs = np.fft.rfftfreq(n, 1 / sr)
    air = np.fft.irfft(np.where(freqs > 7600, np.fft.rfft(np.random.default_rng(1).standard_normal(n)), 0), n)
    # a kick-like sound: 1 % of its band's energy in the top octave
    low = (0.5 * np.sin(2 * np.pi * 100 * t) + 0.05 * np.sin(2 * np.pi * 5000 * t)).astype(np.float32)[None]
    full = (low + 0.5 * air).astype(np.float32)
    top = (0.05 ** 2 / 2) * n
    added = {rule: np.sum((cap_added_band(low, full, sr, 7600, rule=rule)[0] - low[0]) ** 2) for rule in (0, 1, 2)}
    assert added[2] == pytest.approx(DULL_RATIO * top, rel=1e-2)
    assert added[1] == pytest.approx(MAX_ADDED_RATIO * top, rel=1e-2)      # the flat cap of older stems
    assert added[0] == pytest.approx(np.sum((full[0] - low[0]) ** 2), rel=1e-6)
    with pytest.raises(ValueError, match="cap rule"):
        cap_added_band(low, full, sr, 7600, rule=3)
    assert ExportSettings().cap_rule == 2
    assert ExportSettings.from_dict({"hifi": True, "hifi_cap": True}).cap_rule == 1     # made before rule 2
    assert ExportSettings.from_dict({"hifi": True}).cap_rule == 0                         # made before the cap
    with pytest.raises(ValueError, match="hifi_cap_rule"):
        ExportSettings.from_dict({"hifi_cap_rule": 7})
