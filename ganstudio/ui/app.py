"""``ganstudio`` with no arguments: the studio window."""
from __future__ import annotations

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
    return app.exec()
