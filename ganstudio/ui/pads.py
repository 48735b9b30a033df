"""The 4x4 pad grid: click or key to play, right-click to select without playing, drag a pad out
to a file manager or DAW to drop it as a WAV file, drop a sound file on a pad to make the model's
version of it (sound-alike)."""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from . import theme

# keyboard layout, bottom row first like a drum machine: 1-4 / Q-R / A-F / Z-V
KEYS = "ZXCVASDFQWER1234"
PAD_KEYS = {getattr(QtCore.Qt.Key, f"Key_{k}"): i for i, k in enumerate(KEYS)}


THUMB_COLUMNS = 48


def pad_tooltip(index: int, name: str) -> str:
    return (f"{name} (key {KEYS[index]}): click to play, right-click to select, drag out to drop it as a "
            "WAV file, drop a sound file on it to make the model's version of that sound")


AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".mp3")


def dropped_sound(mime: QtCore.QMimeData) -> str | None:
    """The local audio file a drag carries (the first one), or None."""
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile() and url.toLocalFile().lower().endswith(AUDIO_SUFFIXES):
            return url.toLocalFile()
    return None


def thumbnail(clip: np.ndarray, columns: int = THUMB_COLUMNS) -> np.ndarray:
    """A pad's waveform thumbnail: the peak of ``clip`` (float32 [frames], or [frames, channels]:
    the louder channel) in each of ``columns`` equal spans, on a dB scale from -48 dB (0) to
    0 dBFS (1), so quiet tails stay visible."""
    clip = np.abs(np.asarray(clip, np.float32))
    if clip.ndim == 2:
        clip = clip.max(axis=1)
    if not len(clip):
        return np.zeros(0, np.float32)
    edges = np.linspace(0, len(clip), columns + 1).astype(int)
    if len(clip) >= columns:        # every span holds a sample: one vectorised reduction
        peaks = np.maximum.reduceat(clip, edges[:-1])
    else:
        peaks = np.array([clip[a:max(b, a + 1)].max() if a < len(clip) else 0.0
                          for a, b in zip(edges[:-1], edges[1:])])
    return np.clip(1 + 20 * np.log10(np.maximum(peaks, 1e-6)) / 48, 0, 1).astype(np.float32)


def draw_envelope(qp: QtGui.QPainter, envelope: np.ndarray, rect: QtCore.QRectF) -> None:
    """Draw a :func:`thumbnail` envelope as mirrored vertical lines filling ``rect``."""
    n = len(envelope)
    mid = rect.center().y()
    for i, v in enumerate(envelope):
        x = rect.left() + rect.width() * (i + 0.5) / n
        qp.drawLine(QtCore.QPointF(x, mid - v * rect.height() / 2), QtCore.QPointF(x, mid + v * rect.height() / 2))


def waveform_icon(clip: np.ndarray, width: int = 48, height: int = 16) -> QtGui.QIcon:
    """A small waveform picture of ``clip`` for lists (the dataset's clips)."""
    pix = QtGui.QPixmap(width, height)
    pix.fill(QtGui.QColor(0, 0, 0, 0))
    qp = QtGui.QPainter(pix)
    qp.setPen(QtGui.QPen(QtGui.QColor(theme.ACCENT), 1))
    draw_envelope(qp, thumbnail(clip, width // 2), QtCore.QRectF(0, 1, width, height - 2))
    qp.end()
    return QtGui.QIcon(pix)


class PadButton(QtWidgets.QPushButton):
    pressed_pad = QtCore.Signal(int)
    selected_pad = QtCore.Signal(int)
    keep_pad = QtCore.Signal(int)
    sound_dropped = QtCore.Signal(int, str)     # pad, path of a sound file dropped on it

    def __init__(self, index: int, export_fn: Callable[[int], str] | None = None):
        super().__init__()
        self.index = index
        self.busy_text = ""
        self.export_fn = export_fn
        self.setProperty("pad", True)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        # Ignored: a long name never widens its column; set_names elides it to the pad's width
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Expanding)
        self.setMinimumWidth(56)
        self.setToolTip(pad_tooltip(index, f"Pad {index + 1}"))
        self.keep_b = QtWidgets.QToolButton(self, text="+", autoRaise=True)
        self.keep_b.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.keep_b.setToolTip("Keep this sound (K keeps the selected pad): it goes to the Keeps list")
        self.keep_b.setFixedSize(18, 18)
        self.keep_b.clicked.connect(lambda: self.keep_pad.emit(self.index))
        self._drag_start: QtCore.QPoint | None = None
        self._lit = QtCore.QTimer(self, singleShot=True, interval=120, timeout=lambda: self._set("lit", False))

    def resizeEvent(self, e: QtGui.QResizeEvent) -> None:
        super().resizeEvent(e)
        self.keep_b.move(self.width() - self.keep_b.width() - 3, 3)

    thumb = None            # float32 [columns] 0..1: the peak of the pad's sound per column

    def set_thumbnail(self, envelope) -> None:
        """Draw ``envelope`` (see :func:`thumbnail`) behind the pad's text; None clears it."""
        self.thumb = envelope
        self.update()

    busy_fraction = 0.0

    def set_busy(self, text: str, fraction: float = 0.0) -> None:
        """Show ``text`` over the pad with a bar filled to ``fraction`` (0..1); "" clears it."""
        self.busy_text, self.busy_fraction = text, min(max(float(fraction), 0.0), 1.0)
        self.update()

    def dragEnterEvent(self, e: QtGui.QDragEnterEvent) -> None:
        if self.acceptDrops() and e.source() is None and dropped_sound(e.mimeData()):
            e.acceptProposedAction()

    def dropEvent(self, e: QtGui.QDropEvent) -> None:
        path = dropped_sound(e.mimeData())
        if path:
            e.acceptProposedAction()
            self.sound_dropped.emit(self.index, path)

    def paintEvent(self, e: QtGui.QPaintEvent) -> None:
        super().paintEvent(e)
        if self.busy_text:
            qp = QtGui.QPainter(self)
            inner = self.rect().adjusted(2, 2, -2, -2)
            qp.fillRect(inner, QtGui.QColor(theme.PANEL))
            bar = QtCore.QRect(inner.left() + 6, inner.bottom() - 8, int((inner.width() - 12) * self.busy_fraction), 4)
            qp.fillRect(bar, QtGui.QColor(theme.ACCENT))
            qp.setPen(QtGui.QColor(theme.ACCENT))
            qp.drawText(self.rect(), QtCore.Qt.AlignmentFlag.AlignCenter, self.busy_text)
            qp.end()
            return
        if self.thumb is None or not len(self.thumb):
            return
        qp = QtGui.QPainter(self)
        colour = QtGui.QColor(theme.ACCENT)
        colour.setAlpha(90)
        qp.setPen(QtGui.QPen(colour, 1))
        draw_envelope(qp, self.thumb, QtCore.QRectF(4, 4, self.width() - 8, self.height() - 8))
        qp.end()

    def _set(self, prop: str, value: bool) -> None:
        self.setProperty(prop, value)
        self.style().unpolish(self)
        self.style().polish(self)

    def flash(self) -> None:
        self._set("lit", True)
        self._lit.start()

    def set_selected(self, on: bool) -> None:
        self._set("selected", on)

    select_on_play = True       # a left click also selects (the grid's pads; not the variations')

    def mousePressEvent(self, e: QtGui.QMouseEvent) -> None:
        if e.button() == QtCore.Qt.MouseButton.RightButton:
            self.selected_pad.emit(self.index)
            return
        if e.button() == QtCore.Qt.MouseButton.LeftButton:
            self._drag_start = e.position().toPoint()
            self.pressed_pad.emit(self.index)       # the sound is queued before anything is drawn
            if self.select_on_play:
                self.selected_pad.emit(self.index)
        super().mousePressEvent(e)

    def mouseMoveEvent(self, e: QtGui.QMouseEvent) -> None:
        if (self._drag_start is not None and self.export_fn
                and (e.position().toPoint() - self._drag_start).manhattanLength()
                >= QtWidgets.QApplication.startDragDistance()):
            self._drag_start = None
            self.setDown(False)
            self.start_drag()
            return
        super().mouseMoveEvent(e)

    def drag_mime(self) -> QtCore.QMimeData:
        """The pad as a WAV file in a temporary folder, offered as a file URL."""
        path = self.export_fn(self.index)
        mime = QtCore.QMimeData()
        mime.setUrls([QtCore.QUrl.fromLocalFile(path)])
        return mime

    def start_drag(self) -> None:
        drag = QtGui.QDrag(self)
        drag.setMimeData(self.drag_mime())
        drag.setPixmap(self.grab().scaled(48, 36))
        drag.exec(QtCore.Qt.DropAction.CopyAction)


class PadGrid(QtWidgets.QWidget):
    """16 pads; emits ``play(pad)``, ``select(pad)`` and ``keep(pad)``."""

    play = QtCore.Signal(int)
    select = QtCore.Signal(int)
    keep = QtCore.Signal(int)
    sound_dropped = QtCore.Signal(int, str)

    def __init__(self, export_fn: Callable[[int], str] | None = None):
        super().__init__()
        grid = QtWidgets.QGridLayout(self)
        grid.setSpacing(6)
        grid.setContentsMargins(0, 0, 0, 0)
        self.pads = []
        for i in range(16):
            b = PadButton(i, export_fn)
            b.setText(f"{i + 1}\n{KEYS[i]}")
            b.pressed_pad.connect(self.play)
            b.selected_pad.connect(self.select)
            b.keep_pad.connect(self.keep)
            b.setAcceptDrops(True)
            b.sound_dropped.connect(self.sound_dropped)
            grid.addWidget(b, 3 - i // 4, i % 4)
            self.pads.append(b)
        for c in range(4):
            grid.setColumnStretch(c, 1)         # four equal columns whatever the names
        self.selected = 0
        self.select.connect(self._mark)
        self._mark(0)

    def _mark(self, index: int) -> None:
        self.pads[self.selected].set_selected(False)
        self.selected = index
        self.pads[index].set_selected(True)

    def set_names(self, names: list[str]) -> None:
        self._names = list(names)
        for i, (b, n) in enumerate(zip(self.pads, names)):
            shown = b.fontMetrics().elidedText(n, QtCore.Qt.TextElideMode.ElideRight, max(40, b.width() - 12))
            b.setText(f"{shown}\n{KEYS[i]}")
            b.setToolTip(pad_tooltip(i, n))

    def resizeEvent(self, e: QtGui.QResizeEvent) -> None:
        super().resizeEvent(e)
        if getattr(self, "_names", None):
            self.set_names(self._names)         # elide again to the new width
