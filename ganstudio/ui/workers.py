"""Thin QThread wrappers around the Qt-free import and training code."""
from __future__ import annotations

from typing import Callable

from PySide6 import QtCore

from ..training.subprocess import ConvertTrainerProcess, TrainerProcess


class CallThread(QtCore.QThread):
    """Runs ``fn(progress)`` off the GUI thread; ``progress(done, total, text)`` is a signal."""

    progress = QtCore.Signal(int, int, str)
    done = QtCore.Signal(object)
    failed = QtCore.Signal(str)

    def __init__(self, fn: Callable, parent=None):
        super().__init__(parent)
        self.fn = fn

    def run(self) -> None:
        try:
            self.done.emit(self.fn(self.progress.emit))
        except Exception as exc:       # shown to the user; the app carries on
            self.failed.emit(str(exc) or type(exc).__name__)


class ProcessThread(QtCore.QThread):
    """Waits on a training process (:class:`TrainerProcess` or one of its kind: training runs in a
    child process, so it never competes with the audio callback for the interpreter lock) and
    turns its hooks into signals. A subclass sets ``self.proc``."""

    progress = QtCore.Signal(object)           # training.Progress
    snapshot = QtCore.Signal(object, int)      # a frozen network, step
    finished_ok = QtCore.Signal(int)           # final step
    failed = QtCore.Signal(str)
    proc = None

    def run(self) -> None:
        self.proc.start()
        self.proc.join()
        if self.proc.error:
            self.failed.emit(self.proc.error)
        else:
            self.finished_ok.emit(self.proc.final_step or 0)

    def pause(self) -> None:
        self.proc.pause()

    def resume(self) -> None:
        self.proc.resume()

    def stop(self) -> None:
        self.proc.stop()


class TrainingThread(ProcessThread):
    """The generator's training (``snapshot``: frozen Generator snapshots)."""

    extender_snapshot = QtCore.Signal(object, int)     # LoadedExtender in training, step

    def __init__(self, dataset, out_dir, model_cfg, train_cfg, parent=None, hifi: dict | None = None,
                 kinds: int = 0):
        super().__init__(parent)
        self.proc = TrainerProcess(dataset, out_dir, model_cfg, train_cfg, resume=True,
                                   progress_fn=self.progress.emit, snapshot_fn=self.snapshot.emit,
                                   hifi=hifi, extender_fn=self.extender_snapshot.emit, kinds=kinds)


class ConvertTrainingThread(ProcessThread):
    """A converter's training (``snapshot``: frozen Converter snapshots)."""

    def __init__(self, source, target, out_dir, train_cfg, parent=None, cfg=None):
        super().__init__(parent)
        self.proc = ConvertTrainerProcess(source, target, out_dir, train_cfg, progress_fn=self.progress.emit,
                                          snapshot_fn=self.snapshot.emit, cfg=cfg)
