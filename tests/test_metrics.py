import numpy as np

from ganstudio.dsp import log_mel
from ganstudio.library import render_kit
from ganstudio.metrics import frechet_distance, logmel_frechet

SR = 16000


def test_full_scale_sine_reads_zero_db_and_silence_the_floor():
    t = np.arange(SR) / SR
    sine = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    mel = log_mel(sine, SR)
    assert -2.0 < mel.max() < 0.5
    quiet = log_mel(sine * 10 ** (-40 / 20), SR)
    assert abs((mel.max() - quiet.max()) - 40) < 0.1
    assert log_mel(np.zeros(4096, np.float32), SR, floor_db=-96).max() == -96


def test_frechet_distance_properties():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 8))
    assert abs(frechet_distance(x, x)) < 1e-6
    shifted = x + 3.0
    assert abs(frechet_distance(x, shifted) - 8 * 9.0) < 1e-6   # mean term only: 8 dims * 3^2
    wider = x * 2.0
    assert abs(frechet_distance(x, wider) - 8 * (1 - 2) ** 2) < 0.5  # tr(S1 + S2 - 2 sqrt(S1 S2))


def test_logmel_frechet_ranks_real_noise_and_silence_sensibly():
    kit = np.stack([c for clips in render_kit(per_class=6, seed=0).values() for c in clips])
    other = np.stack([c for clips in render_kit(per_class=6, seed=1).values() for c in clips])
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, kit.shape).astype(np.float32)
    real_vs_real = logmel_frechet(other, kit, SR)
    assert real_vs_real < logmel_frechet(noise, kit, SR) / 20
    assert real_vs_real < logmel_frechet(kit * 0.01, kit, SR)   # 40 dB too quiet is far away


def test_measures_rank_real_above_noise_bursts_above_white_noise():
    """Issue 13's check of the yardstick itself: held-out real clips score closest, then the
    decaying noise bursts every model must beat, then steady white noise; the baselines are
    peak-normalised and deterministic."""
    from ganstudio.metrics import clip_embedding, diversity_ratio, noise_bursts, white_noise
    kit = np.stack([c for clips in render_kit(per_class=8, seed=0).values() for c in clips])
    held = np.stack([c for clips in render_kit(per_class=8, seed=1).values() for c in clips])
    n, length = len(kit), kit.shape[1]
    bursts, white = noise_bursts(n, length, SR, seed=3), white_noise(n, length, SR, seed=3)
    assert np.array_equal(bursts, noise_bursts(n, length, SR, seed=3))
    assert np.allclose(np.abs(bursts).max(1), 0.9) and np.allclose(np.abs(white).max(1), 0.9)
    fd = [logmel_frechet(x, kit, SR) for x in (held, bursts, white)]
    assert fd[0] < fd[1] < fd[2], fd
    er = clip_embedding(kit, SR)
    assert 0.7 < diversity_ratio(er, clip_embedding(held, SR)) < 1.3
