"""A fine-tuned inverse-STFT generator starts with the folder's mean spectrum
(training/spectral_start.py)."""
import numpy as np
import torch

from ganstudio.dsp.bands import energy_above
from ganstudio.models import Generator, preset
from ganstudio.models.modelfile import load_model
from ganstudio.library.base_model import base_model_path
from ganstudio.training import Trainer, TrainConfig, model_config_for
from ganstudio.training.spectral_start import match_spectrum
from ganstudio.data import Dataset, ImportSettings


def dull_swells(n: int, length: int = 16384, rate: int = 16000) -> np.ndarray:
    """Low sines with a slow swell: nothing above 1 kHz, as many sound effects."""
    rng = np.random.default_rng(0)
    t = np.arange(length) / rate
    out = []
    for _ in range(n):
        f = rng.uniform(80, 400)
        env = np.sin(np.pi * np.clip(t / rng.uniform(0.5, 0.9), 0, 1)) ** 2
        out.append(0.95 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) * env)
    return np.stack(out).astype(np.float32)


def share_above(G, freq=4000.0, seed=3):
    z = torch.randn(32, G.cfg.latent_dim, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        clips = G(z).squeeze(1).numpy()
    assert np.isfinite(clips).all()
    return float(np.median([energy_above(c, 16000, freq) for c in clips]))


def test_the_sustained_base_loses_the_top_band_a_dull_folder_does_not_have():
    G = load_model(base_model_path("sustained")).generator
    real = dull_swells(48)
    before = share_above(G)
    shift_db = match_spectrum(G, torch.from_numpy(real), seed=0)
    after = share_above(G)
    assert before > 0.3                         # the base plays broadband sound
    assert after < 0.02 and after < before / 20  # a dull folder gets a dull start
    assert 20 < shift_db <= 52.2                 # capped at 6 nats per bin
    # the same clips and seed make the same start (a resumed or repeated run draws the same)
    G2 = load_model(base_model_path("sustained")).generator
    match_spectrum(G2, torch.from_numpy(real), seed=0)
    assert torch.equal(G.body.out.bias, G2.body.out.bias)


def test_a_waveform_generator_is_left_alone():
    G = Generator(preset("tiny", model_dim=4, d_model_dim=4))
    before = {k: v.clone() for k, v in G.state_dict().items()}
    assert match_spectrum(G, torch.from_numpy(dull_swells(4)), seed=0) is None
    assert all(torch.equal(v, G.state_dict()[k]) for k, v in before.items())


def test_training_from_the_sustained_base_starts_matched_and_can_opt_out(tmp_path):
    ds = Dataset.from_arrays({"swell": dull_swells(24)}, ImportSettings())
    mc_kw = dict(upsample="istft", peak_norm=True)
    shares = {}
    for on in (True, False):
        tc = TrainConfig(batch_size=4, n_critic=1, loss="ns", max_steps=1, init_from=str(base_model_path("sustained")),
                         spectral_start=on, device="cpu")
        Trainer(ds, tmp_path / str(on), model_config_for(ds, "tiny", False, **mc_kw), tc, resume=False).run()
        shares[on] = share_above(load_model(tmp_path / str(on)).generator)
    assert shares[True] < 0.02 < shares[False]
