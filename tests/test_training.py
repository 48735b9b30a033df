import threading
import time

import numpy as np
import pytest
import torch

from ganstudio.models import preset
from ganstudio.models.modelfile import load_model
from ganstudio.training import (CheckpointError, TrainControl, Trainer, TrainingDiverged, load_state,
                                model_config_for, recipe)
from ganstudio.training import gan_step as step_mod
from ganstudio.training.augment import augment, auto_probability


def small(dataset, **kw):
    """A tiny model (d=4) and a fast recipe for tests."""
    tc = recipe("tiny", **{"batch_size": 6, "n_critic": 2, "checkpoint_every": 1000, "snapshot_every": 2,
                           "max_steps": 4, **kw})
    mc = model_config_for(dataset, "tiny", tc.conditional, model_dim=4, d_model_dim=4)
    return mc, tc


def test_short_real_training_writes_a_loadable_model(small_dataset, tmp_path):
    events = []
    mc, tc = small(small_dataset)
    result = Trainer(small_dataset, tmp_path / "m", mc, tc, progress_fn=events.append).run()
    assert result.step == 4 and not result.stopped and result.rollbacks == 0
    kinds = [e.event for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("step") == 4
    step = [e for e in events if e.event == "step"][-1]
    assert step.steps_per_s > 0 and step.eta_s == 0
    assert {"d/loss", "d/adv", "g/loss", "d/real", "d/fake"} <= set(step.losses)
    # tiny's waveform generator matches the folder's levels and keeps decayed tails down even
    # without classes (run 28)
    assert mc.num_classes == 0 and mc.upsample != "istft" and {"g/mel", "g/decay"} <= set(step.losses)
    m = load_model(tmp_path / "m")
    assert m.meta["training"]["step"] == 4 and m.meta["data"]["clips"] == len(small_dataset)
    assert load_state(tmp_path / "m").step == 4


def test_resume_is_identical_to_an_uninterrupted_run(small_dataset, tmp_path):
    mc, tc = small(small_dataset, max_steps=6)
    Trainer(small_dataset, tmp_path / "full", mc, tc).run()
    mc, tc3 = small(small_dataset, max_steps=3)
    Trainer(small_dataset, tmp_path / "split", mc, tc3).run()
    starts = []
    r = Trainer(small_dataset, tmp_path / "split", mc, tc,
                progress_fn=lambda p: p.event == "start" and starts.append(p.step)).run()
    assert starts == [3] and r.step == 6
    full, split = load_state(tmp_path / "full"), load_state(tmp_path / "split")
    for key in full.generator:
        torch.testing.assert_close(full.generator[key], split.generator[key])
        torch.testing.assert_close(full.generator_ema[key], split.generator_ema[key])
    for key in full.discriminator:
        torch.testing.assert_close(full.discriminator[key], split.discriminator[key])


def test_resume_with_other_settings_is_refused(small_dataset, tmp_path):
    mc, tc = small(small_dataset, max_steps=1)
    Trainer(small_dataset, tmp_path / "m", mc, tc).run()
    other = model_config_for(small_dataset, "tiny", False, model_dim=8, d_model_dim=8)
    with pytest.raises(CheckpointError, match="other model settings") as got:
        Trainer(small_dataset, tmp_path / "m", other, tc).run()
    assert "classes" not in str(got.value)
    # "Learn classes" turned on since: the error says that the classes are what differ
    conditional = model_config_for(small_dataset, "tiny", True, **{k: getattr(mc, k) for k in ("model_dim", "d_model_dim")})
    with pytest.raises(CheckpointError, match=r"it learnt no classes, this run would learn 6 classes \(clap, "):
        Trainer(small_dataset, tmp_path / "m", conditional, tc).run()
    # --fresh (resume=False) starts again at step 0
    r = Trainer(small_dataset, tmp_path / "m", other, tc, resume=False).run()
    assert r.step == 1


def test_stop_pause_and_abort(small_dataset, tmp_path):
    control = TrainControl()

    def on_progress(p):
        if p.event == "step" and p.step == 2:
            control.stop()
    mc, tc = small(small_dataset, max_steps=50)
    r = Trainer(small_dataset, tmp_path / "a", mc, tc, progress_fn=on_progress, control=control).run()
    assert r.stopped and r.step == 2 and load_state(tmp_path / "a").step == 2

    control, events = TrainControl(), []

    def pause_once(p):
        events.append(p.event)
        if p.event == "step" and p.step == 1:
            control.pause()
            threading.Timer(0.3, control.resume).start()
    mc, tc = small(small_dataset, max_steps=3)
    r = Trainer(small_dataset, tmp_path / "b", mc, tc, progress_fn=pause_once, control=control).run()
    assert "paused" in events and r.step == 3 and not r.stopped

    r = Trainer(small_dataset, tmp_path / "c", mc, tc, abort_fn=lambda: True).run()
    assert r.stopped and r.step == 0


def test_time_limit(small_dataset, tmp_path):
    mc, tc = small(small_dataset, max_steps=0, max_minutes=0.02)
    r = Trainer(small_dataset, tmp_path / "m", mc, tc).run()
    assert r.step > 0 and 1.2 <= r.elapsed_s < 20


def test_nan_rolls_back_to_last_checkpoint(small_dataset, tmp_path, monkeypatch):
    real_g_loss, calls = step_mod.g_loss, {"n": 0}

    def g_loss_nan_once(kind, score):
        calls["n"] += 1
        out = real_g_loss(kind, score)
        if calls["n"] == 3:
            out["g/loss"] = out["g/loss"] * float("nan")
        return out
    monkeypatch.setattr(step_mod, "g_loss", g_loss_nan_once)
    events = []
    mc, tc = small(small_dataset, max_steps=4, checkpoint_every=1)
    walls = []

    def progress(p):
        events.append(p)
        walls.append(time.monotonic())
        if p.event == "step" and p.step <= 2:
            time.sleep(0.4)          # so the checkpoint at step 2 holds a clearly non-zero clock
    t = Trainer(small_dataset, tmp_path / "m", mc, tc, progress_fn=progress)
    r = t.run()
    for e, w in zip(events, walls):
        # the training clock never runs ahead of the wall clock, also after the rollback
        assert e.elapsed_s - events[0].elapsed_s <= (w - walls[0]) + 0.1, e.event
    rollbacks = [e for e in events if e.event == "rollback"]
    assert len(rollbacks) == 1 and "rolled back to step 2" in rollbacks[0].message
    assert r.rollbacks == 1 and r.step == 4
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(tc.lr_g / 2)
    state = load_state(tmp_path / "m")
    assert all(torch.isfinite(v).all() for v in state.generator.values())


def test_persistent_divergence_gives_up_with_a_clear_error(small_dataset, tmp_path, monkeypatch):
    monkeypatch.setattr(step_mod, "d_loss", lambda kind, r, f: {"d/adv": (r.mean() - f.mean()) * float("inf")})
    mc, tc = small(small_dataset, max_rollbacks=2)
    with pytest.raises(TrainingDiverged, match="diverged 3 times"):
        Trainer(small_dataset, tmp_path / "m", mc, tc).run()


def test_snapshots_are_frozen_cpu_copies(small_dataset, tmp_path):
    snaps = []
    mc, tc = small(small_dataset, max_steps=4)
    Trainer(small_dataset, tmp_path / "m", mc, tc, snapshot_fn=lambda g, s: snaps.append((g, s))).run()
    assert [s for _, s in snaps] == [2, 4, 4]
    g = snaps[0][0]
    assert not g.training and not any(p.requires_grad for p in g.parameters())
    assert next(g.parameters()).device.type == "cpu"
    assert not torch.equal(next(snaps[0][0].parameters()), next(snaps[1][0].parameters()))


@pytest.mark.parametrize("loss,extra", [("hinge", {"r1_gamma": 1.0, "r1_every": 1}),
                                        ("ns", {"r1_gamma": 0.5}), ("wgan-gp", {"grad_clip": 1.0})])
def test_every_loss_trains(small_dataset, tmp_path, loss, extra):
    events = []
    mc, tc = small(small_dataset, loss=loss, max_steps=2, **extra)
    Trainer(small_dataset, tmp_path / "m", mc, tc, progress_fn=events.append).run()
    steps = [e.losses for e in events if e.event == "step"]
    assert all(np.isfinite(v) for losses in steps for v in losses.values())
    assert ("d/gp" in steps[0]) == (loss == "wgan-gp")
    if extra.get("r1_gamma"):
        assert "d/r1" in steps[0]   # lazy R1 runs on the first D step


def test_conditional_training(small_dataset, tmp_path):
    mc, tc = small(small_dataset, conditional=True, max_steps=2)
    assert mc.class_names == tuple(small_dataset.class_names)
    Trainer(small_dataset, tmp_path / "m", mc, tc).run()
    assert load_model(tmp_path / "m").config.num_classes == len(small_dataset.class_names)


def test_class_balance_draws_every_class_equally_and_resumes_exactly(small_dataset, tmp_path):
    """Issue 13 (data): with class_balance 1 a rare class is drawn as often as a common one, for
    the real batches and the labels the generator is asked for alike; 0 keeps the folder's shares."""
    labels = torch.tensor([0] * 15 + [1] * 245 + [2] * 40)
    for balance, want in ((1.0, [1 / 3] * 3), (0.0, [15 / 300, 245 / 300, 40 / 300])):
        w = step_mod.class_weights(labels, 3, balance)
        drawn = labels[torch.multinomial(w, 60000, replacement=True, generator=torch.Generator().manual_seed(0))]
        np.testing.assert_allclose(torch.bincount(drawn, minlength=3).numpy() / 60000, want, atol=0.01)
    with pytest.raises(ValueError, match="class_balance"):
        recipe("tiny", class_balance=1.5)
    with pytest.raises(ValueError, match="class_balance"):
        recipe("tiny", class_balance=True)
    # a folder whose first class is rare: the trainer draws it about as often as the others
    keep = np.flatnonzero(small_dataset.labels != 0)
    rare = np.flatnonzero(small_dataset.labels == 0)[:1]
    lopsided = small_dataset.subset(np.concatenate([rare, keep]))
    mc, tc = small(lopsided, conditional=True, class_balance=1.0, max_steps=4)
    lab = torch.from_numpy(lopsided.labels)
    w = step_mod.class_weights(lab, mc.num_classes, 1.0)
    seen = lab[torch.multinomial(w, 20000, replacement=True, generator=torch.Generator().manual_seed(1))]
    share = float((seen == 0).float().mean())
    assert abs(share - 1 / mc.num_classes) < 0.02, share           # 1 clip of its class, not 1 in 30
    # a balanced run trains with finite losses and resumes as if it had not stopped
    steps = []
    Trainer(lopsided, tmp_path / "full", mc, tc, progress_fn=lambda p: p.event == "step" and steps.append(p.losses)).run()
    assert steps and all(np.isfinite(v) for losses in steps for v in losses.values())
    _, tc2 = small(lopsided, conditional=True, class_balance=1.0, max_steps=2)
    Trainer(lopsided, tmp_path / "split", mc, tc2).run()
    Trainer(lopsided, tmp_path / "split", mc, tc).run()
    full, split = load_state(tmp_path / "full"), load_state(tmp_path / "split")
    for key in full.generator:
        torch.testing.assert_close(full.generator[key], split.generator[key])
    # the trainer draws by the weights: the same run with the folder's proportions ends elsewhere
    _, tc0 = small(lopsided, conditional=True, max_steps=4)
    Trainer(lopsided, tmp_path / "plain", mc, tc0).run()
    plain = load_state(tmp_path / "plain")
    assert any(not torch.equal(full.generator[k], plain.generator[k]) for k in full.generator)


def test_augment_is_differentiable_and_bounded_in_effect():
    x = torch.randn(16, 1, 1000, requires_grad=True)
    y = augment(x, 1.0)
    y.sum().backward()
    assert y.shape == x.shape and x.grad is not None and torch.isfinite(x.grad).all()
    assert torch.equal(augment(x, 0.0), x)
    assert auto_probability(20) > auto_probability(1000) > auto_probability(10000) == 0.0


def test_adaptive_augmentation_follows_the_overfitting_heuristic():
    from ganstudio.training.augment import AdaptiveProbability
    ada = AdaptiveProbability(0.2, target=0.6, interval=4, ramp_steps=100, p_max=0.8)
    for step in range(1, 9):                # D sure of every real clip: r_t = 1 > 0.6
        ada.observe(torch.ones(16, 2))
        ada.step(step)
    assert ada.r_t == 1.0 and ada.p == pytest.approx(0.2 + 2 * 4 / 100)
    for step in range(9, 1000):
        ada.observe(torch.ones(16, 2))
        ada.step(step)
    assert ada.p == 0.8                     # capped where augmentations could leak
    saved = ada.state()
    for step in range(1000, 1600):          # D no longer separates: r_t = 0 < 0.6
        ada.observe(torch.tensor([1.0, -1.0]))
        ada.step(step)
    assert ada.r_t == 0.0 and ada.p == 0.0
    ada.load(saved)
    assert ada.p == 0.8


def test_training_reports_and_checkpoints_the_adaptive_probability(small_dataset, tmp_path):
    events = []
    mc, tc = small(small_dataset, max_steps=8)
    assert tc.augment_target == 0.6
    Trainer(small_dataset, tmp_path / "m", mc, tc, progress_fn=events.append).run()
    ps = [e.losses["aug/p"] for e in events if e.event == "step"]
    start = auto_probability(len(small_dataset))
    assert len(ps) == 8 and ps[0] == pytest.approx(start)
    # after steps 4 and 8 it moves by one ramp step (4 / 500), up or down: the two can cancel out,
    # so each move is checked, not the end
    moves = np.abs(np.diff([start] + ps))      # moves[3] is step 4's report
    assert list(np.flatnonzero(moves > 1e-6)) == [3, 7]
    assert moves[[3, 7]] == pytest.approx(4 / 500, abs=1e-6)
    st = load_state(tmp_path / "m")
    assert st.info["ada"]["p"] == pytest.approx(ps[-1]) and st.info["augment_p"] == pytest.approx(ps[-1])
    assert load_model(tmp_path / "m").meta["training"]["augment_p"] == pytest.approx(ps[-1], abs=1e-4)


def test_bf16_mixed_precision_trains_and_exports_float32(small_dataset, tmp_path):
    from ganstudio.training.precision import autocast_dtype
    cpu = torch.device("cpu")
    assert autocast_dtype("fp32", cpu) is None and autocast_dtype("bf16", cpu) is torch.bfloat16
    assert recipe("wavegan").precision == "fp32"           # the paper's reference stays as it was
    events = []
    mc, tc = small(small_dataset, precision="bf16", max_steps=3)
    Trainer(small_dataset, tmp_path / "m", mc, tc, progress_fn=events.append).run()
    assert "bfloat16" in events[0].message
    assert all(np.isfinite(list(e.losses.values())).all() for e in events if e.event == "step")
    m = load_model(tmp_path / "m")
    assert m.meta["training"]["precision"] == "bfloat16"
    assert all(t.dtype == torch.float32 for t in m.generator.state_dict().values())


def test_the_eta_of_a_resumed_run_counts_this_run_only(small_dataset, tmp_path):
    """A resumed model has minutes of training behind it; a 10-minute limit still means 10 more."""
    import json
    from ganstudio.training.checkpoint import load_state, save_state
    mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4)
    Trainer(small_dataset, tmp_path / "m", mc, recipe("tiny", batch_size=4, max_steps=1)).run()
    st = load_state(tmp_path / "m")
    st.info["elapsed_s"] = 3600.0                    # an hour of earlier training
    save_state(tmp_path / "m", st)
    etas, control = [], TrainControl()

    def progress(p):
        if p.event == "step":
            etas.append((p.eta_s, p.elapsed_s))
            if len(etas) == 2:
                control.stop()
    Trainer(small_dataset, tmp_path / "m", mc, recipe("tiny", batch_size=4, max_minutes=10),
            progress_fn=progress, control=control).run()
    assert len(etas) == 2 and all(eta > 500 and elapsed >= 3600 for eta, elapsed in etas), etas
    assert json.loads((tmp_path / "m" / "config.json").read_text())["training"]["step"] == 3


def test_training_can_start_from_a_model_and_its_discriminator(small_dataset, tmp_path):
    """Transfer: a run started from a base takes every weight that fits (both nets when the base
    keeps a training state); layers that don't fit (another clip length) start fresh."""
    base = tmp_path / "base"
    Trainer(small_dataset, base, preset("tiny", clip_length=8000), recipe("tiny", max_steps=2)).run()
    t = Trainer(small_dataset, tmp_path / "b", preset("tiny", clip_length=8000),
                recipe("tiny", max_steps=1, init_from=str(base)))
    t._build()
    st = load_state(base)
    for k, v in st.generator_ema.items():           # the base model file holds its EMA generator
        assert torch.equal(t.G.state_dict()[k], v), k
    for k, v in st.discriminator.items():
        assert torch.equal(t.D.state_dict()[k], v), k
    assert all(torch.equal(a, b) for a, b in zip(t.G_ema.parameters(), t.G.parameters()))
    # the demo model (16 384 samples) into a model of 8 000: what fits is copied, the rest is fresh
    from ganstudio.library.demo_model import demo_model_path
    demo = load_model(demo_model_path()).generator.state_dict()
    t2 = Trainer(small_dataset, tmp_path / "c", preset("tiny", clip_length=8000),
                 recipe("tiny", max_steps=1, init_from=str(demo_model_path())))
    t2._build()
    own = t2.G.state_dict()
    same = [k for k in own if k in demo and own[k].shape == demo[k].shape]
    assert same and all(torch.equal(own[k], demo[k]) for k in same)
    assert t2.run().step == 1


def test_the_quality_line_reads_about_one_for_real_sounds_and_far_more_for_noise():
    import torch
    from types import SimpleNamespace

    from ganstudio.library import render_kit
    from ganstudio.training.quality import QualityProbe, describe
    kit = render_kit(per_class=24, sample_rate=16000)
    clips = np.stack([c for v in kit.values() for c in v])              # 144 one-second clips
    probe = QualityProbe(clips[::2], 16000)                               # the "training" half

    class Fixed(torch.nn.Module):
        """A stand-in generator that plays back given clips (real held-out ones, or noise)."""
        def __init__(self, audio):
            super().__init__()
            self.audio = torch.from_numpy(np.asarray(audio, np.float32))
            self.cfg = SimpleNamespace(latent_dim=8, clip_length=audio.shape[1], num_classes=0)
            self.w = torch.nn.Parameter(torch.zeros(1))
            self.i = 0

        def forward(self, z, y=None):
            out = self.audio[self.i:self.i + len(z)]
            self.i += len(z)
            return out[:, None]
    held_out = clips[1::2][np.random.default_rng(1).permutation(72)]     # a mix of every class, as a generator's
    real = probe.measure(Fixed(held_out))
    noise = probe.measure(Fixed(np.random.default_rng(0).standard_normal(held_out.shape) * 0.3))
    assert real < 3 and noise > 10 * real
    assert describe(real) in ("close to your sounds", "getting close") and describe(noise) == "noise so far"
    assert not QualityProbe(clips[:10], 16000).ready                     # too few clips to say


def test_the_trainer_reports_the_quality_line(small_dataset, tmp_path):
    events = []
    mc, tc = small(small_dataset, quality_every=2)
    Trainer(small_dataset, tmp_path / "m", mc, tc, progress_fn=events.append).run()
    lines = [e for e in events if e.event == "quality"]
    assert [e.step for e in lines] == [2, 4]
    assert all("x the data's own spread" in e.message for e in lines)
