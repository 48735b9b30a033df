"""Killing the trainer (SIGKILL) at random moments and resuming: bench/crash_resume.py, 4 kills
here (the script's default is 20)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_random_kills_lose_at_most_one_checkpoint_interval():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "crash_resume.py"), "--kills", "4", "--every", "10",
                           "--seed", "3"], capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["kills"] == 4 and report["problems"] == []
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
