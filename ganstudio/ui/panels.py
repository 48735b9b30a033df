"""The dataset and training panels (the pad's own is in :mod:`.pad_panel`). Each
emits intent signals and shows what it is told; the controller does the work."""
from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from ..data.kinds import DEFAULT_KINDS, MAX_KINDS
from ..data.settings import SUPPORTED_RATES
from ..models.config import PRESETS
from ..training.config import LOSSES
from .views import LossView
from .pads import waveform_icon
from .widgets import dim_label, path_row


def _fmt_time(s: float | None) -> str:
    if s is None:
        return "–"
    s = int(s)
    return f"{s // 60}:{s % 60:02d}"


def _float(value, default: float) -> float:
    """A number from QSettings (which may hand back strings, or anything a user edited in)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    return v if v == v and abs(v) != float("inf") else default


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class DatasetPanel(QtWidgets.QWidget):
    """Drop or choose a folder of sounds; shows what was imported and what was skipped."""

    open_folder = QtCore.Signal(str)
    play_clip = QtCore.Signal(int)
    settings_changed = QtCore.Signal()          # rate or clip length: the clips must be re-imported
    exclude_changed = QtCore.Signal(int, bool)   # clip row, left out of training

    def __init__(self):
        super().__init__()
        self.setAcceptDrops(True)
        lay = QtWidgets.QVBoxLayout(self)
        row = QtWidgets.QHBoxLayout()
        self.choose = QtWidgets.QPushButton("Open folder…")
        self.choose.setToolTip("Choose a folder of sounds (subfolders become classes), or drop one here")
        self.choose.clicked.connect(self._dialog)
        self.rate = QtWidgets.QComboBox()
        for r in SUPPORTED_RATES:
            self.rate.addItem(f"{r / 1000:g} kHz", r)
        self.rate.setToolTip("Model sample rate: clips are resampled to it")
        self.seconds = QtWidgets.QDoubleSpinBox(minimum=0.5, maximum=4.0, singleStep=0.25, value=1.0, suffix=" s")
        self.seconds.setToolTip("Clip length: longer sounds are cut with a fade, shorter ones padded")
        row.addWidget(self.choose)
        row.addWidget(self.rate)
        row.addWidget(self.seconds)
        self.rate.currentIndexChanged.connect(lambda _i: self.settings_changed.emit())
        self.seconds.editingFinished.connect(self._seconds_done)
        self._last_seconds = self.seconds.value()
        lay.addLayout(row)
        self.summary = QtWidgets.QLabel("Drop a folder of sounds here")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.progress = QtWidgets.QProgressBar(visible=False)
        lay.addWidget(self.progress)
        self.clips = QtWidgets.QListWidget()
        self.clips.setToolTip("Click a clip to hear it as the model will learn it; untick it to leave it "
                              "out of training (⚠: clipped, much quieter or louder, cut, or a copy)")
        self.clips.itemClicked.connect(lambda it: self.play_clip.emit(self.clips.row(it)))
        self.clips.itemChanged.connect(self._ticked)
        self._filling = False
        lay.addWidget(self.clips, 3)
        self.counts = dim_label("")
        lay.addWidget(self.counts)
        lay.addWidget(dim_label("Skipped files"))
        self.skipped = QtWidgets.QPlainTextEdit(readOnly=True)
        self.skipped.setMaximumHeight(90)
        lay.addWidget(self.skipped, 1)

    def settings(self) -> tuple[int, float]:
        return int(self.rate.currentData()), float(self.seconds.value())

    def _seconds_done(self) -> None:
        if self.seconds.value() != self._last_seconds:
            self._last_seconds = self.seconds.value()
            self.settings_changed.emit()

    def save_state(self, s: QtCore.QSettings) -> None:
        s.setValue("dataset/rate", self.rate.currentData())
        s.setValue("dataset/seconds", self.seconds.value())

    def restore_state(self, s: QtCore.QSettings) -> None:
        self.blockSignals(True)         # restoring is not a change that asks for a re-import
        i = self.rate.findData(_int(s.value("dataset/rate"), 16000))
        self.rate.setCurrentIndex(max(i, 0))
        self.seconds.setValue(_float(s.value("dataset/seconds"), 1.0))
        self._last_seconds = self.seconds.value()
        self.blockSignals(False)

    def _dialog(self) -> None:
        d = QtWidgets.QFileDialog.getExistingDirectory(self, "Folder of sounds")
        if d:
            self.open_folder.emit(d)

    def dragEnterEvent(self, e) -> None:
        if e.mimeData().hasUrls() and any(Path(u.toLocalFile()).is_dir() for u in e.mimeData().urls()):
            e.acceptProposedAction()

    def dropEvent(self, e) -> None:
        for u in e.mimeData().urls():
            if Path(u.toLocalFile()).is_dir():
                self.open_folder.emit(u.toLocalFile())
                return

    def set_busy(self, done: int, total: int, text: str) -> None:
        self.progress.setVisible(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.summary.setText(f"Importing {done}/{total}: {text}")

    def show_dataset(self, ds, excluded: set | None = None) -> None:
        self.progress.setVisible(False)
        s = ds.summary()
        classes = ", ".join(f"{k} ({v})" for k, v in s["classes"].items())
        self.summary.setText(f"<b>{s['clips']} clips</b>, {s['sound_seconds']:.1f} s of sound (median "
                             f"{s['median_sound_seconds']:.2f} s a clip) at {s['sample_rate']} Hz"
                             f" · {s['profile']['kind']} sounds (loud for {s['profile']['loud_seconds']:.2f} s)"
                             f" · {len(s['classes'])} classes: {classes}"
                             f" · {s['skipped']} skipped · {Path(ds.source).name}")
        self._filling = True
        self.clips.clear()
        excluded = excluded or set()
        self.clips.setIconSize(QtCore.QSize(48, 16))
        for clip, f, label, flags in zip(ds.clips, ds.files, ds.labels, ds.flags):
            it = QtWidgets.QListWidgetItem(waveform_icon(clip),
                                           f"{ds.class_names[int(label)]} · {f}" + (" ⚠ " + ", ".join(flags) if flags else ""))
            it.setFlags(it.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(QtCore.Qt.CheckState.Unchecked if f in excluded else QtCore.Qt.CheckState.Checked)
            if flags:
                it.setToolTip("; ".join(flags))
            self.clips.addItem(it)
        self._filling = False
        self.show_counts(len(ds) - len(excluded), len(ds), sum(bool(f) for f in ds.flags))
        self.skipped.setPlainText(ds.skip_report() or "none")

    def show_counts(self, included: int, total: int, flagged: int | None = None) -> None:
        if flagged is not None:
            self._flagged = flagged
        self.counts.setText(f"{included} of {total} clips train · {getattr(self, '_flagged', 0)} flagged ⚠")

    def _ticked(self, it: QtWidgets.QListWidgetItem) -> None:
        if not self._filling:
            self.exclude_changed.emit(self.clips.row(it), it.checkState() != QtCore.Qt.CheckState.Checked)

    def show_error(self, msg: str) -> None:
        self.progress.setVisible(False)
        self.summary.setText(f"<span style='color:#ffb74d'>{msg}</span>")


class TrainingPanel(QtWidgets.QWidget):
    start = QtCore.Signal()
    hear_now = QtCore.Signal()
    pause = QtCore.Signal()
    resume = QtCore.Signal()
    stop = QtCore.Signal()

    def __init__(self):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(self._settings_form())
        lay.addLayout(self._buttons())
        self.bar = QtWidgets.QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("idle")
        lay.addWidget(self.bar)
        self.status = dim_label("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.losses = LossView()
        lay.addWidget(self.losses, 1)

    def _settings_form(self) -> QtWidgets.QFormLayout:
        """Preset, loss, limits, classes, base, Hi-fi and the model folder."""
        form = QtWidgets.QFormLayout()
        self.preset = QtWidgets.QComboBox()
        self.preset.addItems([p for p in PRESETS])
        self.preset.setToolTip("tiny trains usefully on a laptop CPU in minutes; large wants a GPU")
        self.loss = QtWidgets.QComboBox()
        self.loss.addItem("preset's choice", "")
        for name in LOSSES:
            self.loss.addItem(name, name)
        self.minutes = QtWidgets.QDoubleSpinBox(minimum=0, maximum=100000, value=10, suffix=" min", decimals=1)
        self.minutes.setSpecialValueText("no time limit")
        self.steps = QtWidgets.QSpinBox(minimum=0, maximum=10_000_000, value=0, singleStep=100, suffix=" steps")
        self.steps.setSpecialValueText("no step limit")
        self.steps.setToolTip("Stop after this many steps (with a time limit too: whichever comes first)")
        self.conditional = QtWidgets.QCheckBox("Learn classes", checked=True)
        self.conditional.setToolTip("Each subfolder becomes a class you can ask a pad for; in a folder without "
                                    "subfolders, kinds of sound are found by how the sounds are shaped over "
                                    "time and frequency (kicks, hats, snares...) and become \"kind 1\", "
                                    "\"kind 2\"... The model also learns how loud each class's sounds are over "
                                    "frequency and time, and how much that varies from one sound to the next: "
                                    "on drums and effects it ends 2-5x closer to the recordings than "
                                    "without classes")
        self.kinds = QtWidgets.QSpinBox(minimum=2, maximum=MAX_KINDS, value=DEFAULT_KINDS, prefix="up to ",
                                        suffix=" kinds")
        self.kinds.setToolTip("How many kinds of sound to look for when the folder has no subfolders "
                              "(at most one per 8 sounds)")
        self.conditional.toggled.connect(self.kinds.setEnabled)
        self.kinds.setEnabled(self.conditional.isChecked())
        classes_row = QtWidgets.QHBoxLayout()
        classes_row.setContentsMargins(0, 0, 0, 0)
        classes_row.addWidget(self.conditional)
        classes_row.addWidget(self.kinds)
        classes_row.addStretch(1)
        self.from_base = QtWidgets.QCheckBox("Start from the pretrained base", checked=True)
        self.from_base.setToolTip("A new tiny model starts from a pair trained on GAN Studio's own procedural "
                                  "one-shots and learns your sounds from there: at equal time it ends 2-3x "
                                  "closer to real recordings than starting from nothing. Folders of short "
                                  "sounds (drum hits, words) and of sustained ones (notes, most effects) each have "
                                  "their own base; the Dataset tab says which kind yours is (a resumed model keeps "
                                  "its own weights)")
        self.hifi = QtWidgets.QCheckBox("Hi-fi: also train its bandwidth extender")
        self.hifi.setToolTip("After the generator, train the model's own extender on the folder at 48 kHz, "
                             "so its sounds get the air above 8 kHz that your recordings have "
                             "(it takes a fifth of the time limit; 10 minutes without one)")
        self.out = QtWidgets.QLineEdit()
        self.out.setToolTip("Model folder; if it holds a training state, training resumes from it")
        out_row = path_row(self.out, self._browse)
        for label, w in (("Preset", self.preset), ("Loss", self.loss), ("Length", self.minutes),
                         ("", self.steps), ("", classes_row), ("", self.from_base), ("", self.hifi),
                         ("Model", out_row)):
            form.addRow(label, w)
        return form

    def _buttons(self) -> QtWidgets.QHBoxLayout:
        """Train, Pause / Resume, Hear now, Stop."""
        buttons = QtWidgets.QHBoxLayout()
        self.start_b = QtWidgets.QPushButton("Train")
        self.pause_b = QtWidgets.QPushButton("Pause", checkable=True, enabled=False)
        self.stop_b = QtWidgets.QPushButton("Stop", enabled=False)
        self.hear_b = QtWidgets.QPushButton("Hear now", enabled=False)
        self.hear_b.setToolTip("Put the model as it is this step on the pads (it also comes every 25 steps)")
        self.hear_b.clicked.connect(self.hear_now)
        self.start_b.setToolTip("Start training (or resume from the model folder's checkpoint)")
        self.start_b.clicked.connect(self.start)
        self.pause_b.toggled.connect(self._pause_toggled)
        self.stop_b.clicked.connect(self.stop)
        for b in (self.start_b, self.pause_b, self.hear_b, self.stop_b):
            buttons.addWidget(b)
        return buttons

    def _pause_toggled(self, on: bool) -> None:
        self.pause_b.setText("Resume" if on else "Pause")
        (self.pause if on else self.resume).emit()

    def save_state(self, s: QtCore.QSettings) -> None:
        s.setValue("training/preset", self.preset.currentText())
        s.setValue("training/loss", self.loss.currentData())
        s.setValue("training/minutes", self.minutes.value())
        s.setValue("training/steps", self.steps.value())
        s.setValue("training/conditional", self.conditional.isChecked())
        s.setValue("training/kinds", self.kinds.value())
        s.setValue("training/hifi", self.hifi.isChecked())
        s.setValue("training/from_base", self.from_base.isChecked())
        s.setValue("training/out", self.out.text())

    def restore_state(self, s: QtCore.QSettings) -> None:
        preset = str(s.value("training/preset", "tiny"))
        self.preset.setCurrentText(preset if preset in PRESETS else "tiny")
        self.loss.setCurrentIndex(max(self.loss.findData(str(s.value("training/loss", "") or "")), 0))
        self.minutes.setValue(_float(s.value("training/minutes"), 10.0))
        self.steps.setValue(_int(s.value("training/steps"), 0))
        self.conditional.setChecked(str(s.value("training/conditional", "true")).lower() == "true")
        self.kinds.setValue(min(max(_int(s.value("training/kinds"), DEFAULT_KINDS), 2), MAX_KINDS))
        self.hifi.setChecked(str(s.value("training/hifi", "false")).lower() == "true")
        self.from_base.setChecked(str(s.value("training/from_base", "true")).lower() == "true")
        self.out.setText(str(s.value("training/out", "") or ""))

    def _browse(self) -> None:
        d = QtWidgets.QFileDialog.getExistingDirectory(self, "Model folder")
        if d:
            self.out.setText(d)

    def set_running(self, running: bool) -> None:
        if running:
            self.kinds_line = ""
        self.start_b.setEnabled(not running)
        self.pause_b.setEnabled(running)
        self.hear_b.setEnabled(running)
        self.stop_b.setEnabled(running)
        if not running:
            self.pause_b.blockSignals(True)
            self.pause_b.setChecked(False)
            self.pause_b.setText("Pause")
            self.pause_b.blockSignals(False)

    quality_line = ""
    kinds_line = ""          # the kinds of sound the run found, said before its first step

    def show_progress(self, p) -> None:
        if p.event == "start":
            self.quality_line = ""
        if p.event == "quality":
            self.quality_line = p.message
        if p.event == "kinds":
            self.kinds_line = p.message
        if p.event == "step":
            self.losses.add(p.step, p.losses)
        if p.max_steps:
            frac = p.step / p.max_steps
        elif p.eta_s is not None and p.elapsed_s + p.eta_s > 0:
            frac = p.elapsed_s / (p.elapsed_s + p.eta_s)
        else:
            frac = None
        if frac is not None:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(frac, 1.0)))
        else:
            self.bar.setRange(0, 0)      # until stopped: a busy bar
        losses = "  ".join(f"{k} {v:.3f}" for k, v in list(p.losses.items())[:3])
        self.bar.setFormat(f"step {p.step} · {p.event}" if p.event != "step" else f"step {p.step}")
        message = "" if p.event in ("quality", "kinds") else p.message
        self.status.setText(f"{p.steps_per_s:.2f} steps/s · {_fmt_time(p.elapsed_s)} elapsed · "
                            f"ETA {_fmt_time(p.eta_s)}  {losses}  {message}"
                            + "".join(f"\n{line}" for line in (self.kinds_line, self.quality_line) if line))
