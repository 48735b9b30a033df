"""SIGKILL the studio window while it trains, again and again: the trainer child must exit on its
own (no orphan) and the model folder must load and resume every time. Prints JSON.

    python bench/kill_window.py --kills 20
"""
from __future__ import annotations

import argparse
import json
import os
import random
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ganstudio.procs import pid_alive

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "data" / "window_training.py"


def wait_line(proc: subprocess.Popen, prefix: str, timeout: float) -> str | None:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if sel.select(timeout=0.5):
            line = proc.stdout.readline()
            if line.startswith(prefix):
                return line
    return None


def kill_once(kit: Path, model: Path, work: Path, delay: float, guard_s: float = 600.0) -> dict:
    """Start the window training into ``model``, SIGKILL it ``delay`` s after the child's first
    step, and report whether the child exited and the model folder is whole."""
    from ganstudio.models.modelfile import load_model
    from ganstudio.training.checkpoint import load_state
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GANSTUDIO_LOG_DIR": str(work / "log"),
           "GANSTUDIO_CACHE_DIR": str(work / "cache"), "GANSTUDIO_MODELS_DIR": str(work / "models")}
    proc = subprocess.Popen([sys.executable, str(SCRIPT), str(kit), str(model), str(work / "settings.ini")],
                            stdout=subprocess.PIPE, stderr=open(work / "window.log", "a"), text=True, env=env)
    line = wait_line(proc, "CHILD", guard_s)
    if line is None:
        proc.kill()
        proc.wait()
        return {"started": False}
    child = int(line.split()[1])
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    t0 = time.monotonic()
    while pid_alive(child) and time.monotonic() - t0 < guard_s:
        time.sleep(0.1)
    orphan = pid_alive(child)
    if orphan:
        os.kill(child, signal.SIGKILL)
    report = {"started": True, "delay_s": round(delay, 2), "child_exit_s": round(time.monotonic() - t0, 2),
              "orphan": orphan}
    try:
        report["model_step"] = load_model(model).meta["training"]["step"]
        report["state_step"] = load_state(model).step
        report["corrupt"] = False
    except Exception as exc:  # noqa: BLE001 - what this bench counts
        report["corrupt"], report["error"] = True, f"{type(exc).__name__}: {exc}"
    return report


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--max-delay", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    from ganstudio.library import write_kit
    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        kit = write_kit(work / "kit", per_class=4, duration=0.5)
        runs = [kill_once(kit, work / "model", work, rng.uniform(0, a.max_delay)) for _ in range(a.kills)]
    steps = [r.get("state_step") for r in runs]
    print(json.dumps({"kills": a.kills, "started": sum(r["started"] for r in runs),
                      "orphans": sum(bool(r.get("orphan")) for r in runs),
                      "corrupt": sum(bool(r.get("corrupt")) for r in runs),
                      "resumed_every_time": all(b is not None and a_ is not None and b >= a_
                                                for a_, b in zip(steps, steps[1:])),
                      "max_child_exit_s": max((r.get("child_exit_s", 0) for r in runs), default=0),
                      "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
