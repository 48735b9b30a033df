"""``ganstudio`` with no arguments: the studio window."""
from __future__ import annotations

import signal
import sys

from PySide6 import QtCore, QtWidgets

from . import theme
from ..logs import setup_logging
from .errors import ErrorReporter, log


class _App(QtWidgets.QApplication):
    pass


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    QtCore.QCoreApplication.setOrganizationName("GAN Studio")
    QtCore.QCoreApplication.setApplicationName("ganstudio")
    app = QtWidgets.QApplication.instance() or _App(argv)
    theme.apply(app)
    from PySide6 import QtGui

    from ..library.demo_model import resources_dir
    app.setWindowIcon(QtGui.QIcon(str(resources_dir() / "icons" / "ganstudio.png")))
    app.setDesktopFileName("ganstudio")
    log_path = setup_logging()
    log.info("starting; log in %s", log_path)
    _quit_on_signals(app)           # before the slow start: a Ctrl-C then quits once the loop runs
    from .controller import Controller
    boot = ErrorReporter()
    try:
        ctl = Controller()
    except Exception as exc:      # e.g. the demo model missing from a broken install
        log.exception("can't start")
        boot.show("GAN Studio can't start", f"{type(exc).__name__}: {exc}")
        return 1
    ctl.errors.install()
    app.aboutToQuit.connect(ctl.shutdown)
    ctl.w.show()
    log.info("window open")
    return app.exec()


def _quit_on_signals(app: QtWidgets.QApplication) -> QtCore.QTimer:
    """Ctrl-C in the terminal (SIGINT) or a SIGTERM quits as the window's Quit does: training stops
    with its checkpoint, the audio process ends and its shared memory is freed. Python runs a signal
    handler only between bytecodes, and Qt's event loop runs none while it waits, so a timer wakes
    the interpreter five times a second. (The audio and trainer children ignore SIGINT: the terminal
    sends it to the whole process group, and this process ends them.)"""
    def quit_(signum, _frame) -> None:
        log.info("%s: quitting", signal.Signals(signum).name)
        QtCore.QTimer.singleShot(0, app.quit)
    signal.signal(signal.SIGINT, quit_)
    signal.signal(signal.SIGTERM, quit_)
    wake = QtCore.QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(200)
    return wake
