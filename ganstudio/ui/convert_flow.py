"""The Convert tab's work: open or train a converter, convert a recording off the GUI thread, play
the original and the result through the engine's stream (any length), drag out, save, put on a pad.

Training runs in a child process like the generator's (:class:`ConvertTrainerProcess`); each
snapshot replaces the converter in use, and the next "▶ Converted" converts again with it, so the
user hears the converter learn.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets

from ..audio.engine import lower_thread_priority
from ..data.recordings import MAX_FILE_SECONDS, read_recording
from ..export import write_wav
from ..models.conversion import convert_audio, safe_output
from ..models.converter_file import load_converter
from ..training.convert_train import ConvertTrainConfig
from .convert_panel import ConvertPanel
from .workers import CallThread, ConvertTrainingThread

log = logging.getLogger(__name__)


class ConvertFlow:
    """``ctl``: the controller (studio, window, errors, sound-alike, drag folder)."""

    def __init__(self, ctl, train_minutes: float = 10.0):
        self.ctl = ctl
        self.panel = ConvertPanel(self.drag_file)
        self.net = None                 # the Converter in use (a file's, or the newest snapshot)
        self.name = ""
        self.version = 0                # bumped whenever self.net changes
        self.source: tuple[np.ndarray, int] | None = None     # the recording and its rate
        self.source_path: Path | None = None
        self.result: tuple[np.ndarray, int, int] | None = None     # audio, rate, converter version
        self.thread: CallThread | None = None
        self.training: ConvertTrainingThread | None = None
        self.train_minutes = train_minutes
        self._drag_written: tuple[tuple, Path] | None = None
        self.path: Path | None = None   # the folder of the converter in use (None: a training snapshot)
        self.live_timer = QtCore.QTimer()
        self.live_timer.setInterval(200)
        self.live_timer.timeout.connect(self._poll_live)
        p = self.panel
        p.open_converter.connect(self.choose_converter)
        p.train_converter.connect(self.choose_training)
        p.stop_training.connect(self.stop_training)
        p.open_file.connect(self.choose_file)
        p.file_dropped.connect(self.load_file)
        p.play_original.connect(self.play_original)
        p.play_converted.connect(self.play_converted)
        p.stop_playing.connect(lambda: ctl.studio.stop_stream())
        p.save_as.connect(self.choose_save)
        p.to_pad.connect(self.to_pad)
        p.live_toggled.connect(lambda on: self.start_live() if on else self.stop_live())

    # ---- the converter ----------------------------------------------------------------------
    def choose_converter(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self.ctl.w, "Open a converter folder")
        if path:
            self.open_converter(path)

    def open_converter(self, path: str | Path) -> bool:
        try:
            loaded = load_converter(path)
        except Exception as exc:
            self.ctl.errors.show(f"Can't open the converter in {Path(path).name}", str(exc))
            return False
        self._use(loaded.net, loaded.name, Path(path))
        if loaded.config.causal:
            self._list_inputs()
        return True

    def _use(self, net, name: str, path: Path | None = None) -> None:
        self.net, self.name, self.path = net, name, path
        self.version += 1
        self.panel.converter_label.setText(f"Converter: {name}")
        self._update()

    # ---- training ---------------------------------------------------------------------------
    def choose_training(self) -> None:
        w = self.ctl.w
        source = QtWidgets.QFileDialog.getExistingDirectory(w, "Recordings in the sound to convert FROM")
        if not source:
            return
        target = QtWidgets.QFileDialog.getExistingDirectory(w, "Recordings in the sound to convert TO")
        if not target:
            return
        out = QtWidgets.QFileDialog.getExistingDirectory(w, "Folder for the converter (a checkpoint there resumes)")
        if out:
            self.train(source, target, out)

    def train(self, source, target, out, tc: ConvertTrainConfig | None = None) -> None:
        if self.training is not None and self.training.isRunning():
            return
        from ..models.live import LIVE_CONFIG, LIVE_TRAINING
        live = self.panel.live_train.isChecked()
        tc = tc or ConvertTrainConfig(max_minutes=self.train_minutes, **(LIVE_TRAINING if live else {}))
        self.out = Path(out)
        self.names = f"{Path(source).name} -> {Path(target).name}"
        self.training = t = ConvertTrainingThread(source, target, out, tc, cfg=LIVE_CONFIG if live else None)
        t.progress.connect(self._progress)
        t.snapshot.connect(lambda net, step: self._use(net, f"{self.names} (training, step {step})"))
        t.finished_ok.connect(self._trained)
        t.failed.connect(self._train_failed)
        self.panel.set_training(True, "importing both folders…")
        t.start()

    def _progress(self, p) -> None:
        cycle = p.losses.get("g/cycle")
        text = f"step {p.step}, {p.elapsed_s / 60:.1f} min" + (f", cycle loss {cycle:.3f}" if cycle else "")
        self.panel.set_training(True, text + (f": {p.message}" if p.message and p.event != "step" else ""))

    def _trained(self, step: int) -> None:
        self.panel.set_training(False, f"trained to step {step}; converter in {self.out}")
        self.open_converter(self.out)

    def _train_failed(self, msg: str) -> None:
        self.panel.set_training(False, "training failed")
        self.ctl.errors.show("Training the converter failed", msg)

    def stop_training(self) -> None:
        if self.training is not None:
            self.training.proc.stop()
            self.panel.set_training(True, "stopping after this step (saving a checkpoint)…")

    # ---- the recording ----------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.ctl.w, "Recording to convert", "", "Sounds (*.wav *.flac *.ogg *.oga *.aif *.aiff *.mp3);;All files (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> bool:
        try:
            audio, rate, cut = read_recording(path)
        except Exception as exc:
            self.ctl.errors.show(f"Can't read {Path(path).name}", str(exc))
            return False
        self.source, self.source_path, self.result = (audio, rate), Path(path), None
        self.panel.file_label.setText(f"{Path(path).name}: {len(audio) / rate:.1f} s"
                                      + (f" (its first {MAX_FILE_SECONDS / 60:.0f} minutes)" if cut else ""))
        self._update()
        return True

    def _update(self) -> None:
        live = self.net is not None and self.net.cfg.causal and self.path is not None
        self.panel.set_ready(self.source is not None, self.net is not None, live)

    # ---- live input -------------------------------------------------------------------------
    def _list_inputs(self) -> None:
        from ..audio.engine import AudioDeviceError, input_devices
        combo = self.panel.input_combo
        if combo.count():
            return
        try:
            devices = input_devices()
        except AudioDeviceError as exc:
            self.panel.set_live(False, f"no input: {exc}")
            return
        combo.addItem("Default input", None)
        for d in devices:
            combo.addItem(f"{d['name']} ({d['hostapi']})", d["index"])

    def start_live(self) -> None:
        if self.path is None or self.net is None or not self.net.cfg.causal:
            self.panel.set_live(False, "Live needs a converter trained for live input (Train… with "
                                       "'for live input', or train-convert --live), opened from its folder")
            return
        why = self.ctl.studio.start_live(str(self.path), self.panel.input_combo.currentData())
        if why:
            self.panel.set_live(False, f"can't start: {why}")
            return
        self.panel.set_live(True, "starting…")
        self.live_timer.start()

    def _poll_live(self) -> None:
        for kind, info in self.ctl.studio.poll_live():
            self._live_said(kind, info)

    def _live_said(self, kind: str, info) -> None:
        if kind in ("started", "stats"):
            text = (f"Live: {self.name}, {info['added_ms']:.0f} ms added at most, converting takes "
                    f"{info['load']:.0%} of real time")
            self.panel.set_live(True, text + (f", {info['dropouts']} dropout(s)" if info["dropouts"] else ""))
        elif kind in ("overload", "error"):
            self.stop_live(info)
            self.ctl.w.status.showMessage(f"Live conversion stopped: {info}", 8000)
        elif kind == "ended" and self.ctl.studio.live is not None:
            self.stop_live("live conversion ended")

    def stop_live(self, why: str = "") -> None:
        self.live_timer.stop()
        for kind, info in self.ctl.studio.stop_live():
            if kind in ("overload", "error"):
                why = str(info)
        self.panel.set_live(False, why)

    def play_original(self) -> None:
        if self.source is not None:
            audio, rate = self.source
            self.ctl.studio.play_stream(safe_output(audio, rate)[0], rate)

    def play_converted(self) -> None:
        self.converted(lambda audio, rate: self.ctl.studio.play_stream(audio, rate))

    def converted(self, then) -> None:
        """Call ``then(audio, rate)`` with the recording converted by the converter in use,
        converting it first (off the GUI thread) when it hasn't been with this converter."""
        if self.source is None or self.net is None:
            return
        if self.result is not None and self.result[2] == self.version:
            then(self.result[0], self.result[1])
            return
        if self.thread is not None and self.thread.isRunning():
            self.ctl.w.status.showMessage("Still converting…", 3000)
            return
        net, version, (audio, rate) = self.net, self.version, self.source

        def work(_progress):
            lower_thread_priority()
            t0 = time.perf_counter()
            y, out_rate = safe_output(convert_audio(net, audio, rate), net.cfg.sample_rate)
            return y, out_rate, version, time.perf_counter() - t0

        self.thread = CallThread(work)
        self.thread.done.connect(lambda res: self._converted(res, then))
        self.thread.failed.connect(lambda msg: self.ctl.errors.show("Converting failed", msg))
        self.panel.result_label.setText("converting…")
        self.thread.start()

    def _converted(self, res, then) -> None:
        y, rate, version, seconds = res
        self.result = (y, rate, version)
        self.panel.result_label.setText(f"converted {len(y) / rate:.1f} s in {seconds:.1f} s with {self.name}")
        if not getattr(self.ctl, "_shut", False):
            then(y, rate)

    def wait(self, ms: int = 60000) -> bool:
        return self.thread is None or self.thread.wait(ms)

    # ---- out of the studio ------------------------------------------------------------------
    def _file_name(self) -> str:
        stem = self.source_path.stem if self.source_path else "recording"
        return f"{stem}-converted"[:80]

    def drag_file(self) -> Path | None:
        """The converted recording as a WAV in the drag folder (written once per result)."""
        if self.result is None or self.result[2] != self.version:
            self.ctl.w.status.showMessage("Press ▶ Converted first, then drag", 4000)
            return None
        if self._drag_written and self._drag_written[0] is self.result:
            return self._drag_written[1]
        path = Path(self.ctl.drag_dir) / f"{self._file_name()}.wav"
        write_wav(path, self.result[0], self.result[1], "pcm24")
        self._drag_written = (self.result, path)
        return path

    def choose_save(self) -> None:
        if self.result is None:
            self.converted(lambda *_: self.choose_save())
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.ctl.w, "Save the converted recording",
                                                        f"{self._file_name()}.wav", "WAV (*.wav)")
        if path:
            self.save(path)

    def save(self, path: str | Path) -> None:
        audio, rate, _ = self.result
        write_wav(path, audio, rate, "pcm24")
        self.ctl.w.status.showMessage(f"Wrote {Path(path).name}", 4000)

    def to_pad(self) -> None:
        """The selected pad plays the model's version of the converted sound (sound-alike)."""
        def then(_audio, _rate):
            path = self.drag_file()
            if path is not None:
                self.ctl.sound_alike.run(self.ctl.selected, str(path))
        self.converted(then)

    def shutdown(self) -> None:
        """Stop live conversion and training (with its checkpoint); wait for a conversion in flight."""
        self.stop_live()
        if self.training is not None:
            self.training.proc.shutdown()
            self.training.wait(5000)
        self.wait(30000)
