"""The generator's learned tone filter (models/tone.py)."""
import numpy as np
import pytest
import torch

from ganstudio.models import Generator, ModelConfig, preset
from ganstudio.models.tone import SPEED, ToneFilter

RATE = 16000


def _filter(bias_for_band, depth=80.0, bands=16) -> ToneFilter:
    f = ToneFilter(8, RATE, bands, depth)
    with torch.no_grad():
        f.head.weight.zero_()
        f.head.bias.copy_(torch.tensor([bias_for_band(b) / SPEED for b in range(bands) for _ in range(8)],
                                       dtype=torch.float32))
    return f


def _band_db(x: np.ndarray, lo: float, hi: float) -> float:
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    return 10 * np.log10(spec[(f >= lo) & (f < hi)].sum())


def test_an_open_filter_passes_the_clip_unchanged():
    x = torch.randn(2, 1, 8000, generator=torch.Generator().manual_seed(0)) * 0.3
    with torch.no_grad():
        y = _filter(lambda b: -40.0)(torch.zeros(2, 8), x)
    assert y.shape == x.shape
    assert float((y - x).abs().max()) < 1e-5


@pytest.mark.parametrize("depth", [80.0, 120.0])
def test_closed_bands_go_down_by_the_depth_and_the_others_stay(depth):
    x = torch.randn(1, 1, 16000, generator=torch.Generator().manual_seed(1)) * 0.3
    f = _filter(lambda b: 40.0 if b >= 12 else -40.0, depth=depth)
    y = f(torch.zeros(1, 8), x)[0, 0].detach().numpy()
    x = x[0, 0].numpy()
    assert abs(_band_db(y, 100, 2000) - _band_db(x, 100, 2000)) < 0.5
    # frame-wise filtering leaks about -45 dB of the open bands (Hann, hop n_fft / 4)
    assert _band_db(y, 6000, 8000) < _band_db(x, 6000, 8000) - 40


def test_the_latent_steers_the_filter_and_gradients_reach_it():
    torch.manual_seed(0)
    g = Generator(preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, tone_bands=16, tone_db=30))
    with torch.no_grad():
        g.tone.head.bias.normal_(0, 1.0)      # logits of +-16: some bands shut, some open
    z = torch.randn(3, g.cfg.latent_dim)
    x = g(z)
    assert x.shape == (3, 1, 8000) and bool(torch.isfinite(x).all())
    x.pow(2).mean().backward()
    assert g.tone.head.weight.grad.abs().sum() > 0
    db = g.tone.gains_db(z, 10).detach()
    assert db.shape == (3, 257, 10) and float(db.max()) <= 0
    # the filter's own depth, not the envelope's, bounds it
    assert -30.0 <= float(db.min()) < -25.0 and g.cfg.envelope_db == 80.0


def test_tone_settings_are_checked():
    cfg = preset("tiny", tone_bands=32)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    assert ModelConfig.from_dict({k: v for k, v in cfg.to_dict().items() if k != "tone_bands"}).tone_bands == 0
    for bad, match in ((1, "at least 2"), (65, "tone_bands must be from"), (True, "whole number"), (2.5, "whole number")):
        with pytest.raises(ValueError, match=match):
            ModelConfig.from_dict({**cfg.to_dict(), "tone_bands": bad})
    # a file from before tone_db keeps the depth it was trained with (the envelope's 80 dB)
    assert ModelConfig.from_dict({k: v for k, v in cfg.to_dict().items() if k != "tone_db"}).tone_db == 80.0
    for bad, match in ((3.0, "tone_db must be a finite number"), (float("nan"), "finite"), (False, "must be a number"),
                       ("40", "must be a number")):
        with pytest.raises(ValueError, match=match):
            ModelConfig.from_dict({**cfg.to_dict(), "tone_db": bad})
    with pytest.raises(ValueError, match="not with upsample istft"):
        preset("tiny", tone_bands=8, upsample="istft")


def test_a_model_with_a_tone_filter_saves_and_loads_to_the_same_sound(tmp_path):
    from ganstudio.models.modelfile import load_model, save_model
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, tone_bands=16)
    g = Generator(cfg).eval()
    with torch.no_grad():
        g.tone.head.bias.normal_(0, 0.2)
    save_model(tmp_path / "m", g, cfg)
    loaded = load_model(tmp_path / "m").generator.eval()       # shapes are read on the meta device first
    z = torch.randn(2, cfg.latent_dim)
    with torch.no_grad():
        assert torch.equal(loaded(z), g(z))
