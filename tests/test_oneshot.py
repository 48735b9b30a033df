"""Clean one-shots: onset-aligned with a 1 ms fade-in, ending in true silence where the sound has
decayed, judged as shared/tools/stem_hygiene.py judges a stem."""
import numpy as np
import pytest

from ganstudio.dsp.oneshot import clean_oneshot, oneshot_bounds

SR = 48000


def db(x):
    return 20 * np.log10(max(float(x), 1e-12))


def hit(rng, late_s=0.15, floor_db=None, crackle=True, tau=0.025):
    """A 180 Hz tone decaying with time constant ``tau`` (s) that starts ``late_s`` into a 1 s
    clip on a non-zero sample, with sparse crackle after it has decayed 60 dB, over an optional
    hiss floor."""
    n = SR
    x = np.zeros(n, np.float32)
    t = np.arange(int(0.6 * SR)) / SR
    body = 0.9 * np.sin(2 * np.pi * 180 * t + 1.0) * np.exp(-t / tau)
    start = int(late_s * SR)
    x[start:start + len(body)] = body[: n - start]
    if crackle:                 # bursts of crackle at -30 dBFS long after the sound decayed
        for at in (0.45, 0.62, 0.845):
            i = start + int(at * SR)
            x[i:i + 200] = (10 ** (-30 / 20) * rng.standard_normal(200)).astype(np.float32)[: max(0, n - i)]
    if floor_db is not None:
        x += (10 ** (floor_db / 20) * rng.standard_normal(n)).astype(np.float32)
    return x


def judge(y):
    a = np.abs(y)
    pk = a.max()
    on = int(np.argmax(a > pk * 10 ** (-30 / 20)))
    w = int(0.005 * SR)
    env = np.convolve(a, np.ones(w) / w, "same")
    below = np.where(env[on:] < pk * 10 ** (-60 / 20))[0]
    end = on + (int(below[0]) if len(below) else len(env) - on)
    after = env[end + int(0.02 * SR):]
    return {"click": db(a[0]) > -60, "late_ms": 1000 * on / SR,
            "resurgence": bool(len(after)) and float(after.max()) > pk * 10 ** (-45 / 20),
            "unclean_end": db(a[-int(0.01 * SR):].max()) > -70, "len_s": len(y) / SR}


def test_a_late_hit_with_a_crackling_tail_becomes_a_clean_one_shot():
    x = hit(np.random.default_rng(0))
    before, after = judge(x), judge(clean_oneshot(x, SR))
    assert not before["click"] and before["late_ms"] > 100 and before["resurgence"] and before["unclean_end"]
    assert not after["click"] and after["late_ms"] <= 2 and not after["resurgence"] and not after["unclean_end"]
    assert 0.15 < after["len_s"] < 0.3           # the sound's length (25 ms decay: -80 dB after 0.22 s), not 1 s
    y = clean_oneshot(x, SR)
    assert y[0] == 0.0 and np.all(y[-int(0.01 * SR):] == 0.0)
    np.testing.assert_allclose(y[int(0.002 * SR):int(0.05 * SR)],                       # the body untouched
                               x[int(0.15 * SR) + int(0.001 * SR):int(0.15 * SR) + int(0.049 * SR)], atol=1e-6)


def slow_decay(crackle_at_s=None):
    """:func:`hit` from the first sample with a 50 ms time constant: its 5 ms envelope is 60 dB
    under the peak after 0.32 s and 80 dB under it after 0.44 s; optional crackle 40 dB under the
    peak at ``crackle_at_s``, between those two points."""
    x = hit(None, late_s=0.0, crackle=False, tau=0.05)
    if crackle_at_s is not None:
        i = int(crackle_at_s * SR)
        x[i:i + 200] += (0.009 * np.random.default_rng(3).standard_normal(200)).astype(np.float32)
    return x


def test_a_clean_decay_keeps_its_tail_down_to_80_db():
    x = slow_decay()
    y = clean_oneshot(x, SR)
    sound_s = (len(y) - int(0.01 * SR)) / SR
    assert 0.42 < sound_s < 0.46            # past the -60 dB point (0.32 s), to the -80 dB one
    # the tail between -60 and -75 dB is the sound's own, untouched (the fade starts 30 ms before the end)
    np.testing.assert_array_equal(y[int(0.33 * SR):int(0.39 * SR)], x[int(0.33 * SR):int(0.39 * SR)])
    assert not judge(y)["resurgence"] and not judge(y)["unclean_end"]
    np.testing.assert_array_equal(clean_oneshot(x, SR, tail=2), y)      # rule 2 alike on a clean decay
    old = clean_oneshot(x, SR, tail=1)      # as stems made before tail rule 2: cut at -60 dB
    assert 0.30 < (len(old) - int(0.01 * SR)) / SR < 0.34
    with pytest.raises(ValueError, match="tail rule"):
        clean_oneshot(x, SR, tail=4)


def test_a_tail_that_climbs_back_after_decaying_60_db_is_turned_down_to_its_decay():
    """Rule 3 (the default): crackle 40 dB under the peak, between the -60 and -80 dB points of a
    clean decay, is turned down under the decay's lowest point so far (+3 dB) and the stem goes
    on to the -80 dB point; rule 2 ends the stem where the crackle starts."""
    x = slow_decay(crackle_at_s=0.38)
    before, y = judge(x), clean_oneshot(x, SR)
    assert before["resurgence"] and not judge(y)["resurgence"] and not judge(y)["unclean_end"]
    assert 0.42 < (len(y) - int(0.01 * SR)) / SR < 0.46                # as the clean decay's
    clean = clean_oneshot(slow_decay(), SR)
    w = int(0.005 * SR)
    env = lambda v: np.convolve(np.abs(v), np.ones(w) / w, mode="same")[:len(clean) - int(0.05 * SR)]
    crackle = slice(int(0.38 * SR), int(0.39 * SR))
    assert env(x)[crackle].max() > 10 * env(clean)[crackle].max()      # 20 dB over the decay before
    assert env(y)[crackle].max() < 2 * env(clean)[crackle].max()        # held within 6 dB of it after
    # before the crackle the sound is untouched
    np.testing.assert_array_equal(y[:int(0.37 * SR)], clean[:int(0.37 * SR)])
    cut = clean_oneshot(x, SR, tail=2)
    assert 0.36 < (len(cut) - int(0.01 * SR)) / SR < 0.38   # rule 2: ends as the crackle starts
    # a tail that wobbles (10 dB from trough to crest) as it decays is a decay, kept past -60 dB
    # (0.32 s) to where a trough first reaches -80 dB
    t = np.arange(SR) / SR
    wobble = (slow_decay() * (1 + 0.5 * np.sin(2 * np.pi * 12 * t))).astype(np.float32)
    for tail in (2, 3):
        assert (len(clean_oneshot(wobble, SR, tail)) - int(0.01 * SR)) / SR > 0.38


def test_rule_3_turns_a_stereo_tail_down_alike_on_both_channels():
    x = slow_decay(crackle_at_s=0.38)
    st = np.stack([x, 0.5 * x], axis=1)
    y = clean_oneshot(st, SR)
    np.testing.assert_allclose(y[:, 1], 0.5 * y[:, 0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(y[:, 0], clean_oneshot(x, SR), atol=1e-6)


def test_a_hiss_floor_is_gated_where_the_sound_meets_it():
    x = hit(np.random.default_rng(1), late_s=0.0, floor_db=-44, crackle=False)
    y = clean_oneshot(x, SR)
    assert len(y) < 0.5 * SR and not judge(y)["unclean_end"]        # no second of hiss after it


def test_sustained_sounds_and_silence_are_kept():
    rng = np.random.default_rng(2)
    swell = (np.linspace(0, 1, SR) ** 2 * rng.standard_normal(SR) * 0.3).astype(np.float32)
    start, end = oneshot_bounds(swell, SR)
    # a swell keeps its end, and of its lead-in only what lies 30 dB and more below its peak goes
    assert end == SR and np.abs(swell[:start]).max() < np.abs(swell).max() * 10 ** (-30 / 20)
    silence = np.zeros(1000, np.float32)
    assert np.array_equal(clean_oneshot(silence, SR), silence)


def test_a_batch_is_cleaned_clip_by_clip_into_its_own_length():
    from ganstudio.dsp.oneshot import clean_oneshot, clean_oneshots
    from ganstudio.library import render_kit
    kit = np.stack([v[0] for v in render_kit(per_class=1, seed=3).values()])
    out = clean_oneshots(kit, 16000)
    assert out.shape == kit.shape
    for c, o in zip(kit, out):
        y = clean_oneshot(c, 16000)[:len(c)]
        np.testing.assert_array_equal(o[:len(y)], y)
        assert not o[len(y):].any()


def test_tail_rules_2_and_3_never_end_a_sound_before_rule_1():
    """Rules 2 and 3 only keep more of a decay: on the demo model's sounds and the kit, every
    sound starts where rule 1 starts it and ends no sooner (a hiss floor over -60 dB ends it
    alike); rule 3 ends a sound more than 10 ms before rule 2 only within its hiss floor."""
    from ganstudio.dsp.oneshot import _envelope, _floor_gate, held_tail_gain
    import torch
    from ganstudio.library import render_kit
    from ganstudio.library.demo_model import load_demo_model
    g = load_demo_model().generator.eval()
    with torch.inference_mode():
        clips = list(g(torch.randn(96, g.cfg.latent_dim, generator=torch.Generator().manual_seed(0)))[:, 0].numpy())
    clips += [c for v in render_kit(per_class=2, seed=4).values() for c in v]
    # a clap: four bursts parted by 8 ms of silence, over a hiss floor 50 dB under them (so the
    # floor sets the gate, and the gaps between the bursts are dips, not an end)
    rng = np.random.default_rng(5)
    clap = (0.003 * rng.standard_normal(16000)).astype(np.float32)
    for k in range(4):
        at = 800 + k * 560
        clap[at:at + 432] = (0.9 * rng.standard_normal(432) * np.exp(-np.arange(432) / 300)).astype(np.float32)
        clap[at + 432:at + 560] = 0.0
    assert oneshot_bounds(clap, 16000, tail=2)[1] > 800 + 3 * 560      # all four bursts
    clips.append(clap)
    assert oneshot_bounds(clap * held_tail_gain(clap, 16000), 16000, tail=3)[1] > 800 + 3 * 560
    longer = floored = 0
    for c in clips:
        (s1, e1), (s2, e2) = oneshot_bounds(c, 16000, tail=1), oneshot_bounds(c, 16000, tail=2)
        s3, e3 = oneshot_bounds(c * held_tail_gain(c, 16000), 16000, tail=3)
        assert s1 == s2 == s3 and e1 <= e2 and e1 <= e3
        # rule 3 ends a sound more than 10 ms before rule 2 only where it has met its own hiss
        # floor (crests over the floor gate turned down): there it is within 6 dB of that gate
        if e3 < e2 - int(0.01 * 16000):
            env = _envelope(np.abs(c), 16000)
            assert 0 < _floor_gate(env) and env[e3] < 2 * _floor_gate(env)
            floored += 1
        longer += e2 > e1
    assert longer > len(clips) // 4 and floored < len(clips) // 10
