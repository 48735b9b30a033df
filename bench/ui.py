"""Frames per second of the studio's views and the GUI event latency while audio streams on a
JACK dummy server and pads play: first idle, then while the `tiny` preset trains from the panel
(in its child process). Prints JSON with both phases and their ratio.

    QT_QPA_PLATFORM=offscreen python bench/ui.py --seconds 30
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def measure(ctl, app, seconds: float) -> dict:
    from PySide6 import QtCore
    ticks, lat = [], []
    orig = ctl.tick

    def tick():
        orig()
        ticks.append(time.perf_counter())
    ctl.timer.timeout.disconnect()
    ctl.timer.timeout.connect(tick)
    end = time.monotonic() + seconds
    next_probe = next_pad = time.monotonic()
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_probe:       # an event posted now: how long until the GUI thread runs it?
            t0 = time.perf_counter()
            QtCore.QTimer.singleShot(0, lambda t0=t0: lat.append(time.perf_counter() - t0))
            next_probe = now + 0.05
        if now >= next_pad:
            ctl.play(int(now * 3) % 16)
            next_pad = now + 0.3
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.002)
    ctl.timer.timeout.disconnect()
    ctl.timer.timeout.connect(orig)
    iv = np.diff(ticks)
    lat_ms = np.array(lat) * 1000
    return {"fps": round(len(iv) / float(iv.sum()), 1) if len(iv) else 0.0,
            "frame_interval_ms_p99": round(float(np.percentile(iv * 1000, 99)), 2) if len(iv) else None,
            "event_latency_ms_p50": round(float(np.percentile(lat_ms, 50)), 2),
            "event_latency_ms_p99": round(float(np.percentile(lat_ms, 99)), 2),
            "underruns": ctl.studio.engine.underruns}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    a = ap.parse_args()
    from PySide6 import QtCore, QtWidgets

    from ganstudio.audio.jack import jack_output_device, realtime_allowed, start_dummy, stop_dummy
    from ganstudio.library import write_kit
    from ganstudio.ui import theme
    from ganstudio.ui.controller import Controller
    app = QtWidgets.QApplication(sys.argv[:1])
    theme.apply(app)
    rt = realtime_allowed()
    jack = start_dummy(48000, 256, realtime=rt)
    tmp = Path(tempfile.mkdtemp())
    try:
        settings = QtCore.QSettings(str(tmp / "s.ini"), QtCore.QSettings.Format.IniFormat)
        ctl = Controller(settings=settings, device=jack_output_device(), midi=False)
        ctl.w.show()
        ctl.studio.worker.wait_idle(20)
        idle = measure(ctl, app, a.seconds)
        ctl.import_dataset(str(write_kit(tmp / "kit", per_class=12)))
        while ctl.dataset is None:
            app.processEvents()
            time.sleep(0.01)
        ctl.w.training.out.setText(str(tmp / "model"))
        ctl.w.training.minutes.setValue(0)
        ctl.start_training()
        time.sleep(3)                  # past the child's start-up
        ctl.studio.engine.underruns = 0
        training = measure(ctl, app, a.seconds)
        snapshots = ctl.studio.worker.snapshots
        ctl.stop_training()
        ctl.shutdown()
    finally:
        stop_dummy(jack)
    print(json.dumps({"seconds": a.seconds, "jack_realtime": rt, "idle": idle, "training": training,
                      "snapshots_heard": snapshots,
                      "fps_ratio_training_vs_idle": round(training["fps"] / idle["fps"], 3)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
