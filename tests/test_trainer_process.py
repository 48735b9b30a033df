from ganstudio.models.modelfile import load_model
from ganstudio.training import model_config_for, recipe
from ganstudio.training.subprocess import TrainerProcess


def test_training_in_a_child_process_reports_and_sends_snapshots_and_finds_kinds(small_dataset, tmp_path):
    """A folder without subfolders, asked for classes: the child finds kinds of sound and learns
    them, and the snapshots the parent rebuilds have them too."""
    import numpy as np
    from ganstudio.data import Dataset
    flat = Dataset(small_dataset.clips, np.zeros(len(small_dataset), np.int64), ["unlabelled"],
                   small_dataset.settings, source="flat")
    tc = recipe("tiny", batch_size=4, max_steps=4, snapshot_every=2, conditional=True)
    mc = model_config_for(flat, "tiny", True, model_dim=4, d_model_dim=4)
    assert mc.num_classes == 0
    events, snaps = [], []
    tp = TrainerProcess(flat, tmp_path / "m", mc, tc, progress_fn=events.append,
                        snapshot_fn=lambda g, s: snaps.append((g, s)), threads=1, kinds=3)
    tp.start()
    tp.join(120)
    assert tp.error is None and tp.final_step == 4
    assert [e.step for e in events if e.event == "step"][-1] == 4
    said = [e.message for e in events if e.event == "kinds"]
    assert said[0] == "finding up to 3 kinds of sound in 36 clips" and said[1].startswith("learning 3 kinds"), said
    assert snaps and snaps[-1][1] == 4 and not snaps[-1][0].training
    assert snaps[-1][0].cfg.class_names == ("kind 1", "kind 2", "kind 3")
    model = load_model(tmp_path / "m")
    assert model.meta["training"]["step"] == 4 and model.config.class_names == ("kind 1", "kind 2", "kind 3")
    counts = [int(c) for c in said[1].split("(")[1].split(" clips")[0].split(", ")]
    assert sum(counts) == 36 and list(model.meta["data"]["classes"].values()) == counts


def test_hifi_training_in_the_child_trains_the_models_own_extender(small_dataset, tmp_path):
    from ganstudio.library.demo_kit import write_kit
    from ganstudio.models.extender_file import extender_for, load_extender
    folder = write_kit(tmp_path / "kit48", per_class=2, sample_rate=48000)
    tc = recipe("tiny", batch_size=4, max_steps=2, snapshot_every=2)
    mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4)
    events, exts = [], []
    tp = TrainerProcess(small_dataset, tmp_path / "m", mc, tc, progress_fn=events.append, threads=1,
                        hifi={"folder": str(folder), "rate": 48000, "steps": 3, "snapshot_every": 3},
                        extender_fn=lambda e, s: exts.append((e, s)))
    tp.start()
    tp.join(300)
    assert tp.error is None and tp.final_step == 2
    assert any(e.message.startswith("extender") for e in events)
    assert any("hifi g/rec" in e.losses for e in events if e.event == "step")
    assert exts and exts[-1][1] == 3 and exts[-1][0].sample_rate == 48000 and not exts[-1][0].net.training
    own = load_extender(tmp_path / "m" / "extender")
    assert own.meta["training"]["step"] == 3
    assert extender_for(tmp_path / "m").weights_hash == own.weights_hash


def test_child_process_stops_on_request_and_reports_errors(small_dataset, tmp_path):
    tc = recipe("tiny", batch_size=4, max_steps=10_000)
    mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4)
    tp = TrainerProcess(small_dataset, tmp_path / "m", mc, tc,
                        progress_fn=lambda p: p.step >= 2 and tp.stop(), threads=1)
    tp.start()
    tp.join(120)
    assert tp.error is None and 2 <= tp.final_step < 10_000
    other = model_config_for(small_dataset, "tiny", False, model_dim=8, d_model_dim=8)
    bad = TrainerProcess(small_dataset, tmp_path / "m", other, tc, threads=1)
    bad.start()
    bad.join(120)
    assert bad.error and "other model settings" in bad.error


def test_child_process_pauses_and_resumes(small_dataset, tmp_path):
    import time
    tc = recipe("tiny", batch_size=4, max_steps=10_000)
    mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4)
    events = []
    tp = TrainerProcess(small_dataset, tmp_path / "m", mc, tc, progress_fn=events.append, threads=1)
    tp.start()
    deadline = time.monotonic() + 60
    while not any(e.event == "step" for e in events) and time.monotonic() < deadline:
        time.sleep(0.05)
    tp.pause()
    while not any(e.event == "paused" for e in events) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(e.event == "paused" for e in events)
    step_at_pause = events[-1].step
    time.sleep(0.5)
    assert max(e.step for e in events) == step_at_pause      # no steps while paused
    tp.resume()
    while max(e.step for e in events) < step_at_pause + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    tp.stop()
    tp.join(60)
    assert tp.error is None and tp.final_step >= step_at_pause + 2


def test_sigterm_to_the_child_stops_it_with_a_checkpoint_and_no_deadlock(small_dataset, tmp_path):
    """SIGTERM (also what the kernel sends when the window dies) lands between any two bytecodes,
    perhaps while the child holds a queue's or an event's lock: it must only set a flag."""
    import os
    import signal
    import time
    from ganstudio.training.checkpoint import load_state
    tc = recipe("tiny", batch_size=4, max_steps=100_000)
    mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4)
    steps = []
    tp = TrainerProcess(small_dataset, tmp_path / "m", mc, tc, progress_fn=lambda p: steps.append(p.step), threads=1)
    tp.start()
    deadline = time.monotonic() + 300
    while len(steps) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    for _ in range(5):                  # several, at random points of the step
        os.kill(tp.pid, signal.SIGTERM)
        time.sleep(0.01)
    assert tp.join(300), "the child did not exit after SIGTERM"
    assert load_state(tmp_path / "m").step >= 1


def test_hear_now_sends_a_snapshot_while_paused_and_at_the_next_step(small_dataset, tmp_path):
    """'Hear now': a snapshot on demand, between the every-N-steps ones (here N is never reached)."""
    import time
    tc = recipe("tiny", batch_size=4, max_steps=10_000, snapshot_every=1_000_000)
    mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4)
    events, snaps = [], []
    tp = TrainerProcess(small_dataset, tmp_path / "m", mc, tc, progress_fn=events.append,
                        snapshot_fn=lambda g, s: snaps.append(s), threads=1)
    tp.start()
    deadline = time.monotonic() + 300          # only a guard against a hang: a busy machine is slow

    def wait(cond):
        while not cond() and time.monotonic() < deadline:
            time.sleep(0.05)
        return cond()
    try:
        assert wait(lambda: any(e.event == "step" for e in events))
        tp.pause()
        assert wait(lambda: any(e.event == "paused" for e in events))
        paused_at = max(e.step for e in events)
        assert snaps == []
        tp.hear_now()
        assert wait(lambda: len(snaps) == 1) and snaps[0] == paused_at
        tp.resume()
        assert wait(lambda: max(e.step for e in events) > paused_at)
        tp.hear_now()
        assert wait(lambda: len(snaps) == 2) and snaps[1] > paused_at
    finally:
        tp.stop()
        tp.join(120)
    assert tp.error is None
