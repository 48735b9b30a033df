"""The one controller: owns the :class:`Studio` (model, pads, sound card), the import and
training threads, sessions and settings, and wires the window's intent signals to them."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from .. import __version__
from ..audio.studio import Studio
from ..library.demo_model import load_demo_model
from .errors import ErrorReporter
from .main_window import MainWindow
from .pads import PAD_KEYS, thumbnail
from .audio_flow import AudioFlow
from .export_flow import ExportFlow
from .convert_flow import ConvertFlow
from .keeps_flow import KeepsFlow
from .keyboard_flow import KeyboardFlow
from .pad_history import PadHistory
from .variations_flow import VariationsFlow
from .session_flow import SessionFlow
from .sound_alike_flow import SoundAlikeFlow
from .training_flow import TrainingFlow
from .views_flow import ViewsFlow
from .dataset_flow import DatasetFlow
from .model_flow import ModelFlow

log = logging.getLogger(__name__)


def models_dir() -> Path:
    """Where the window proposes model folders: ``$GANSTUDIO_MODELS_DIR`` or the user data folder."""
    env = os.environ.get("GANSTUDIO_MODELS_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir
    return Path(user_data_dir("ganstudio")) / "models"


class Controller(QtCore.QObject):
    midi_pad = QtCore.Signal(int, int)      # from rtmidi's thread to the GUI: pad, velocity
    pads_rendered = QtCore.Signal(list)     # from the sampler's thread: pads whose clips changed

    def __init__(self, model=None, settings: QtCore.QSettings | None = None, device=None,
                 midi: bool = True):
        super().__init__()
        self.settings = settings or QtCore.QSettings()
        s = self.settings
        rate = int(s.value("audio/rate", 48000))
        block = int(s.value("audio/block", 256))
        if device is None:
            device = s.value("audio/device", None) or None
        self.errors = ErrorReporter()
        self.studio = Studio(model or load_demo_model(), device=device, sample_rate=rate, blocksize=block)
        self.w = MainWindow(lambda pad: self.exports.drag_file(pad), rate,
                            lambda i: self.variations.drag_file(i, self.exports.drag_dir))
        self.errors.parent = self.w
        self.exports = ExportFlow(lambda: self.studio, self.w, self.settings, lambda *e: self.errors.show(*e),
                                  lambda pad: self.sound_alike.category(pad))
        self.training = TrainingFlow(lambda: self.studio, self.w.training, self.w.status.showMessage,
                                     lambda *q: self.ask(*q), lambda *e: self.errors.show(*e))
        self.w.close_guard = self.confirm_close
        self.datasets = DatasetFlow(self, models_dir)
        self.models = ModelFlow(self)
        self.pads_rendered.connect(self._pads_rendered)
        self.history = PadHistory(lambda: self.studio, self)
        self.history.restored.connect(self.refresh_pad)
        self.keeps = KeepsFlow(self)
        self.variations = VariationsFlow(self, self.w.variations)
        self.sound_alike = SoundAlikeFlow(self)
        self.convert = ConvertFlow(self)
        self.keyboard = KeyboardFlow(self)
        self.w.tabs.addTab(self.keeps.panel, "Keeps")
        self.w.tabs.addTab(self.convert.panel, "Convert")
        self.studio.on_rendered = self.pads_rendered.emit
        self._wire()
        self._shortcuts()
        self._menus()
        self.studio.start()
        self.audio = AudioFlow(self)
        self.midi_pad.connect(lambda pad, _v: self.w.pads.pads[pad].flash())
        self.audio.open_midi(midi)
        self.models.refresh()
        self.audio.show()
        self.select(0)
        self.views = ViewsFlow(self)
        self.timer, self.tick = self.views.timer, self.views.tick
        self.timer.start()
        self.restore_window()

    # ---- wiring ---------------------------------------------------------------------------
    def _wire(self) -> None:
        w = self.w
        w.pads.play.connect(self.play)
        w.pads.select.connect(self.select)
        w.pads.keep.connect(lambda pad: self.keeps.keep(pad))
        p = w.pad_panel
        p.settings_changed.connect(self.change_pad)
        w.clip.trim_changed.connect(self._trim_dragged)
        p.randomize.connect(lambda: self._latent_move("randomize", self.studio.randomize))
        p.mutate.connect(lambda amt: self._latent_move("mutate", self.studio.mutate, amt))
        p.morph.connect(lambda a, b, t: self._latent_move("morph", self.studio.morph, a, b, t))
        p.class_changed.connect(lambda c: self._latent_move("class", self.studio.set_pad_class, c))
        p.ab.connect(lambda: self.toggle_ab())
        p.variations.connect(lambda amount: self.variations.run(amount))
        w.volume.changed.connect(lambda v: setattr(self.studio, "volume", v))
        self.studio.volume = w.volume.value()
        w.texture.toggled.connect(lambda on: self.studio.set_texture(on, w.texture_gain.value()))
        w.texture_gain.changed.connect(lambda g: setattr(self.studio.engine, "texture_gain", g))
        w.hifi.toggled.connect(lambda on: self.studio.set_hifi(on))
        w.reopen.clicked.connect(lambda: self.audio.reopen())
        w.training.start.connect(self.start_training)
        self.training.model_ready.connect(lambda m: self.models.use(m))

    def _shortcuts(self) -> None:
        for key, pad in PAD_KEYS.items():
            sc = QtGui.QShortcut(QtGui.QKeySequence(key), self.w)
            sc.setAutoRepeat(False)
            sc.activated.connect(lambda pad=pad: (self.play(pad), self.w.pads.select.emit(pad)))
        for key, fn in ((QtGui.QKeySequence(QtCore.Qt.Key.Key_Space), lambda: self.play(self.selected)),
                        (QtGui.QKeySequence("Ctrl+R"), lambda: self.w.pad_panel.rand_b.click()),
                        (QtGui.QKeySequence("K"), lambda: self.keeps.keep(self.selected)),
                        (QtGui.QKeySequence("Ctrl+D"), lambda: self.w.pad_panel.var_b.click()),
                        (QtGui.QKeySequence("Ctrl+M"), lambda: self.w.pad_panel.mut_b.click()),
                        (QtGui.QKeySequence(QtCore.Qt.Key.Key_Escape), lambda: self.sound_alike.cancel())):
            sc = QtGui.QShortcut(key, self.w)
            sc.setAutoRepeat(False)
            sc.activated.connect(fn)

    def _menus(self) -> None:
        mb = self.w.menuBar()
        f = mb.addMenu("&File")
        f.addAction("Open &model…", QtGui.QKeySequence.StandardKey.Open, lambda: self.models.open_dialog())
        f.addAction("Demo model", lambda: self.models.open_demo())
        f.addAction("Import &folder of sounds…", lambda: self.w.dataset.choose.click())
        f.addSeparator()
        f.addAction("Open &session…", lambda: self.sessions.open_dialog())
        f.addAction("&Save session", QtGui.QKeySequence.StandardKey.Save, lambda: self.sessions.save())
        f.addAction("Save session &as…", QtGui.QKeySequence.StandardKey.SaveAs, lambda: self.sessions.save_as())
        self.sessions = SessionFlow(self, f.addMenu("Recent sessions"))
        f.addSeparator()
        f.addAction("&Export stems…", QtGui.QKeySequence("Ctrl+E"), lambda: self.exports.dialog(self.selected))
        f.addAction("Audio &settings…", QtGui.QKeySequence("Ctrl+,"), lambda: self.audio.settings_dialog())
        f.addSeparator()
        f.addAction("&Quit", QtGui.QKeySequence.StandardKey.Quit, self.w.close)
        e = mb.addMenu("&Edit")
        undo = self.history.stack.createUndoAction(self, "&Undo")
        undo.setShortcuts(QtGui.QKeySequence.StandardKey.Undo)
        redo = self.history.stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QtGui.QKeySequence("Ctrl+Shift+Z"), QtGui.QKeySequence("Ctrl+Y")])
        e.addAction(undo)
        e.addAction(redo)
        e.addAction("A/B: previous sound of the pad", QtGui.QKeySequence("B"), self.toggle_ab)
        pm = mb.addMenu("&Pad")
        pm.addAction("Sound-&alike from a file… (or drop it on a pad)", QtGui.QKeySequence("Ctrl+I"),
                     lambda: self.sound_alike.choose_file())
        pm.addAction("&Nearest in the training set…", QtGui.QKeySequence("Ctrl+N"),
                     lambda: self.sound_alike.show_nearest())
        h = mb.addMenu("&Help")
        h.addAction("&About GAN Studio", self.about)

    # ---- pads -------------------------------------------------------------------------------
    selected = 0

    def play(self, pad: int) -> None:
        """Queue the sound first, draw afterwards; a looping pad pressed again stops."""
        self.studio.press(pad)
        self.w.pads.pads[pad].flash()

    def select(self, pad: int) -> None:
        self.selected = pad
        self._show_pad_panel()
        self.show_clip()
        self.keyboard.follow()

    def _show_pad_panel(self) -> None:
        pad = self.selected
        classes = list(self.studio.model.config.class_names)
        self.w.pad_panel.show_pad(pad, self.studio.pad_settings[pad], classes, self.studio.pad_label(pad))
        self.w.pad_panel.show_ab(self.history.has_previous(pad), self.history.playing_b(pad))

    def change_pad(self, changes: dict) -> None:
        pad = self.selected
        kind = next(iter(changes)) if len(changes) == 1 else ("trim" if set(changes) == {"start", "end"} else "edit")
        self.history.record(pad, kind, lambda: self.studio.change_pad(pad, changes))
        if "name" in changes:
            self.pad_names()
        self.show_clip()

    def _latent_move(self, kind: str, fn, *args) -> None:
        """A move in the latent space of the selected pad, as one undoable step; the clip view
        follows when the worker says it has re-rendered."""
        pad = self.selected
        self.history.record(pad, kind, lambda: fn(pad, *args))
        self.w.pad_panel.show_ab(self.history.has_previous(pad), False)

    def _trim_dragged(self, start: float, end: float) -> None:
        self.change_pad({"start": start, "end": end})     # redraws the clip view
        self._show_pad_panel()                             # the knobs follow the markers

    def toggle_ab(self) -> None:
        """Hear the selected pad's previous sound (B) against its current one (A)."""
        pad = self.selected
        b = self.history.toggle_ab(pad)
        self.w.status.showMessage(f"Pad {pad + 1}: " + ("B, the sound before the last change" if b else "A, the current sound"), 3000)
        self.play(pad)

    def refresh_pad(self, pad: int) -> None:
        """Show pad ``pad``'s name, and its panel and clip when selected, after it changed."""
        self.pad_names()
        if pad == self.selected:
            self.select(pad)

    def _pads_rendered(self, pads: list) -> None:
        if getattr(self, "_shut", False) or self.studio.closed:
            return                  # a signal queued before the studio closed
        for i in pads:
            if 0 <= i < len(self.w.pads.pads):
                self.w.pads.pads[i].set_thumbnail(thumbnail(self.studio.pad_clip(i)))
        if self.selected in pads:
            self.show_clip()
        self.keyboard.follow(pads)

    def pad_names(self) -> None:
        self.w.pads.set_names([s.name or f"Pad {i + 1}" for i, s in enumerate(self.studio.pad_settings)])

    def show_clip(self) -> None:
        s = self.studio.pad_settings[self.selected]
        notes = ", ".join(n for n in (self.keyboard.pitch_note(self.selected), "reversed" if s.reverse else "",
                                      f"{s.pitch:+.1f} st" if s.pitch else "", "looped" if s.loop else "") if n)
        self.w.clip.show_clip(self.studio.pad_source(self.selected), self.studio.sample_rate, s.start, s.end, notes)

    # ---- dataset and training -------------------------------------------------------------------
    @property
    def dataset(self):
        return self.datasets.dataset

    @dataset.setter
    def dataset(self, ds) -> None:
        self.datasets.dataset = ds

    def import_dataset(self, folder: str) -> None:
        self.datasets.import_folder(folder)

    def start_training(self) -> None:
        if self.datasets.importing:
            self.errors.show("Still importing", "Wait until the clips are imported with the new settings.")
            return
        ds = self.datasets.included()
        if ds is not None and len(ds) < 2:
            self.errors.show("Too few clips to train on", "Tick at least two clips in the Dataset tab.")
            return
        if self.training.start(ds, self._snapshot):
            self.w.training.save_state(self.settings)

    def stop_training(self) -> None:
        self.training.stop()

    def _snapshot(self, generator, step: int) -> None:
        if generator.cfg.latent_dim != self.studio.model.config.latent_dim:
            return
        self.studio.submit_snapshot(generator, step)
        self.w.snapshot_label.setText(f"hearing training step {step}")

    def ask(self, title: str, text: str, yes: str, no: str) -> bool:
        """A question with two answers; True for ``yes`` (tests replace this)."""
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, title, text, parent=self.w)
        yes_b = box.addButton(yes, QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton(no, QtWidgets.QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is yes_b

    def confirm_close(self) -> bool:
        """Closing the window while training asks first (the checkpoint is saved either way)."""
        if not self.training.running:
            return True
        return self.ask("Training is running", "Stop training and quit? The model and its checkpoint "
                        "are saved, and training resumes from them next time.", "Stop and quit", "Keep training")

    # ---- sessions and export (their own modules) ----------------------------------------------
    def open_session(self, path: str) -> bool:
        return self.sessions.open(path)

    def save_session_to(self, path: str) -> Path:
        return self.sessions.save_to(path)

    def run_export(self, choice: dict, settings) -> None:
        self.exports.run(choice, settings, self.selected)

    @property
    def export_thread(self):
        return self.exports.thread

    @property
    def drag_dir(self) -> Path:
        return self.exports.drag_dir

    # ---- window ------------------------------------------------------------------------------
    def about(self) -> None:
        QtWidgets.QMessageBox.about(
            self.w, "About GAN Studio",
            f"<b>GAN Studio {__version__}</b><br>Train a GAN on your own sounds, play it on pads while "
            "it learns, and export what you like as WAV stems.<br><br>Built with PySide6, PyTorch, "
            "sounddevice (PortAudio), pyqtgraph, soundfile and soxr.")

    def restore_window(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.w.restoreGeometry(geo)
        self.w.training.restore_state(self.settings)
        self.w.dataset.restore_state(self.settings)
        last = self.settings.value("dataset/last")
        if isinstance(last, str) and last and Path(last).is_dir():
            self.datasets.import_folder(last)       # the folder the user worked on last time

    def save_window(self) -> None:
        self.settings.setValue("window/geometry", self.w.saveGeometry())
        self.w.training.save_state(self.settings)
        self.w.dataset.save_state(self.settings)

    def shutdown(self) -> None:
        """Stop everything the window started: the trainer child (checkpoint saved, joined, killed
        if it does not answer), the workers, MIDI, the sound card and the drag-out temp files."""
        if getattr(self, "_shut", False):
            return
        self._shut = True
        self.studio.on_rendered = None
        self.timer.stop()
        self.save_window()
        self.training.shutdown()
        self.sessions.wait_keeps()
        self.variations.shutdown()
        self.sound_alike.shutdown()
        self.convert.shutdown()
        self.exports.shutdown()
        self.datasets.shutdown()
        self.audio.close_midi()
        self.studio.close()

