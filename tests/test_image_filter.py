"""Upsampling stages filtered before their nonlinearity (models/wavegan.py: smooth_ups)."""
import numpy as np
import pytest
import torch

from ganstudio.metrics.spectrum import buzz_db
from ganstudio.models import Generator, ModelConfig, preset
from ganstudio.models.wavegan import ImageFilter, image_filter


@pytest.mark.parametrize("stride", [4, 2])
def test_the_filter_keeps_the_input_band_and_takes_out_its_images(stride):
    taps = image_filter(stride).double().numpy()
    assert taps.shape == (16 * stride + 1,) and np.allclose(taps, taps[::-1])      # zero phase
    gain = 20 * np.log10(np.abs(np.fft.rfft(taps, 8192)) + 1e-12)
    f = np.fft.rfftfreq(8192)                                    # cycles per output sample
    cutoff = 0.5 / stride
    assert np.abs(gain[f < 0.8 * cutoff]).max() < 0.2             # the input's band passes
    assert gain[f > 1.25 * cutoff].max() < -40.0                  # its images do not


def test_a_filtered_stage_interpolates_a_sine_without_images():
    stride, n = 4, 256
    low = torch.sin(2 * torch.pi * 0.1 * torch.arange(n)).view(1, 1, -1)
    up = torch.zeros(1, 1, n * stride)
    up[..., ::stride] = low * stride                             # zero-stuffing: the images at k/4 +- 0.025
    out = ImageFilter(stride)(up)[0, 0, 128:-128].numpy()        # away from the zero padding
    spec = np.abs(np.fft.rfft(out * np.hanning(out.size)))
    f = np.fft.rfftfreq(out.size)
    line = spec[np.argmin(np.abs(f - 0.025))]
    images = spec[np.abs(f - 0.225) < 0.01].max()                # the first image, 0.25 - 0.025
    assert 20 * np.log10(images / line) < -40.0


def test_a_generator_with_filtered_stages_has_no_buzz_keeps_its_weights_and_trains():
    cfg = preset("tiny", model_dim=4, d_model_dim=4, tone_bands=0, envelope=False)
    torch.manual_seed(0)
    plain = Generator(cfg)
    smooth = Generator(ModelConfig.from_dict({**cfg.to_dict(), "smooth_ups": 2}))
    assert smooth.state_dict().keys() == plain.state_dict().keys()   # a base without it loads
    smooth.load_state_dict(plain.state_dict())
    z = torch.randn(16, cfg.latent_dim)
    with torch.no_grad():
        buzz_plain = buzz_db(plain(z)[:, 0].numpy(), 16000)
        buzz_smooth = buzz_db(smooth(z)[:, 0].numpy(), 16000)
    assert buzz_plain > 10.0 and buzz_smooth < buzz_plain - 6.0     # 13.2 and 6.3 dB when written
    x = smooth(z[:4])
    assert x.shape == (4, 1, 16384) and bool(torch.isfinite(x).all())
    x.pow(2).mean().backward()
    assert all(float(p.grad.abs().sum()) > 0 for p in smooth.ups.parameters() if p.dim() > 1)


def test_the_setting_is_checked_and_old_files_keep_unfiltered_stages():
    cfg = preset("tiny")
    assert ModelConfig.from_dict({k: v for k, v in cfg.to_dict().items() if k != "smooth_ups"}).smooth_ups == 0
    assert ModelConfig.from_dict({**cfg.to_dict(), "smooth_ups": 4}).smooth_ups == 4
    for bad in (True, 2.0, "2", -1, 9):
        with pytest.raises(ValueError, match="smooth_ups"):
            ModelConfig.from_dict({**cfg.to_dict(), "smooth_ups": bad})
    # the last stage makes the top of the band from its images: it is never filtered
    with pytest.raises(ValueError, match="at most 4"):
        ModelConfig.from_dict({**cfg.to_dict(), "smooth_ups": 5})
    with pytest.raises(ValueError, match="istft"):
        ModelConfig.from_dict({**cfg.to_dict(), "smooth_ups": 1, "upsample": "istft", "tone_bands": 0})
