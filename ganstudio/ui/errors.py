"""One error dialog at a time, a rotating log file, and no crash to the desktop: uncaught
exceptions in the GUI thread are logged and shown instead of ending the app."""
from __future__ import annotations

import logging
import sys
import traceback

from PySide6 import QtWidgets

from ..logs import log_dir

log = logging.getLogger("ganstudio")


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
