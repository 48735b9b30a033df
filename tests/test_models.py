import pytest
import torch

from ganstudio.models import Discriminator, Generator, ModelConfig, preset, strides_for
from ganstudio.models.wavegan import PhaseShuffle, envelope_gain


@pytest.mark.parametrize("length", [8000, 16384, 22050, 44100, 96000])
def test_shapes_for_any_clip_length(length):
    cfg = preset("tiny", clip_length=length, model_dim=4, d_model_dim=4)
    g, d = Generator(cfg), Discriminator(cfg)
    x = g(torch.randn(3, cfg.latent_dim))
    assert x.shape == (3, 1, length)
    assert x.abs().max() <= 1.0
    assert d(x).shape == (3, 2 if cfg.spectral_d else 1)
    assert 16 * torch.tensor(strides_for(length)).prod().item() >= length


def test_conditioning_changes_output_and_needs_labels():
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, class_names=("kick", "snare", "hat"))
    assert cfg.num_classes == 3
    g, d = Generator(cfg).eval(), Discriminator(cfg).eval()
    z = torch.randn(1, cfg.latent_dim).repeat(2, 1)
    x = g(z, torch.tensor([0, 1]))
    assert not torch.allclose(x[0], x[1])
    assert d(x, torch.tensor([0, 1])).shape == (2, 2)
    with pytest.raises(ValueError, match="pass labels"):
        g(z)
    with pytest.raises(ValueError, match="pass labels"):
        d(x)


def test_single_class_is_unconditioned():
    assert preset("tiny", class_names=("only",)).num_classes == 0


def test_phase_shuffle_shifts_within_radius_and_is_off_in_eval():
    ps = PhaseShuffle(2)
    x = torch.arange(20.0).view(1, 1, 20).repeat(64, 1, 1)
    y = ps(x)
    shifts = (y[:, 0, 10] - x[:, 0, 10]).unique()
    assert set(shifts.tolist()) <= {-2.0, -1.0, 0.0, 1.0, 2.0} and len(shifts) > 1
    assert torch.equal(ps.eval()(x), x)


def test_presets_grow_and_paper_size_matches_wavegan():
    sizes = [sum(p.numel() for p in Generator(preset(n)).parameters()) for n in ("tiny", "standard", "large")]
    assert sizes[0] < sizes[1] < sizes[2]
    ref = preset("wavegan")
    assert (ref.model_dim, ref.kernel_size, ref.latent_dim, ref.clip_length) == (64, 25, 100, 16384)
    # The paper's generator has about 19.1 M parameters at d=64.
    assert abs(sum(p.numel() for p in Generator(ref).parameters()) / 1e6 - 19.1) < 0.5


def test_nearest_upsampling_variant():
    cfg = preset("tiny", model_dim=4, d_model_dim=4, upsample="nearest", clip_length=8000)
    assert Generator(cfg)(torch.randn(2, 100)).shape == (2, 1, 8000)


def test_config_round_trip_and_validation():
    cfg = preset("standard", class_names=("a", "b"))
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown model settings"):
        ModelConfig.from_dict({**cfg.to_dict(), "evil": 1})
    with pytest.raises(ValueError, match="unknown preset"):
        preset("huge")
    with pytest.raises(ValueError, match="model_dim must be from 1 to 256, not -3"):
        ModelConfig.from_dict({**cfg.to_dict(), "model_dim": -3})
    with pytest.raises(ValueError, match="latent_dim must be a whole number"):
        ModelConfig.from_dict({**cfg.to_dict(), "latent_dim": True})       # bools are not integers
    with pytest.raises(ValueError, match="sample_rate must be one of"):
        ModelConfig.from_dict({**cfg.to_dict(), "sample_rate": "16000"})
    with pytest.raises(ValueError, match="class_names must be a list"):
        ModelConfig.from_dict({**cfg.to_dict(), "class_names": "ab"})


def test_minibatch_std_sees_a_collapsed_batch_and_never_mixes_groups():
    from ganstudio.models.wavegan import minibatch_std
    same = torch.randn(1, 5).repeat(8, 1)
    assert torch.allclose(minibatch_std(same, 4)[:, -1], torch.full((8,), 1e-4), atol=1e-6)
    varied = torch.randn(8, 5)
    out = minibatch_std(varied, 4)
    assert out.shape == (8, 6) and (out[:, -1] > 0.1).all()
    changed = varied.clone()
    changed[5] += 10.0                      # only the second group of four sees this
    out2 = minibatch_std(changed, 4)
    assert torch.equal(out2[:4], out[:4]) and not torch.allclose(out2[4:, -1], out[4:, -1])
    assert minibatch_std(varied[:5], 4)[:, -1].eq(0).all()      # 5 clips: groups of 1, no spread


def test_discriminator_groups_divide_the_batch():
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, minibatch_std=4)
    d = Discriminator(cfg).eval()
    d.set_group_size(6)
    assert d.group_size == 3
    x = torch.randn(12, 1, 8000) * 0.1
    scores = d(x)
    x2 = x.clone()
    x2[9] = 0.0                            # a fake clip in the batch's second half
    # the real half (first 6 clips: groups 0-2 and 3-5) scores exactly as before
    torch.testing.assert_close(d(x2)[:6], scores[:6])
    assert preset("wavegan").minibatch_std == 0


def test_multi_resolution_spectral_heads_and_old_states_still_load():
    from ganstudio.models.wavegan import Discriminator
    cfg = preset("tiny", model_dim=4, d_model_dim=4, spectral_d=4, spectral_res=3, clip_length=8000)
    assert cfg.spectral_ffts == (256, 512, 1024)
    d = Discriminator(cfg)
    x = torch.randn(4, 1, 8000, requires_grad=True)
    scores = d(x)
    assert scores.shape == (4, 4)
    scores[:, 3].sum().backward()          # the 1024-point head reaches the waveform
    assert x.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="spectral_res"):
        preset("tiny", spectral_fft=256, spectral_res=4)      # would ask for a 64-point head
    # a training state saved when there was one head (``spectral.*``) resumes into head 0
    one = preset("tiny", model_dim=4, d_model_dim=4, spectral_d=4, clip_length=8000)
    old = {k.replace("spectral.0.", "spectral."): v for k, v in Discriminator(one).state_dict().items()}
    fresh = Discriminator(one)
    fresh.load_state_dict(old)
    assert torch.equal(fresh.spectral[0].fc.weight, old["spectral.fc.weight"])


def test_envelope_depth_and_spectral_floor_are_settings_checked_like_any_other():
    cfg = preset("tiny", envelope_db=120, spectral_floor=1e-3)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    old = {k: v for k, v in cfg.to_dict().items() if k not in ("envelope_db", "spectral_floor")}
    assert (ModelConfig.from_dict(old).envelope_db, ModelConfig.from_dict(old).spectral_floor) == (80.0, 1e-2)
    for key, bad in (("envelope_db", float("nan")), ("envelope_db", 400), ("envelope_db", True),
                     ("spectral_floor", 0.0), ("spectral_floor", float("inf")), ("spectral_floor", "1e-3")):
        with pytest.raises(ValueError, match=key):
            ModelConfig.from_dict({**cfg.to_dict(), key: bad})


@pytest.mark.parametrize("depth", [80.0, 120.0])
def test_a_closed_envelope_takes_the_tail_down_by_its_depth(depth):
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, envelope_db=depth)
    g = Generator(cfg).eval()
    with torch.no_grad():
        g.envelope.weight.zero_()
        g.envelope.bias.fill_(40.0)                  # sigmoid 1: fully closed everywhere
        x = g(torch.randn(4, cfg.latent_dim))
        g.envelope.bias.fill_(-40.0)                 # fully open
        y = g(torch.randn(4, cfg.latent_dim))
    ratio_db = 20 * torch.log10(x.abs().max() / y.abs().max())
    assert x.abs().max() > 0 and ratio_db < -depth + 25     # the waveform under it varies by latent
    assert abs(float(20 * torch.log10(envelope_gain(torch.tensor(40.0), depth))) + depth) < 1e-3


def test_a_lower_spectral_floor_hears_a_quiet_hiss_the_default_misses():
    """Hiss at -75 dBFS after a hit against the same hit ending in digital silence: the difference
    the spectral head reads at its input, in the tail, grows as the floor comes down."""
    from ganstudio.models.wavegan import SpectralHead
    t = torch.arange(8192) / 16000
    hit = torch.sin(2 * torch.pi * 200 * t) * torch.exp(-t / 0.02)
    hiss = hit + 10 ** (-75 / 20) * torch.randn(8192, generator=torch.Generator().manual_seed(0))
    seen = {}
    for floor in (1e-2, 1e-3):
        head = SpectralHead(4, 512, floor=floor)
        heard = []
        head.convs[0].register_forward_hook(lambda _m, inputs, _out: heard.append(inputs[0]))
        head(torch.stack([hit, hiss])[:, None])
        log_spec = heard[0][:, 0]                                           # [2, bins, frames]
        seen[floor] = float((log_spec[1] - log_spec[0])[:, 40:].abs().mean())   # frames after the decay
    assert seen[1e-3] > 3 * seen[1e-2] > 0
