"""Training from the window: which model folder a dataset trains into, asking before a model made
from other data is resumed or a good model is replaced by a much shorter run, and stopping the
trainer child cleanly when the window closes.

The decisions are plain functions (tested without a window); :class:`TrainingFlow` wires them to
the training panel and asks through ``ask(title, text, yes, no) -> bool``, which tests replace.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Callable

from PySide6 import QtCore

from ..models.modelfile import CONFIG, MAX_CONFIG_BYTES, LoadedModel, ModelFileError, load_model
from ..library.base_model import starting_point
from ..training import model_config_for, recipe
from ..training.checkpoint import STATE_FILE
from ..validate import read_regular_file
from ..training.extender_train import HIFI_SHARE
from .workers import TrainingThread

log = logging.getLogger(__name__)
MIN_STEPS_TO_REPLACE = 500       # a finished run shorter than this asks before it replaces a model
STOP_TIMEOUT_S = 30.0            # for the checkpoint and a clean exit, then the child is killed


def trained_on(folder: str | Path) -> str | None:
    """The data source recorded in a model folder's config.json (None: no model there)."""
    try:
        meta = json.loads(read_regular_file(Path(folder) / CONFIG, MAX_CONFIG_BYTES, "model config"))
        src = meta.get("data", {}).get("source")
        return str(src) if isinstance(src, str) else ""
    except (OSError, ValueError, AttributeError, RecursionError):
        return None


def holds_training(folder: str | Path) -> bool:
    return (Path(folder) / STATE_FILE).exists() or (Path(folder) / CONFIG).exists()


def same_source(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def proposed_folder(models_dir: Path, source: str) -> Path:
    """A model folder for a dataset at ``source``: ``models_dir/<folder name>``, or the first
    ``-2``, ``-3`` … that is free or already holds a model trained on this same source."""
    name = re.sub(r"[^\w.-]+", "_", Path(source).name).strip("._") or "model"
    for k in range(1, 1000):
        folder = models_dir / (name if k == 1 else f"{name}-{k}")
        if not holds_training(folder) or same_source(trained_on(folder), source):
            return folder
    raise RuntimeError(f"no free model folder for {name} in {models_dir}")


def steps_of(model: LoadedModel | None) -> int:
    step = (model.meta.get("training", {}) if model else {}).get("step", 0)
    return step if isinstance(step, int) and not isinstance(step, bool) else 0


def replacing_needs_asking(current: LoadedModel | None, new: LoadedModel) -> bool:
    """Whether a finished run should ask before its model replaces ``current`` on the pads:
    it is another model (not the same folder resumed) and the new one trained much less."""
    if current is None or Path(current.path).resolve() == Path(new.path).resolve():
        return False
    return steps_of(new) < max(MIN_STEPS_TO_REPLACE, steps_of(current) // 2)


class TrainingFlow(QtCore.QObject):
    """Owns the training thread of the window; ``studio_fn()`` is the Studio that plays now (the
    window may rebuild it), ``panel`` the TrainingPanel."""

    model_ready = QtCore.Signal(object)        # a LoadedModel the pads should now play

    def __init__(self, studio_fn: Callable, panel, status: Callable[[str, int], None],
                 ask: Callable[[str, str, str, str], bool], show_error: Callable[[str, str], None]):
        super().__init__()
        self.studio_fn, self.panel = studio_fn, panel
        self.status, self.ask, self.show_error = status, ask, show_error
        self.thread: TrainingThread | None = None
        self._before: LoadedModel | None = None
        self._closing = False
        panel.pause.connect(lambda: self.thread and self.thread.pause())
        panel.resume.connect(lambda: self.thread and self.thread.resume())
        panel.stop.connect(self.stop)
        panel.hear_now.connect(lambda: self.thread and self.thread.proc.hear_now())

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def folder_for(self, dataset, models_dir: Path) -> str:
        """The model folder to show after ``dataset`` was imported: the current one if it holds a
        model of this very data, else a new folder named after the dataset."""
        current = self.panel.out.text().strip()
        if current and same_source(trained_on(current), dataset.source):
            return current
        return str(proposed_folder(models_dir, dataset.source))

    def start(self, dataset, snapshot_fn: Callable) -> bool:
        t = self.panel
        if self.running:
            return False
        if dataset is None:
            self.show_error("Nothing to train on", "Import a folder of sounds first (Dataset tab).")
            return False
        out = t.out.text().strip()
        if not out:
            self.show_error("No model folder", "Choose where the model should be written.")
            return False
        source = trained_on(out)
        if holds_training(out) and not same_source(source, dataset.source):
            if not self.ask("Resume a model made from other sounds?",
                            f"The model folder {out} holds a model trained on {source or 'unknown sounds'}.\n\n"
                            f"Resume it on the clips of {dataset.source}? Choose \"New folder\" to train "
                            "a new model instead and keep that one as it is.",
                            "Resume it", "New folder"):
                out = str(proposed_folder(Path(out).parent, dataset.source))
                t.out.setText(out)
        preset = t.preset.currentText()
        configs = self._configs(dataset, out, preset)
        if configs is None:
            return False
        tc, mc, hifi = configs
        t.losses.clear_curves()
        self._before = self.studio_fn().model
        self._out = out
        # a folder without subfolders: the child finds kinds of sound in it to learn as classes
        kinds = t.kinds.value() if tc.conditional and dataset.num_classes < 2 else 0
        self.thread = TrainingThread(dataset, out, mc, tc, hifi=hifi, kinds=kinds)
        self.thread.extender_snapshot.connect(lambda ext, step: self.studio_fn().submit_extender(ext, step))
        self.thread.progress.connect(t.show_progress)
        self.thread.snapshot.connect(snapshot_fn)
        self.thread.finished_ok.connect(self._done)
        self.thread.failed.connect(self._failed)
        self.thread.start()
        t.set_running(True)
        self.status(f"Training {preset} into {out}", 0)
        return True

    def _configs(self, dataset, out: str, preset: str):
        """(training config, model config, hi-fi job or None) the panel asks for, or None after
        saying why they can't be made."""
        t = self.panel
        minutes, hifi = t.minutes.value(), None
        if t.hifi.isChecked():
            hifi = {"folder": dataset.source, "rate": 48000, "minutes": minutes * HIFI_SHARE if minutes else 10.0,
                    "snapshot_every": 100}
            minutes *= 1 - HIFI_SHARE
        overrides = {"max_minutes": minutes, "max_steps": t.steps.value(), "snapshot_every": 25, "quality_every": 100,
                     "conditional": t.conditional.isChecked()}
        if t.loss.currentData():
            overrides["loss"] = t.loss.currentData()
        try:
            overrides["init_from"], shared = starting_point(
                preset, "base" if t.from_base.isChecked() else "scratch", dataset.profile["kind"], out)
            tc = recipe(preset, **overrides)
            return tc, model_config_for(dataset, preset, tc.conditional, **shared), hifi
        except ModelFileError as exc:
            self.show_error("Can't start from that model", str(exc))
        except ValueError as exc:
            self.show_error("Can't train with these settings", str(exc))
        return None

    def stop(self) -> None:
        if self.thread:
            self.thread.stop()

    def _done(self, step: int) -> None:
        self.panel.set_running(False)
        if self._closing:
            return
        out = self._out
        try:
            new = load_model(out)
        except ModelFileError as exc:
            self.show_error("Can't open the trained model", str(exc))
            return
        before = self._before
        if replacing_needs_asking(before, new) and not self.ask(
                "Use the new model?",
                f"Training stopped after {steps_of(new)} steps. The pads played {before.name} "
                f"({steps_of(before)} steps) before.\n\nPlay the new model, or keep the one you had? "
                f"The new model stays in {out} either way.",
                "Use the new model", f"Keep {before.name}"):
            self.model_ready.emit(before)
            self.status(f"Kept {before.name}; the new model is in {out} (File > Open model)", 10000)
            return
        self.model_ready.emit(new)
        self.status(f"Training stopped at step {step}; model saved in {out}", 10000)

    def _failed(self, msg: str) -> None:
        self.panel.set_running(False)
        if not self._closing:
            self.show_error("Training stopped", msg)

    def shutdown(self) -> bool:
        """Stop training for good (checkpoint saved, child joined, killed after a timeout);
        True if the child exited by itself."""
        self._closing = True
        if self.thread is None:
            return True
        clean = self.thread.proc.shutdown(STOP_TIMEOUT_S)
        self.thread.wait(10_000)
        return clean
