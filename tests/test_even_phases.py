"""Transposed convolutions whose kernel phases sum alike (models/wavegan.py: even_phases)."""
import pytest
import torch
import torch.nn as nn

from ganstudio.metrics.spectrum import buzz_db
from ganstudio.models import Generator, ModelConfig, preset
from ganstudio.models.wavegan import EvenConvTranspose1d, even_phases


def _pair(k: int, s: int) -> tuple[nn.ConvTranspose1d, EvenConvTranspose1d]:
    torch.manual_seed(k * 10 + s)
    op = (k - s) % 2
    plain = nn.ConvTranspose1d(3, 2, k, s, padding=(k - s + op) // 2, output_padding=op)
    even = EvenConvTranspose1d(3, 2, k, s, padding=(k - s + op) // 2, output_padding=op)
    even.load_state_dict(plain.state_dict())          # the same parameters: old weights load
    return plain, even


@pytest.mark.parametrize("k,s", [(25, 4), (25, 2), (24, 4)])
def test_a_constant_input_comes_out_constant_where_the_plain_layer_ripples(k, s):
    plain, even = _pair(k, s)
    x = torch.full((1, 3, 40), 0.7)
    with torch.no_grad():
        inner = slice(k, -k)                            # away from the zero padding at the ends
        ripple_plain = float(plain(x)[0, :, inner].std(dim=1).max())
        ripple_even = float(even(x)[0, :, inner].std(dim=1).max())
        level = float(even(x)[0, :, inner].abs().mean())
    assert ripple_plain > 0.05 and ripple_even < 1e-5 * max(1.0, level)
    w = plain.weight.detach()
    w_even = even_phases(w, s)
    # every phase sums alike, the kernel keeps its sum, and an even kernel is left as it is
    sums = torch.stack([w_even[..., p::s].sum(-1) for p in range(s)], dim=-1)
    assert float((sums - sums.mean(-1, keepdim=True)).abs().max()) < 1e-5
    assert float((w_even.sum(-1) - w.sum(-1)).abs().max()) < 1e-5
    assert float((even_phases(w_even, s) - w_even).abs().max()) < 1e-6


def test_a_generator_with_even_phases_has_no_buzz_at_the_strides_rates_and_trains():
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=16384, tone_bands=0, envelope=False)
    torch.manual_seed(0)
    plain = Generator(cfg)
    even = Generator(ModelConfig.from_dict({**cfg.to_dict(), "even_phases": True}))
    even.load_state_dict(plain.state_dict())            # shapes and names unchanged
    z = torch.randn(16, cfg.latent_dim)

    def comb_db(g) -> float:
        with torch.no_grad():
            return buzz_db(g(z)[:, 0].numpy(), 16000)
    assert comb_db(plain) > 6.0 and comb_db(even) < comb_db(plain) - 6.0
    x = even(z[:4])
    assert x.shape == (4, 1, 16384) and bool(torch.isfinite(x).all())
    x.pow(2).mean().backward()
    assert all(float(up.weight.grad.abs().sum()) > 0 for up in even.ups)


def test_the_setting_is_checked_and_old_files_keep_plain_kernels():
    cfg = preset("tiny")
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    assert not ModelConfig.from_dict({k: v for k, v in cfg.to_dict().items() if k != "even_phases"}).even_phases
    for bad in (1, "true", None):
        with pytest.raises(ValueError, match="even_phases"):
            ModelConfig.from_dict({**cfg.to_dict(), "even_phases": bad})
    # a kernel shorter than the stride has a phase without taps, which no offset can even out
    with pytest.raises(ValueError, match="kernel_size of at least 4"):
        ModelConfig.from_dict({**cfg.to_dict(), "even_phases": True, "kernel_size": 3})
