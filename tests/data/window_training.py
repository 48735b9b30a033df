"""The studio window training from its panel, as a process a test (or bench/kill_window.py) can
SIGKILL: ``python window_training.py KIT_DIR MODEL_DIR SETTINGS.ini`` prints ``CHILD <pid>``
once the trainer child has made a step, then keeps the window running (no sound card needed)."""
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtWidgets  # noqa: E402


def main() -> int:
    kit, model, ini = sys.argv[1:4]
    app = QtWidgets.QApplication(sys.argv[:1])
    from ganstudio.ui.controller import Controller
    settings = QtCore.QSettings(ini, QtCore.QSettings.Format.IniFormat)
    ctl = Controller(settings=settings, device=999, midi=False)      # 999: no sound card, still usable
    ctl.ask = lambda *q: True
    if ctl.datasets.thread is not None:        # the window re-imports the last folder at launch
        ctl.datasets.thread.wait()
    ctl.w.dataset.seconds.setValue(0.5)
    ctl.dataset = None
    ctl.import_dataset(kit)
    told = []

    started = []

    def poll():
        if ctl.dataset is not None and not started and not ctl.datasets.importing:
            started.append(1)
            ctl.w.training.out.setText(model)
            ctl.w.training.minutes.setValue(0)
            ctl.w.training.steps.setValue(0)       # no limit: only a kill ends it
            ctl.start_training()
            ctl.training.thread.progress.connect(
                lambda p: told or (told.append(1), print("CHILD", ctl.training.thread.proc.pid, flush=True)))
    timer = QtCore.QTimer(interval=50, timeout=poll)
    timer.start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
