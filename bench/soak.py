"""Soak: stream to a JACK dummy server, press pads and train `tiny` in its child process (as the
app does) for a long time (10 minutes by default); report underruns and how the memory of both
processes grows. Prints JSON.

    python bench/soak.py [--minutes 10]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--sample-s", type=float, default=10.0, help="seconds between memory samples")
    a = ap.parse_args()
    import os

    from ganstudio.audio.jack import jack_output_device, realtime_allowed, start_dummy, stop_dummy
    from ganstudio.audio.studio import Studio
    from ganstudio.data import Dataset, ImportSettings
    from ganstudio.library import render_kit
    from ganstudio.library.demo_model import load_demo_model
    from ganstudio.training import model_config_for, recipe
    from ganstudio.training.subprocess import TrainerProcess

    rt = realtime_allowed()
    jack = start_dummy(48000, 256, realtime=rt)
    try:
        studio = Studio(load_demo_model(), device=jack_output_device())
        studio.start()
        studio.set_texture(True, 0.2)
        ds = Dataset.from_arrays(render_kit(per_class=12), ImportSettings())
        steps = {"n": 0}
        tp = TrainerProcess(ds, tempfile.mkdtemp(), model_config_for(ds, "tiny", False),
                            recipe("tiny", snapshot_every=25, checkpoint_every=200),
                            progress_fn=lambda p: steps.__setitem__("n", p.step),
                            snapshot_fn=studio.submit_snapshot)
        tp.start()
        t0 = time.monotonic()
        end = t0 + a.minutes * 60
        samples, next_sample, next_pad, pad = [], t0, t0, 0
        scratch = np.zeros((studio.engine.scope.capacity, 2), np.float32)
        while time.monotonic() < end and tp.running:
            now = time.monotonic()
            if now >= next_pad:
                studio.trigger(pad % 16)
                pad, next_pad = pad + 1, now + 0.25
            if now >= next_sample:
                samples.append((round(now - t0, 1), rss_mb(os.getpid()), rss_mb(tp._proc.pid or 0)))
                next_sample = now + a.sample_s
            n = studio.engine.scope.available()          # drain the scope as the views would
            studio.engine.scope.read_into(scratch[:n])
            time.sleep(0.02)
        stats = studio.engine.timing_stats()
        tp.stop()
        tp.join(120)
        studio.close()
    finally:
        stop_dummy(jack)
    s = np.array(samples)
    warm = s[s[:, 0] >= 60] if (s[:, 0] >= 60).sum() >= 2 else s   # after a minute of warm-up
    minutes = max((warm[-1, 0] - warm[0, 0]) / 60, 1e-9)
    report = {"minutes": a.minutes, "jack_realtime": rt, "train_steps": steps["n"],
              "snapshots_heard": studio.worker.snapshots, "pads_pressed": pad, "train_error": tp.error,
              **stats, "texture_underruns": studio.engine.texture.underruns,
              "rss_mb_app": {"start": s[0, 1], "after_warmup": warm[0, 1], "end": s[-1, 1], "max": float(s[:, 1].max())},
              "rss_mb_trainer": {"start": s[0, 2], "after_warmup": warm[0, 2], "end": s[-1, 2],
                                 "max": float(np.nanmax(s[:, 2]))},
              "growth_mb_per_min_after_warmup": {"app": round(float((warm[-1, 1] - warm[0, 1]) / minutes), 3),
                                                 "trainer": round(float((warm[-1, 2] - warm[0, 2]) / minutes), 3)}}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
