import numpy as np
import pytest

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


def test_variations_scale_and_near_duplicates_are_rejected():
    from ganstudio.library import render_kit
    from ganstudio.models.variations import latent_amount, near_duplicate, pick_variations
    assert latent_amount(0) == 0 and latent_amount(1) == 1 and latent_amount(0.25) == pytest.approx(0.4)
    assert latent_amount(0.05) < latent_amount(0.25) < latent_amount(0.5) and latent_amount(7) == 1
    assert near_duplicate(0.05) < near_duplicate(0.25) == near_duplicate(0.8)
    kit = render_kit(per_class=3, seed=4)
    src = kit["kick"][0]
    cands = np.stack([src, kit["snare"][0], kit["snare"][0] * 0.999, kit["hat"][0], kit["kick"][0] + 1e-5, kit["tom"][0]])
    # the copy of the source (0, 4) and of a chosen candidate (2) go; the rest stay, in order
    assert pick_variations(src, cands, 16000, 8, scale=50.0, min_distance=0.2) == [1, 3, 5]
    assert pick_variations(src, cands, 16000, 2, scale=50.0, min_distance=0.2) == [1, 3]
    cands[3] *= 1e-3                      # a near-silent take is far from everything, and useless
    assert pick_variations(src, cands, 16000, 8, scale=50.0, min_distance=0.2) == [1, 5]
