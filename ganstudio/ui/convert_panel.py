"""The Convert tab: a converter (open one, or train one from two folders), a recording (open or
drop), hear it as it was and converted, drag the result out, save it, or put it on a pad.
Widgets only; :mod:`.convert_flow` does the work."""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from .pads import dropped_sound
from .widgets import dim_label, group


class DragHandle(QtWidgets.QLabel):
    """Drag it out to drop the converted recording as a WAV; ``file_fn()`` gives the file's path
    (or None while there is nothing to drag)."""

    def __init__(self, file_fn):
        super().__init__("⇲ Drag out")
        self.file_fn = file_fn
        self.setToolTip("Drag the converted recording into a DAW or a folder, as a WAV")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(26)
        self._start: QtCore.QPoint | None = None

    def mousePressEvent(self, e: QtGui.QMouseEvent) -> None:
        self._start = e.position().toPoint() if e.button() == QtCore.Qt.MouseButton.LeftButton else None

    def mouseMoveEvent(self, e: QtGui.QMouseEvent) -> None:
        if self._start is None or (e.position().toPoint() - self._start).manhattanLength() \
                < QtWidgets.QApplication.startDragDistance():
            return
        self._start = None
        mime = self.drag_mime()
        if mime is not None:
            drag = QtGui.QDrag(self)
            drag.setMimeData(mime)
            drag.exec(QtCore.Qt.DropAction.CopyAction)

    def drag_mime(self) -> QtCore.QMimeData | None:
        path = self.file_fn()
        if path is None:
            return None
        mime = QtCore.QMimeData()
        mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
        return mime


class ConvertPanel(QtWidgets.QWidget):
    open_converter = QtCore.Signal()
    train_converter = QtCore.Signal()
    stop_training = QtCore.Signal()
    open_file = QtCore.Signal()
    file_dropped = QtCore.Signal(str)
    play_original = QtCore.Signal()
    play_converted = QtCore.Signal()
    stop_playing = QtCore.Signal()
    save_as = QtCore.Signal()
    to_pad = QtCore.Signal()
    live_toggled = QtCore.Signal(bool)

    def __init__(self, drag_file_fn=lambda: None):
        super().__init__()
        self.setAcceptDrops(True)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(group("Converter", self._converter_box()))
        lay.addWidget(group("Recording", self._recording_box(drag_file_fn)))
        lay.addWidget(group("Live input", self._live_box()))
        lay.addStretch(1)
        self.set_ready(False, False)

    def _converter_box(self) -> QtWidgets.QVBoxLayout:
        conv = QtWidgets.QVBoxLayout()
        self.converter_label = QtWidgets.QLabel("No converter: open one, or train one from two folders")
        self.converter_label.setWordWrap(True)
        conv.addWidget(self.converter_label)
        row = QtWidgets.QHBoxLayout()
        self.open_b = self._button("Open…", "Open a converter folder (made by Train… or ganstudio train-convert)",
                                   self.open_converter, row)
        self.train_b = self._button("Train…", "Train a converter from a folder of recordings in one sound "
                                    "to a folder in another (unpaired; any lengths)", self.train_converter, row)
        self.stop_train_b = self._button("Stop", "Stop training after this step (a checkpoint is kept)",
                                         self.stop_training, row)
        self.stop_train_b.setVisible(False)
        self.live_train = QtWidgets.QCheckBox("for live input")
        self.live_train.setToolTip("Train… makes a converter that can also run live: it only looks back "
                                   "(at 24 kHz, 21 ms ahead at most), at some cost in quality")
        row.addWidget(self.live_train)
        conv.addLayout(row)
        self.training_label = dim_label()
        conv.addWidget(self.training_label)
        return conv

    def _recording_box(self, drag_file_fn) -> QtWidgets.QVBoxLayout:
        rec = QtWidgets.QVBoxLayout()
        self.file_label = QtWidgets.QLabel("Drop a recording here, or open one")
        self.file_label.setWordWrap(True)
        rec.addWidget(self.file_label)
        row = QtWidgets.QHBoxLayout()
        self.file_b = self._button("Open file…", "Pick a recording to convert (up to 10 minutes)", self.open_file, row)
        rec.addLayout(row)
        play = QtWidgets.QHBoxLayout()
        self.original_b = self._button("▶ Original", "Hear the recording as it is", self.play_original, play)
        self.converted_b = self._button("▶ Converted", "Hear it converted (with the newest snapshot while "
                                        "training)", self.play_converted, play)
        self.stop_b = self._button("■", "Stop playing", self.stop_playing, play)
        rec.addLayout(play)
        out = QtWidgets.QHBoxLayout()
        self.drag = DragHandle(drag_file_fn)
        out.addWidget(self.drag, 1)
        self.save_b = self._button("Save as…", "Write the converted recording as a WAV", self.save_as, out)
        self.pad_b = self._button("To pad", "Put the model's version of the converted sound on the selected "
                                  "pad (sound-alike of its first seconds)", self.to_pad, out)
        rec.addLayout(out)
        self.result_label = dim_label()
        self.result_label.setWordWrap(True)
        rec.addWidget(self.result_label)
        return rec

    def _live_box(self) -> QtWidgets.QVBoxLayout:
        live = QtWidgets.QVBoxLayout()
        row = QtWidgets.QHBoxLayout()
        self.input_combo = QtWidgets.QComboBox()
        self.input_combo.setToolTip("The input to convert (a microphone, a line in)")
        row.addWidget(self.input_combo, 1)
        self.live_b = QtWidgets.QPushButton("● Live")
        self.live_b.setCheckable(True)
        self.live_b.setToolTip("Convert what the input hears as it comes, and play it (needs a converter "
                               "trained for live input)")
        self.live_b.toggled.connect(self.live_toggled.emit)
        row.addWidget(self.live_b)
        live.addLayout(row)
        self.live_label = dim_label()
        self.live_label.setWordWrap(True)
        live.addWidget(self.live_label)
        return live

    def _button(self, text: str, tip: str, signal, layout) -> QtWidgets.QPushButton:
        b = QtWidgets.QPushButton(text)
        b.setToolTip(tip)
        b.clicked.connect(lambda _=False: signal.emit())
        layout.addWidget(b)
        return b

    def set_ready(self, has_file: bool, has_converter: bool, live: bool = False) -> None:
        """Enable what can be done with what is loaded (``live``: a converter for live input, from a folder)."""
        self.original_b.setEnabled(has_file)
        for w in (self.converted_b, self.drag, self.save_b, self.pad_b):
            w.setEnabled(has_file and has_converter)
        self.live_b.setEnabled(live or self.live_b.isChecked())

    def set_live(self, on: bool, text: str) -> None:
        """Show the live state without emitting ``live_toggled``."""
        blocked = self.live_b.blockSignals(True)
        self.live_b.setChecked(on)
        self.live_b.blockSignals(blocked)
        self.live_label.setText(text)

    def set_training(self, on: bool, text: str = "") -> None:
        self.stop_train_b.setVisible(on)
        self.train_b.setEnabled(not on)
        self.training_label.setText(text)

    def dragEnterEvent(self, e: QtGui.QDragEnterEvent) -> None:
        if dropped_sound(e.mimeData()):
            e.acceptProposedAction()

    def dropEvent(self, e: QtGui.QDropEvent) -> None:
        path = dropped_sound(e.mimeData())
        if path:
            e.acceptProposedAction()
            self.file_dropped.emit(path)
