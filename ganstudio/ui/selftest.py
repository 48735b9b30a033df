"""``ganstudio selftest``: open the studio (offscreen works), play pads of the demo model through
the sound card and record what the stream played to a WAV. Used to smoke-test packaged builds."""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _train_briefly(ctl, app, tmp: Path, timeout_s: float) -> int | None:
    """Import the procedural kit and train from the panel until the first snapshot is heard
    (in a packaged app this proves the training child process starts); returns its step."""
    from ..library import write_kit
    ctl.import_dataset(str(write_kit(tmp / "kit", per_class=4, duration=0.5)))
    end = time.monotonic() + timeout_s
    while ctl.dataset is None and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    ctl.w.training.out.setText(str(tmp / "model"))
    ctl.w.training.steps.setValue(30)
    ctl.start_training()
    while ctl.studio.snapshot_step is None and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    step = ctl.studio.snapshot_step
    ctl.stop_training()
    return step


def run(out: str | None, device: str | None, seconds: float, train: bool = False) -> int:
    from PySide6 import QtCore, QtWidgets

    from ..export.wav import write_wav
    from . import theme
    from .controller import Controller
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    theme.apply(app)
    tmp = Path(tempfile.mkdtemp(prefix="ganstudio-selftest-"))
    settings = QtCore.QSettings(str(tmp / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    ctl = Controller(settings=settings, device=device, midi=False)
    ctl.w.show()
    ok_render = ctl.studio.worker.wait_idle(60)
    trained = _train_briefly(ctl, app, tmp, 180) if train else None
    ctl.timer.stop()                      # the recording below drains the scope instead of the views
    eng = ctl.studio.engine
    chunks, buf = [], np.zeros((eng.scope.capacity, 2), np.float32)
    end = time.monotonic() + seconds
    next_pad, pad = time.monotonic() + 0.1, 0
    while time.monotonic() < end:
        if time.monotonic() >= next_pad:
            ctl.play(pad % 16)
            pad, next_pad = pad + 1, next_pad + 0.4
        n = eng.scope.available()
        eng.scope.read_into(buf[:n])
        chunks.append(buf[:n].copy())
        app.processEvents()
        time.sleep(0.01)
    played = np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)
    report = {"model": ctl.studio.model.name, "pads_rendered": bool(ok_render),
              "audio_error": ctl.studio.audio_error, "frames_played": int(len(played)),
              "peak": round(float(np.abs(played).max(initial=0.0)), 4),
              "rms": round(float(np.sqrt(np.mean(played ** 2))) if len(played) else 0.0, 5)}
    if train:
        report["training_snapshot_step"] = trained
    if out and len(played):
        write_wav(out, played, eng.sample_rate, "pcm24")
        report["wav"] = out
    ctl.shutdown()
    print(json.dumps(report))
    ok = ok_render and report["peak"] > 0.01 and not report["audio_error"] and (trained or not train)
    return 0 if ok else 1
