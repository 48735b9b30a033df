"""The one controller: owns the :class:`Studio` (model, pads, sound card), the import and
training threads, sessions and settings, and wires the window's intent signals to them."""
from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from .. import __version__
from ..audio.studio import PADS, Studio
from ..data import ImportSettings, import_folder
from ..export.wav import write_wav
from ..library.demo_model import demo_model_path, load_demo_model
from ..models.modelfile import ModelFileError, load_model
from ..session import SessionError, load_session, save_session
from .errors import ErrorReporter
from .main_window import MainWindow
from .pads import PAD_KEYS
from .settings_dialog import AudioSettingsDialog
from .training_flow import TrainingFlow
from .workers import CallThread

log = logging.getLogger(__name__)


DRAG_PREFIX = "ganstudio-drag-"


def remove_stale_drag_dirs() -> int:
    """Remove the drag-out folders of windows that were killed (their process id is gone)."""
    n = 0
    for d in Path(tempfile.gettempdir()).glob(f"{DRAG_PREFIX}*-*"):
        pid = d.name[len(DRAG_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)) and d.is_dir():
            shutil.rmtree(d, ignore_errors=True)
            n += 1
    return n


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:          # someone else's process: alive
        return True
    return True


def models_dir() -> Path:
    """Where the window proposes model folders: ``$GANSTUDIO_MODELS_DIR`` or the user data folder."""
    env = os.environ.get("GANSTUDIO_MODELS_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir
    return Path(user_data_dir("ganstudio")) / "models"
FPS = 30
MAX_RECENT = 8


class Controller(QtCore.QObject):
    midi_pad = QtCore.Signal(int, int)      # from rtmidi's thread to the GUI: pad, velocity

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
        self.dataset = None
        self.import_thread: CallThread | None = None
        self.export_thread: CallThread | None = None
        self.session_path: str | None = None
        remove_stale_drag_dirs()
        self.drag_dir = Path(tempfile.mkdtemp(prefix=f"{DRAG_PREFIX}{os.getpid()}-"))
        self.w = MainWindow(self.export_pad_for_drag, rate)
        self.errors.parent = self.w
        self.training = TrainingFlow(self.studio, self.w.training, self.w.status.showMessage,
                                     lambda *q: self.ask(*q), lambda *e: self.errors.show(*e))
        self.w.close_guard = self.confirm_close
        self._clip_shown: tuple | None = None
        self._wire()
        self._shortcuts()
        self._menus()
        self.studio.start()
        self.midi = None
        self.midi_pad.connect(lambda pad, _v: self.w.pads.pads[pad].flash())
        self.open_midi(midi)
        self.refresh_model()
        self._show_audio()
        self.select(0)
        self.timer = QtCore.QTimer(self, interval=1000 // FPS, timeout=self.tick)
        self.timer.start()
        self._tick_frames = np.zeros((self.studio.engine.scope.capacity, 2), np.float32)
        self.restore_window()

    # ---- wiring ---------------------------------------------------------------------------
    def _wire(self) -> None:
        w = self.w
        w.pads.play.connect(self.play)
        w.pads.select.connect(self.select)
        p = w.pad_panel
        p.settings_changed.connect(self.change_pad)
        p.randomize.connect(lambda: self._latent_move(self.studio.randomize, self.selected))
        p.mutate.connect(lambda amt: self._latent_move(self.studio.mutate, self.selected, amt))
        p.morph.connect(lambda a, b, t: self._latent_move(self.studio.morph, self.selected, a, b, t))
        p.class_changed.connect(lambda c: self._latent_move(self.studio.set_pad_class, self.selected, c))
        w.volume.changed.connect(lambda v: setattr(self.studio, "volume", v))
        self.studio.volume = w.volume.value()
        w.texture.toggled.connect(lambda on: self.studio.set_texture(on, w.texture_gain.value()))
        w.texture_gain.changed.connect(lambda g: setattr(self.studio.engine, "texture_gain", g))
        w.reopen.clicked.connect(self.reopen_audio)
        w.dataset.open_folder.connect(self.import_dataset)
        w.dataset.play_clip.connect(self.play_dataset_clip)
        w.dataset.settings_changed.connect(self._reimport)
        w.training.start.connect(self.start_training)
        self.training.model_ready.connect(self.use_model)

    def _shortcuts(self) -> None:
        for key, pad in PAD_KEYS.items():
            sc = QtGui.QShortcut(QtGui.QKeySequence(key), self.w)
            sc.setAutoRepeat(False)
            sc.activated.connect(lambda pad=pad: (self.play(pad), self.w.pads.select.emit(pad)))
        for key, fn in ((QtGui.QKeySequence(QtCore.Qt.Key.Key_Space), lambda: self.play(self.selected)),
                        (QtGui.QKeySequence("Ctrl+R"), lambda: self.w.pad_panel.rand_b.click()),
                        (QtGui.QKeySequence("Ctrl+M"), lambda: self.w.pad_panel.mut_b.click())):
            sc = QtGui.QShortcut(key, self.w)
            sc.setAutoRepeat(False)
            sc.activated.connect(fn)

    def _menus(self) -> None:
        mb = self.w.menuBar()
        f = mb.addMenu("&File")
        f.addAction("Open &model…", QtGui.QKeySequence.StandardKey.Open, self.open_model_dialog)
        f.addAction("Demo model", self.open_demo_model)
        f.addAction("Import &folder of sounds…", lambda: self.w.dataset.choose.click())
        f.addSeparator()
        f.addAction("Open &session…", self.open_session_dialog)
        f.addAction("&Save session", QtGui.QKeySequence.StandardKey.Save, self.save_session)
        f.addAction("Save session &as…", QtGui.QKeySequence.StandardKey.SaveAs, self.save_session_as)
        self.recent_menu = f.addMenu("Recent sessions")
        self._fill_recent()
        f.addSeparator()
        f.addAction("&Export stems…", QtGui.QKeySequence("Ctrl+E"), self.export_dialog)
        f.addAction("Audio &settings…", QtGui.QKeySequence("Ctrl+,"), self.audio_settings)
        f.addSeparator()
        f.addAction("&Quit", QtGui.QKeySequence.StandardKey.Quit, self.w.close)
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
        classes = list(self.studio.model.config.class_names)
        self.w.pad_panel.show_pad(pad, self.studio.pad_settings[pad], classes, self.studio.pad_label(pad))
        self.show_clip()

    def change_pad(self, changes: dict) -> None:
        self.studio.change_pad(self.selected, changes)
        if "name" in changes:
            self._pad_names()
        self.show_clip()

    def _latent_move(self, fn, *args) -> None:
        fn(*args)       # the clip view follows once the worker has re-rendered (see tick)

    def _pad_names(self) -> None:
        self.w.pads.set_names([s.name or f"Pad {i + 1}" for i, s in enumerate(self.studio.pad_settings)])

    def show_clip(self) -> None:
        s = self.studio.pad_settings[self.selected]
        self._clip_shown = self._render_mark()
        self.w.clip.show_clip(self.studio.pad_raw(self.selected), self.studio.sample_rate, s.start, s.end)

    def _render_mark(self) -> tuple:
        """Changes whenever the sampler has rendered something new (or was replaced)."""
        return id(self.studio.worker), self.studio.worker.renders, self.selected

    # ---- the 30 Hz view timer ------------------------------------------------------------------
    def tick(self) -> None:
        eng = self.studio.engine
        n = eng.scope.available()
        if n:
            buf = self._tick_frames[:n]
            eng.scope.read_into(buf)
            mono = buf[:, 0].copy()
            self.w.scope.push(mono)
            self.w.spectrum.push(mono)
        else:
            self.w.scope.push(np.zeros(0, np.float32))
        peak, rms = eng.meter.read()
        self.w.meter.set_levels(peak, rms)
        if self.studio.check_audio() and not self.w.reopen.isVisible():
            self._show_audio()
        self.w.training.losses.redraw()
        if self._clip_shown != self._render_mark() and not self.studio.worker.busy:
            self.show_clip()
        self._report_worker_errors()

    def _report_worker_errors(self) -> None:
        for source in (self.studio.worker, self.studio.texture):
            if source is not None and source.error:
                msg, source.error = source.error, None
                log.warning(msg)
                self.w.status.showMessage(msg, 10000)

    # ---- audio device ---------------------------------------------------------------------------
    def _show_audio(self) -> None:
        err = self.studio.audio_error
        eng = self.studio.engine
        if err:
            self.w.audio_label.setText(f"No sound: {err}")
            self.w.audio_label.setProperty("role", "warn")
            self.w.reopen.setVisible(True)
            self.w.status.showMessage(f"Audio: {err}. Everything else works; reopen it from Master.")
        else:
            self.w.audio_label.setText(f"{eng.sample_rate / 1000:g} kHz · {eng.blocksize} frames "
                                       f"({1000 * eng.blocksize / eng.sample_rate:.1f} ms)")
            self.w.audio_label.setProperty("role", "dim")
            self.w.reopen.setVisible(False)
        self.w.audio_label.style().polish(self.w.audio_label)

    def reopen_audio(self) -> None:
        self.studio.reopen_audio()
        self._show_audio()

    def audio_settings(self) -> None:
        eng = self.studio.engine
        dlg = AudioSettingsDialog(self.w, eng.device, eng.sample_rate, eng.blocksize)
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        device, rate, block = dlg.choice()
        self.settings.setValue("audio/device", device if device is not None else "")
        self.settings.setValue("audio/rate", rate)
        self.settings.setValue("audio/block", block)
        if rate != self.studio.sample_rate:
            self._rebuild_studio(self.studio.model, device, rate, block)
        else:
            self.studio.reopen_audio(device, block)
        self._show_audio()

    def _rebuild_studio(self, model, device, rate, block) -> None:
        pads = self.studio.pads_state()
        texture = self.w.texture.isChecked()
        self.studio.close()
        self.studio = Studio(model, device=device, sample_rate=rate, blocksize=block)
        if self.midi:
            self.midi.mapping.mixer = self.studio.mixer
        self.studio.apply_pads_state(pads)
        self.studio.volume = self.w.volume.value()
        self.studio.start()
        self.studio.set_texture(texture, self.w.texture_gain.value())
        self._tick_frames = np.zeros((self.studio.engine.scope.capacity, 2), np.float32)
        self.w.spectrum.sample_rate = rate

    # ---- MIDI ---------------------------------------------------------------------------------
    def open_midi(self, enabled: bool = True) -> None:
        """Listen to the first MIDI input, if the midi extra is installed and a port exists."""
        from ..audio.midi import MidiInput, MidiUnavailable, PadMidiMap
        if self.midi:
            self.midi.close()
            self.midi = None
        if not enabled:
            return
        # through the Studio (its model may change; the bound methods always reach the current one)
        mapping = PadMidiMap(lambda p, g: self.studio.trigger(p, g), lambda p: self.studio.release(p),
                             on_pad=self.midi_pad.emit)
        try:
            self.midi = MidiInput(mapping)
            self.w.status.showMessage(f"MIDI: notes 36-51 play the pads from {self.midi.name}", 8000)
        except MidiUnavailable as exc:
            log.info("no MIDI input: %s", exc)

    # ---- models -----------------------------------------------------------------------------
    @staticmethod
    def _is_demo(model) -> bool:
        return Path(model.path).resolve() == demo_model_path().resolve()

    def refresh_model(self) -> None:
        m = self.studio.model
        demo = self._is_demo(m)
        cfg = m.config
        step = m.meta.get("training", {}).get("step", "?")
        self.w.model_label.setText(f"{'Demo model' if demo else m.name} · {cfg.preset} · "
                                   f"{cfg.sample_rate / 1000:g} kHz · step {step}")
        self.w.model_label.setToolTip(f"{m.path}\nweights sha256 {m.weights_hash[:16]}…")
        self.w.snapshot_label.setText("")
        self._pad_names()

    def open_model(self, path: str) -> bool:
        try:
            model = load_model(path)
        except ModelFileError as exc:
            self.errors.show("Can't open the model", str(exc))
            return False
        self.use_model(model)
        return True

    def use_model(self, model) -> None:
        self.studio.set_model(model)
        self.refresh_model()

    def open_model_dialog(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self.w, "Model folder")
        if path:
            self.open_model(path)

    def open_demo_model(self) -> None:
        self.open_model(str(demo_model_path()))

    # ---- dataset ------------------------------------------------------------------------------
    def import_dataset(self, folder: str) -> None:
        if self.import_thread and self.import_thread.isRunning():
            return
        rate, seconds = self.w.dataset.settings()
        settings = ImportSettings(sample_rate=rate, clip_length=int(round(seconds * rate)))
        self.import_thread = CallThread(lambda progress: import_folder(folder, settings, progress_fn=progress))
        self.import_thread.progress.connect(self.w.dataset.set_busy)
        self.import_thread.done.connect(self._dataset_ready)
        self.import_thread.failed.connect(self.w.dataset.show_error)
        self.import_thread.start()
        self._import_folder = folder
        self.settings.setValue("dataset/last", folder)
        self.w.dataset.save_state(self.settings)      # kept now: a crash must not lose them

    def _reimport(self) -> None:
        """The rate or length changed: the clips must be prepared again for training to use them."""
        folder = getattr(self, "_import_folder", None)
        if folder and not (self.import_thread and self.import_thread.isRunning()):
            self.dataset = None
            self.import_dataset(folder)

    def _dataset_ready(self, ds) -> None:
        self.dataset = ds
        self.w.dataset.show_dataset(ds)
        self.w.training.out.setText(self.training.folder_for(ds, models_dir()))
        self.w.status.showMessage(f"Imported {len(ds)} clips, skipped {len(ds.skipped)}", 5000)

    def play_dataset_clip(self, row: int) -> None:
        if self.dataset is not None and 0 <= row < len(self.dataset):
            self.studio.preview(self.dataset.clips[row], self.dataset.settings.sample_rate)

    # ---- training -----------------------------------------------------------------------------
    def start_training(self) -> None:
        if self.import_thread and self.import_thread.isRunning():
            self.errors.show("Still importing", "Wait until the clips are imported with the new settings.")
            return
        if self.training.start(self.dataset, self._snapshot):
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

    # ---- sessions ------------------------------------------------------------------------------
    def session_doc(self) -> dict:
        w = self.w
        return {"volume": w.volume.value(), "texture": w.texture.isChecked(),
                "texture_gain": w.texture_gain.value(), "mutate_amount": w.pad_panel.amount.value(),
                "morph": [w.pad_panel.morph_a.value(), w.pad_panel.morph_b.value(), w.pad_panel.morph_t.value()],
                "selected": self.selected}

    def save_session_to(self, path: str) -> Path:
        m = self.studio.model
        saved = save_session(path, model_path=None if self._is_demo(m) else str(m.path), model_hash=m.weights_hash,
                             pads=self.studio.pads_state(), settings=self.session_doc())
        self.session_path = str(saved)
        self._add_recent(str(saved))
        self.w.setWindowTitle(f"GAN Studio · {saved.name}")
        return saved

    def save_session(self) -> None:
        if self.session_path:
            self.save_session_to(self.session_path)
        else:
            self.save_session_as()

    def save_session_as(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.w, "Save session", "", "GAN Studio session (*.gss)")
        if path:
            try:
                self.save_session_to(path)
            except OSError as exc:
                self.errors.show("Can't save the session", f"{path}: {exc.strerror or exc}")

    def open_session(self, path: str) -> bool:
        try:
            doc = load_session(path)
        except SessionError as exc:
            self.errors.show("Can't open the session", str(exc))
            return False
        model_path = doc["model"] or str(demo_model_path())
        try:
            model = load_model(model_path)
        except ModelFileError as exc:
            self.errors.show("Can't open the session's model", str(exc))
            return False
        if doc.get("model_sha256") and doc["model_sha256"] != model.weights_hash:
            self.w.status.showMessage("The session's model has changed since it was saved; "
                                      "its pads may sound different", 10000)
        self.studio.set_model(model)
        self.studio.apply_pads_state(doc["pads"])
        st = doc.get("settings", {})
        w = self.w
        if isinstance(st.get("volume"), (int, float)):
            w.volume.set_value(float(st["volume"]))
            self.studio.volume = float(st["volume"])
        if isinstance(st.get("texture_gain"), (int, float)):
            w.texture_gain.set_value(float(st["texture_gain"]))
        if isinstance(st.get("mutate_amount"), (int, float)):
            w.pad_panel.amount.set_value(float(st["mutate_amount"]))
        morph = st.get("morph")
        if isinstance(morph, list) and len(morph) == 3 and all(isinstance(v, int) for v in morph):
            w.pad_panel.morph_a.setValue(morph[0])
            w.pad_panel.morph_b.setValue(morph[1])
            w.pad_panel.morph_t.blockSignals(True)
            w.pad_panel.morph_t.setValue(morph[2])
            w.pad_panel.morph_t.blockSignals(False)
        w.texture.setChecked(bool(st.get("texture", False)))
        self.session_path = path
        self._add_recent(path)
        self.refresh_model()
        sel = st.get("selected", 0)
        self.w.pads.select.emit(sel if isinstance(sel, int) and 0 <= sel < PADS else 0)
        self.w.setWindowTitle(f"GAN Studio · {Path(path).name}")
        return True

    def open_session_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.w, "Open session", "", "GAN Studio session (*.gss)")
        if path:
            self.open_session(path)

    def _recent(self) -> list[str]:
        v = self.settings.value("recent/sessions", [])
        return [v] if isinstance(v, str) else list(v or [])

    def _add_recent(self, path: str) -> None:
        items = [path] + [p for p in self._recent() if p != path]
        self.settings.setValue("recent/sessions", items[:MAX_RECENT])
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in self._recent():
            self.recent_menu.addAction(p, lambda p=p: self.open_session(p))
        self.recent_menu.setEnabled(bool(self._recent()))

    # ---- export ------------------------------------------------------------------------------
    def _safe_stem(self, pad: int) -> str:
        name = self.studio.pad_settings[pad].name or f"pad{pad + 1:02d}"
        return re.sub(r"[^\w.-]+", "_", f"{self.studio.model.name}_{name}").strip("._") or "pad"

    def export_pad_for_drag(self, pad: int) -> str:
        """Write the pad as it plays (trim, pitch, reverse, gain) to a 24-bit WAV for drag-out."""
        path = self.drag_dir / f"{self._safe_stem(pad)}.wav"
        write_wav(path, self.studio.pad_sound(pad), self.studio.sample_rate, "pcm24")
        return str(path)

    def export_specs(self, choice: dict) -> list:
        """The stems the export dialog asked for, from the pads' current latents and settings."""
        from ..export import pad_spec, random_specs, texture_spec, variation_specs
        st = self.studio
        what, sel = choice["what"], self.selected
        seed = int(np.random.default_rng().integers(2**31))    # kept in every sidecar
        state = st.pads_state()
        if what == "pad":
            return [pad_spec(sel, st.pad_latent(sel), st.pad_label(sel), state[sel])]
        if what == "pads":
            return [pad_spec(i, st.pad_latent(i), st.pad_label(i), state[i]) for i in range(PADS)]
        if what == "variations":
            name = st.pad_settings[sel].name or f"pad{sel + 1:02d}"
            return variation_specs(st.pad_latent(sel), st.pad_label(sel), choice["count"], choice["amount"],
                                   seed, name, sel)
        if what == "random":
            return random_specs(st.model, choice["count"], seed)
        return [texture_spec(choice["seconds"], seed)]

    def export_dialog(self) -> None:
        from platformdirs import user_music_dir
        from .export_dialog import ExportDialog
        if self.export_thread and self.export_thread.isRunning():
            self.w.status.showMessage("An export is still running", 5000)
            return
        dlg = ExportDialog(self.w, self.settings, str(Path(user_music_dir()) / "GAN Studio"))
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        self.run_export(dlg.choice(), dlg.export_settings())

    def run_export(self, choice: dict, settings) -> None:
        """Export in a worker thread; the result or the error arrives in the status bar / dialog."""
        from ..export import ExportError, export_stems
        model, specs = self.studio.model, self.export_specs(choice)
        if self.studio.snapshot_step is not None:
            self.w.status.showMessage("Exporting from the model file; the training snapshot you hear "
                                      "is written there at the next checkpoint", 8000)

        def work(progress):
            try:
                return export_stems(model, specs, choice["folder"], settings, progress_fn=progress)
            except ExportError as exc:
                raise RuntimeError(str(exc)) from None
        self.export_thread = CallThread(work)
        self.export_thread.progress.connect(lambda i, n, name: self.w.status.showMessage(f"Exported {i}/{n}: {name}"))
        self.export_thread.done.connect(lambda done: self.w.status.showMessage(
            f"Exported {len(done)} stem(s) with sidecars to {choice['folder']}", 10000))
        self.export_thread.failed.connect(lambda msg: self.errors.show("Export stopped", msg))
        self.export_thread.start()

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
            self.import_dataset(last)       # the folder the user worked on last time

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
        self.timer.stop()
        self.save_window()
        self.training.shutdown()
        for th in (self.import_thread, self.export_thread):
            if th and th.isRunning():
                th.wait(60000)
        if self.midi:
            self.midi.close()
        self.studio.close()
        shutil.rmtree(self.drag_dir, ignore_errors=True)
