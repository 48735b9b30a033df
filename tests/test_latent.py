import numpy as np

from ganstudio.models.latent import mutate, random_latent, slerp


def test_mutate_amount_controls_distance_and_keeps_scale():
    rng = np.random.default_rng(0)
    z = random_latent(100, rng)
    assert np.array_equal(mutate(z, 0.0, rng), z)
    near = [np.linalg.norm(mutate(z, 0.1, rng) - z) for _ in range(50)]
    far = [np.linalg.norm(mutate(z, 0.8, rng) - z) for _ in range(50)]
    assert np.mean(near) < np.mean(far) / 4
    norms = [np.linalg.norm(mutate(z, 0.5, rng)) for _ in range(200)]
    assert abs(np.mean(norms) - 10) < 1.0          # sqrt(100): still on the typical shell


def test_slerp_ends_and_midpoint():
    rng = np.random.default_rng(1)
    a, b = random_latent(100, rng), random_latent(100, rng)
    np.testing.assert_allclose(slerp(a, b, 0.0), a, atol=1e-5)
    np.testing.assert_allclose(slerp(a, b, 1.0), b, atol=1e-5)
    mid = slerp(a, b, 0.5)
    lerp = (a + b) / 2
    assert np.linalg.norm(mid) > np.linalg.norm(lerp)   # no dip in norm through the middle
    np.testing.assert_allclose(slerp(a, a, 0.3), a, atol=1e-6)
