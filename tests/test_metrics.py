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


def test_the_kernel_distance_is_zero_on_the_same_sounds_and_grows_with_the_difference():
    from ganstudio.metrics import kernel_distance
    rng = np.random.default_rng(0)
    ref = rng.standard_normal((300, 12))
    same = [kernel_distance(rng.standard_normal((300, 12)), ref) for _ in range(5)]
    assert abs(np.mean(same)) < 0.05, same                 # unbiased: about 0, either side
    near, far = kernel_distance(ref[:150] + 0.5, ref[150:]), kernel_distance(ref[:150] + 2.0, ref[150:])
    assert 0.1 < near < far, (near, far)


def test_the_shape_distance_hears_a_late_onset_more_than_the_frame_statistic_does():
    """Issue 13's sharper measure: the clip's spectrum over stretches that double in length from
    its start, so a 20 ms late onset moves it clearly, while the pooled frames barely move (counted
    in the distance of noise bursts, the baseline every model must beat); real < bursts < white
    noise holds on the kit as for the frame statistic."""
    from ganstudio.metrics import noise_bursts, shape_distance, shape_embedding, white_noise
    kit = np.stack([c for clips in render_kit(per_class=16, seed=0).values() for c in clips])
    held = np.stack([c for clips in render_kit(per_class=16, seed=1).values() for c in clips])
    assert shape_embedding(kit[:3], SR).shape == (3, 128)
    late = np.zeros_like(held)
    late[:, 320:] = held[:, :-320]
    n, length = len(kit), kit.shape[1]
    bursts, white = noise_bursts(n, length, SR, seed=3), white_noise(n, length, SR, seed=3)
    shape = [shape_distance(x, kit, SR) for x in (held, late, bursts, white)]
    frame = [logmel_frechet(x, kit, SR) for x in (held, late, bursts, white)]
    assert shape[0] < shape[1] < shape[2] < shape[3], shape
    assert shape[1] - shape[0] > 3 * abs(shape[0]), shape            # well outside real-vs-real
    in_bursts = [(m[1] - m[0]) / (m[2] - m[0]) for m in (shape, frame)]
    assert in_bursts[0] > 2 * in_bursts[1], in_bursts


def test_band_range_is_wide_for_a_kick_and_narrow_once_noise_fills_its_empty_bands():
    from ganstudio.metrics.spectrum import band_range_db
    rate = 16000
    t = np.arange(8000) / rate
    kick = (np.sin(2 * np.pi * 60 * t) * np.exp(-t / 0.15) * np.minimum(1.0, t / 0.01)).astype(np.float32)
    noisy = kick + 1e-3 * np.random.default_rng(0).standard_normal(len(t)).astype(np.float32) * np.exp(-t / 0.15)
    white = np.random.default_rng(1).standard_normal(len(t)).astype(np.float32) * 0.3
    wide, filled, flat = band_range_db(np.stack([kick, noisy, white]), rate)
    assert wide > 35 and flat < 10
    assert flat < filled < wide - 10


def test_buzz_reads_a_pattern_repeating_every_256_samples_and_not_noise_or_a_kick():
    from ganstudio.metrics.spectrum import buzz_db
    rate, n = 16000, 16384
    rng = np.random.default_rng(0)
    t = np.arange(n) / rate
    decay = np.exp(-t / 0.1)
    bursts = (rng.standard_normal((8, n)) * decay).astype(np.float32)
    kicks = np.stack([np.sin(2 * np.pi * f * t) * decay for f in (47.0, 55.0, 71.0, 90.0)]).astype(np.float32)
    # a 256-sample pattern 10 dB under the burst, fading slower than it (as it lingers in a
    # generated tail): what a stride-4 layer leaves; 20 dB under and as short as the burst reads ~1 dB
    pattern = np.tile(rng.standard_normal(256), n // 256)
    buzzing = bursts + 0.3 * (pattern * np.exp(-t / 0.3)).astype(np.float32)
    assert abs(buzz_db(bursts, rate)) < 3 and abs(buzz_db(kicks, rate)) < 3
    assert buzz_db(buzzing, rate) > 10
