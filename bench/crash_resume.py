"""Kill the trainer with SIGKILL at random moments and resume, again and again (20 times by
default); then check what a crash may cost: the training state must always load, at most one
checkpoint interval of steps may be lost, and every resume must go on from the last checkpoint.
A model folder torn by a kill between its two files is re-exported on resume; the JSON counts it.

    python bench/crash_resume.py [--kills 20] [--every 10] [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import sys
from ganstudio.data import ImportSettings, import_folder
from ganstudio.training import Trainer, model_config_for, recipe
kit, out, progress, every = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ds = import_folder(kit, ImportSettings(clip_length=8000), cache_dir=False)
mc = model_config_for(ds, "tiny", False, model_dim=8, d_model_dim=8)
tc = recipe("tiny", batch_size=8, checkpoint_every=every, checkpoint_minutes=1e9, max_steps=10**9)
log = open(progress, "a", buffering=1)
Trainer(ds, out, mc, tc, progress_fn=lambda p: p.event == "step" and log.write(f"{p.step}\\n")).run()
"""


def last_step(progress: Path) -> int | None:
    lines = progress.read_text().split() if progress.exists() else []
    return int(lines[-1]) if lines else None


def run(kills: int, every: int, seed: int, workdir: Path) -> dict:
    from ganstudio.library import write_kit
    from ganstudio.models.modelfile import ModelFileError, load_model
    from ganstudio.training import load_state
    rng = random.Random(seed)
    kit = write_kit(workdir / "kit", per_class=3, duration=0.5)
    out = workdir / "model"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    results, torn, stale, problems = [], 0, 0, []
    for k in range(kills):
        progress = workdir / f"progress_{k}.txt"
        before = load_state(out).step if (out / "train_state.safetensors").exists() else 0
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(kit), str(out), str(progress), str(every)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while last_step(progress) is None and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if proc.poll() is not None:
            raise RuntimeError(f"trainer exited early: {proc.stderr.read().decode()[-2000:]}")
        first = int(progress.read_text().split()[0])
        time.sleep(rng.uniform(0.0, 2.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reported = last_step(progress)
        try:
            state = load_state(out)                       # the checkpoint must always load
        except Exception as exc:
            problems.append(f"kill {k}: training state unreadable: {exc}")
            break
        try:
            load_model(out)
        except ModelFileError:
            torn += 1                                     # healed by the next resume
        stale += len(list(out.glob(".*.tmp")))
        lost = reported - state.step
        if first != before + 1:
            problems.append(f"kill {k}: resumed at step {first}, the checkpoint was at {before}")
        if lost > every:
            problems.append(f"kill {k}: lost {lost} steps, more than one interval ({every})")
        results.append({"resumed_from": before, "killed_at_step": reported, "checkpoint_step": state.step,
                        "steps_lost": lost})
    # one last resume that ends normally: the model folder is whole again
    final = subprocess.run([sys.executable, "-c", CHILD.replace("max_steps=10**9", "max_steps=1"), str(kit),
                            str(out), str(workdir / "final.txt"), str(every)], env=env,
                           capture_output=True, text=True, timeout=300)
    tc_steps = load_state(out).step
    try:
        model_ok = load_model(out).meta["training"]["step"] == tc_steps
    except ModelFileError as exc:
        model_ok, problems = False, problems + [f"after the last resume the model is unreadable: {exc}"]
    lost = [r["steps_lost"] for r in results]
    return {"kills": len(results), "checkpoint_every": every, "max_steps_lost": max(lost) if lost else None,
            "mean_steps_lost": round(sum(lost) / len(lost), 2) if lost else None,
            "torn_model_pairs_healed_on_resume": torn, "stale_temp_files_cleaned": stale,
            "final_resume_rc": final.returncode, "final_model_loads": model_ok,
            "problems": problems, "runs": results}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--every", type=int, default=10, help="steps between checkpoints")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = run(a.kills, a.every, a.seed, Path(tmp))
    print(json.dumps(report, indent=2))
    return 0 if not report["problems"] and report["final_model_loads"] else 1


if __name__ == "__main__":
    sys.exit(main())
