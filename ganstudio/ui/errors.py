"""One error dialog at a time, a rotating log file, and no crash to the desktop: uncaught
exceptions in the GUI thread are logged and shown instead of ending the app."""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path

from PySide6 import QtWidgets

log = logging.getLogger("ganstudio")


def log_dir() -> Path:
    env = os.environ.get("GANSTUDIO_LOG_DIR")
    if env:
        return Path(env)
    from platformdirs import user_log_dir
    return Path(user_log_dir("ganstudio"))


def setup_logging() -> Path:
    """Log to ``ganstudio.log`` in the user log folder (1 MB, 3 backups) and to stderr."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ganstudio.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("ganstudio")
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


class ErrorReporter:
    """Shows errors in a dialog; while one is open, further errors go to the log and the status bar."""

    def __init__(self, parent=None):
        self.parent = parent
        self.showing = False
        self.shown = 0
        self.suppressed = 0

    def show(self, title: str, message: str) -> None:
        log.error("%s: %s", title, message)
        if self.showing:
            self.suppressed += 1
            if self.parent is not None:
                self.parent.statusBar().showMessage(f"{title}: {message}", 10000)
            return
        self.showing = True
        self.shown += 1
        try:
            box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, title, message,
                                        QtWidgets.QMessageBox.StandardButton.Ok, self.parent)
            self.box = box
            box.exec()
        finally:
            self.showing = False
            self.box = None

    def excepthook(self, exc_type, exc, tb) -> None:
        log.error("uncaught exception:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        self.show("Something went wrong", f"{exc_type.__name__}: {exc}\n\nThe details are in {log_dir()}.")

    def install(self) -> None:
        sys.excepthook = self.excepthook
