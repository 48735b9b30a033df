"""The frame-rate generator body that ends in an inverse STFT (models/stft_body.py)."""
import numpy as np
import pytest
import torch

from ganstudio.models import Discriminator, Generator, preset
from ganstudio.models.modelfile import load_model, save_model
from ganstudio.models.stft_body import STFTBody, _splitmix, frames_for, stft_hop


@pytest.mark.parametrize("rate,length", [(16000, 16384), (16000, 8000), (22050, 22050), (44100, 44100), (48000, 96000)])
def test_shapes_hop_and_range_for_any_rate_and_length(rate, length):
    cfg = preset("tiny", sample_rate=rate, clip_length=length, model_dim=4, d_model_dim=4, upsample="istft")
    g, d = Generator(cfg), Discriminator(cfg)
    x = g(torch.randn(3, cfg.latent_dim))
    assert x.shape == (3, 1, length)
    assert torch.isfinite(x).all() and x.abs().max() <= 1.0
    assert d(x).shape == (3, 2)
    hop = stft_hop(rate)
    assert hop == {16000: 128, 22050: 128, 44100: 256, 48000: 256}[rate]
    assert (frames_for(length, hop) - 1) * hop >= length


def test_gradients_reach_every_parameter_and_the_latent():
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, upsample="istft")
    g, d = Generator(cfg), Discriminator(cfg)
    z = torch.randn(4, cfg.latent_dim, requires_grad=True)
    d(g(z)).mean().backward()
    missing = [n for n, p in g.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert not missing
    # the ConvNeXt blocks start as the identity, so their first layers get no gradient at step 0;
    # every other weight does
    assert all(float(p.grad.abs().sum()) > 0 for n, p in g.named_parameters() if "blocks" not in n)
    assert z.grad is not None and float(z.grad.abs().sum()) > 0


def test_a_clip_is_a_pure_function_of_its_latent():
    """Exports are remade from (model, latent): the noise phase must not come from a random stream."""
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, upsample="istft")
    g = Generator(cfg).eval()
    z = torch.randn(5, cfg.latent_dim)
    with torch.no_grad():
        batch = g(z)
        one = g(z[2:3])
        again = Generator(cfg).eval()
        again.load_state_dict(g.state_dict())
        rebuilt = again(z)
    torch.testing.assert_close(one[0], batch[2], atol=1e-6, rtol=0)
    assert torch.equal(rebuilt, batch)
    assert not torch.allclose(batch[0], batch[1])      # different latents, different noise


def _splitmix_reference(i: int, seed: int) -> float:
    """splitmix64 in plain Python integers (Steele, Lea & Flood 2014), to check the numpy one."""
    m = (1 << 64) - 1
    x = ((i + seed) * 0x9E3779B97F4A7C15) & m
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    x ^= x >> 31
    return (x >> 11) / float(1 << 53)


def test_noise_table_is_a_fixed_integer_hash():
    a = _splitmix(1000, seed=1)
    assert np.array_equal(a, _splitmix(1000, seed=1)) and not np.array_equal(a, _splitmix(1000, seed=2))
    assert 0.0 <= a.min() and a.max() < 1.0 and abs(a.mean() - 0.5) < 0.05
    assert [a[i] for i in (0, 1, 2, 999)] == [_splitmix_reference(i, 1) for i in (0, 1, 2, 999)]


def test_silent_bins_make_true_silence_and_loud_bins_stay_under_full_scale():
    body = STFTBody(8, 16000, 8000, width=8)
    with torch.no_grad():
        body.out.weight.zero_()
        bins = body.n_fft // 2 + 1
        body.out.bias[:bins].fill_(-10.0)       # log-magnitude -4 - 4 * 10 = -44: silence
        quiet = body(torch.randn(2, 8))
        body.out.bias[:bins].fill_(10.0)        # against the soft ceiling
        loud = body(torch.randn(2, 8))
    assert float(quiet.abs().max()) < 1e-12
    assert torch.isfinite(loud).all() and float(loud.abs().max()) <= 1.0


def test_istft_model_file_round_trip(tmp_path):
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, upsample="istft")
    g = Generator(cfg).eval()
    save_model(tmp_path / "m", g, cfg, {"clips": 1}, {"step": 0})
    loaded = load_model(tmp_path / "m")
    z = torch.randn(2, cfg.latent_dim)
    with torch.no_grad():
        assert torch.equal(loaded.generator(z), g(z))
    assert loaded.config.upsample == "istft"


@pytest.mark.parametrize("upsample", ["transposed", "istft"])
def test_peak_norm_scales_every_clip_to_the_importers_peak(upsample):
    from ganstudio.data.settings import ImportSettings
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, upsample=upsample, peak_norm=True)
    g = Generator(cfg)
    z = torch.randn(4, cfg.latent_dim, requires_grad=True)
    x = g(z)
    torch.testing.assert_close(x.abs().amax(dim=-1).squeeze(1), torch.full((4,), ImportSettings().peak))
    x.pow(2).mean().backward()
    assert all(torch.isfinite(p.grad).all() for p in g.parameters() if p.grad is not None)
    assert z.grad is not None and torch.isfinite(z.grad).all()
    with pytest.raises(ValueError, match="peak_norm"):
        preset("tiny", peak_norm=1)


def test_peak_norm_leaves_a_near_silent_clip_near_silent():
    from ganstudio.models.wavegan import to_peak
    x = torch.zeros(2, 1, 100)
    x[0, 0, 5] = 1e-9
    x[1, 0, 5] = 0.5
    y = to_peak(x)
    assert float(y[0].abs().max()) < 1e-5 and abs(float(y[1].abs().max()) - 0.95) < 1e-6


def test_istft_recipe_trains_with_finite_losses_and_resumes_bit_exactly(small_dataset, tmp_path):
    from ganstudio.training import Trainer, load_state, model_config_for, recipe

    def run(out, steps, events=None):
        tc = recipe("tiny", batch_size=6, checkpoint_every=1000, snapshot_every=1000, max_steps=steps)
        mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4, upsample="istft",
                              peak_norm=True)
        return Trainer(small_dataset, out, mc, tc, progress_fn=events.append if events is not None else None).run()

    events = []
    run(tmp_path / "full", 6, events)
    losses = [e.losses for e in events if e.event == "step"]
    assert len(losses) == 6 and all(np.isfinite(v) for step in losses for v in step.values())
    run(tmp_path / "split", 3)
    assert run(tmp_path / "split", 6).step == 6
    full, split = load_state(tmp_path / "full"), load_state(tmp_path / "split")
    for part in ("generator", "generator_ema", "discriminator"):
        a, b = getattr(full, part), getattr(split, part)
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
