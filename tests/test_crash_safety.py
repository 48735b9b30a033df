"""Killing the trainer (SIGKILL) at random moments and resuming: bench/crash_resume.py, 3 kills
here (the script's default is 20)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_random_kills_lose_at_most_one_checkpoint_interval():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "crash_resume.py"), "--kills", "3", "--every", "10",
                           "--seed", "3"], capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["kills"] == 3 and report["problems"] == []
    assert 0 <= report["max_steps_lost"] <= 10
    assert report["final_model_loads"] and report["final_resume_rc"] == 0
    assert all(r["resumed_from"] == prev["checkpoint_step"]
               for prev, r in zip(report["runs"], report["runs"][1:]))


def test_a_torn_model_pair_is_healed_on_resume(small_dataset, tmp_path):
    """Killed between the model's two files: config.json and the weights disagree. The state is
    whole, and resuming writes the model again."""
    from ganstudio.models.modelfile import ModelFileError, load_model
    from ganstudio.training import Trainer, model_config_for, recipe
    mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4)
    Trainer(small_dataset, tmp_path / "m", mc, recipe("tiny", batch_size=4, max_steps=2)).run()
    cfg = tmp_path / "m" / "config.json"
    doc = json.loads(cfg.read_text())
    doc["weights_sha256"] = "f" * 64
    cfg.write_text(json.dumps(doc))
    (tmp_path / "m" / ".generator.safetensors.abc.tmp").write_bytes(b"half a file")
    try:
        load_model(tmp_path / "m")
        raise AssertionError("a torn model must not load")
    except ModelFileError as exc:
        assert "does not match the hash" in str(exc)
    Trainer(small_dataset, tmp_path / "m", mc, recipe("tiny", batch_size=4, max_steps=3)).run()
    assert load_model(tmp_path / "m").meta["training"]["step"] == 3
    assert not list((tmp_path / "m").glob(".*.tmp"))


@pytest.mark.slow
def test_killing_the_window_while_training_ends_the_child_and_the_model_resumes(tmp_path, kit_dir):
    """SIGKILL of the window process: the trainer child notices, saves and exits (no orphan), and
    the model folder loads and resumes. bench/kill_window.py does this 20 times."""
    sys.path.insert(0, str(ROOT / "bench"))
    from kill_window import kill_once
    report = kill_once(kit_dir, tmp_path / "model", tmp_path, delay=1.0)
    assert report["started"] and not report["orphan"], report
    assert not report["corrupt"] and report["state_step"] >= 1, report
    proc = subprocess.run([sys.executable, "-m", "ganstudio", "train", str(kit_dir), "--out", str(tmp_path / "model"),
                           "--length", "8000", "--steps", str(report["state_step"] + 2), "--no-cache"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "resuming from the checkpoint" in proc.stdout and f"done at step {report['state_step'] + 2}" in proc.stdout


def test_a_kill_mid_snapshot_is_cleaned_and_a_lost_snapshot_remade(small_dataset, tmp_path):
    """A numbered snapshot is written whole or not at all; what older runs left half-written is
    removed, and a kill between the state and its snapshot gets the snapshot back on resume."""
    import shutil
    from ganstudio.models.modelfile import load_model
    from ganstudio.training import Trainer, model_config_for, recipe
    mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4)
    tc = recipe("tiny", batch_size=4, max_steps=2, keep_every=2)
    Trainer(small_dataset, tmp_path / "m", mc, tc).run()
    snaps = tmp_path / "m" / "snapshots"
    assert [p.name for p in snaps.iterdir()] == ["step_0000002"]
    shutil.rmtree(snaps / "step_0000002")                      # killed before the snapshot
    (snaps / "step_0000001").mkdir()                           # an old version's half-written one
    (snaps / "step_0000001" / ".config.json.x.tmp").write_text("{")
    (snaps / ".partial-step_0000003-99").mkdir()               # killed mid-write
    (tmp_path / "m" / ".train_state.safetensors.y.tmp").write_bytes(b"half")
    Trainer(small_dataset, tmp_path / "m", mc, recipe("tiny", batch_size=4, max_steps=2, keep_every=2)).run()
    assert sorted(p.name for p in snaps.iterdir()) == ["step_0000002"]
    assert load_model(snaps / "step_0000002").meta["training"]["step"] == 2
    assert not list((tmp_path / "m").rglob("*.tmp"))


@pytest.fixture
def small_disk(tmp_path):
    """A folder on a tiny tmpfs of its own (needs root and mount), to fill up; skipped otherwise."""
    made = []

    def make(size_bytes: int) -> Path:
        d = tmp_path / f"disk{len(made)}"
        d.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(d)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"can't mount a small tmpfs here ({r.stderr.strip() or 'mount failed'})")
        made.append(d)
        return d
    yield make
    for d in made:
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def test_a_full_disk_during_a_checkpoint_keeps_the_last_one(small_dataset, tmp_path, small_disk):
    from ganstudio.models.modelfile import load_model
    from ganstudio.training import Trainer, model_config_for, recipe
    from ganstudio.training.checkpoint import STATE_FILE, load_state
    mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4)
    Trainer(small_dataset, tmp_path / "probe", mc, recipe("tiny", batch_size=4, max_steps=1)).run()
    state = (tmp_path / "probe" / STATE_FILE).stat().st_size
    model = sum(p.stat().st_size for p in (tmp_path / "probe").iterdir() if p.is_file()) - state
    disk = small_disk(state + model + state // 2 + 65536)     # room for one state, not for its successor
    with pytest.raises(OSError, match="disk is full while writing train_state.safetensors"):
        Trainer(small_dataset, disk / "m", mc, recipe("tiny", batch_size=4, max_steps=50, checkpoint_every=5)).run()
    assert load_state(disk / "m").step in (0, 5)          # a whole training state, old or new
    assert not list((disk / "m").glob(".*.tmp"))
    # with room again, resuming heals the model files (one of them may hold the older step)
    subprocess.run(["mount", "-o", f"remount,size={8 * (state + model)}", str(disk)], check=True)
    Trainer(small_dataset, disk / "m", mc, recipe("tiny", batch_size=4, max_steps=7)).run()
    assert load_model(disk / "m").meta["training"]["step"] == 7


def test_a_full_disk_during_an_export_leaves_only_whole_stems(tmp_path, small_disk):
    from ganstudio.export import ExportError, ExportSettings, export_stems, random_specs
    from ganstudio.library.demo_model import load_demo_model
    model = load_demo_model()
    disk = small_disk(600_000)                 # a few 48 kHz stems, not 40
    with pytest.raises(ExportError, match="disk is full while writing"):
        export_stems(model, random_specs(model, 40, seed=1), disk, ExportSettings())
    wavs, sidecars = sorted(disk.glob("*.wav")), sorted(disk.glob("*.json"))
    assert wavs and [p.stem for p in wavs] == [p.stem for p in sidecars]
    assert not list(disk.glob(".*.tmp"))
    import soundfile as sf
    assert all(sf.info(p).frames > 0 for p in wavs)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_quits_the_window_cleanly(tmp_path, how):
    """Ctrl-C in the terminal (SIGINT to the whole process group) or a SIGTERM to the window
    quits as its Quit does: no traceback from a child, no process left, the audio process's
    shared memory freed."""
    import os
    import signal
    import time
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    shm_before = set(os.listdir("/dev/shm"))
    app = subprocess.Popen([sys.executable, "-m", "ganstudio"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        log = tmp_path / "state"
        deadline = time.monotonic() + 120      # a slow machine: wait for the window, not a fixed time
        children = []
        while time.monotonic() < deadline and app.poll() is None:
            children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(app.pid)], capture_output=True,
                                      text=True).stdout.split()
            if children and any("window open" in p.read_text(errors="replace") for p in log.rglob("*.log")):
                break
            time.sleep(0.2)
        assert app.poll() is None and children, "the window did not start"
        if how == "ctrl-c":
            os.killpg(app.pid, signal.SIGINT)
        else:
            app.send_signal(signal.SIGTERM)
        _, err = app.communicate(timeout=120)
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
    assert app.returncode == 0, err
    assert "Traceback" not in err and "leaked shared_memory" not in err, err
    def alive(pid: str) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False
    # the children end as they see the window gone (the resource tracker on its pipe's EOF)
    deadline = time.monotonic() + 30
    while any(alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in children if alive(p)]
    assert not {n for n in set(os.listdir("/dev/shm")) - shm_before if n.startswith("psm_")}
