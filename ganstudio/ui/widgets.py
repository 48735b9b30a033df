"""Small labelled controls shared by the panels."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class Knob(QtWidgets.QWidget):
    """A dial with a caption and a value readout; ``value`` is a float in [lo, hi]."""

    changed = QtCore.Signal(float)

    def __init__(self, caption: str, lo: float, hi: float, value: float, fmt="{:.2f}",
                 tooltip: str = "", steps: int = 200, curve=None):
        """``fmt``: a format string or a function of the value; ``curve``: (to_value, to_fraction),
        functions between the dial's travel 0..1 and the value, for a scale that is not linear."""
        super().__init__()
        self.lo, self.hi, self.steps = lo, hi, steps
        self.fmt = fmt if callable(fmt) else fmt.format
        self.curve = curve
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.dial = QtWidgets.QDial()
        self.dial.setRange(0, steps)
        self.dial.setFixedSize(44, 44)
        self.dial.setNotchesVisible(False)
        self.readout = QtWidgets.QLabel(alignment=QtCore.Qt.AlignmentFlag.AlignCenter)
        cap = QtWidgets.QLabel(caption, alignment=QtCore.Qt.AlignmentFlag.AlignCenter)
        cap.setProperty("role", "dim")
        lay.addWidget(self.dial, 0, QtCore.Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.readout)
        lay.addWidget(cap)
        self.setToolTip(tooltip or caption)
        self.dial.valueChanged.connect(self._moved)
        self.set_value(value)

    def value(self) -> float:
        f = self.dial.value() / self.steps
        return self.curve[0](f) if self.curve else self.lo + (self.hi - self.lo) * f

    def set_value(self, v: float) -> None:
        if self.curve:
            f = self.curve[1](v)
        else:
            f = (min(max(v, self.lo), self.hi) - self.lo) / (self.hi - self.lo)
        self.dial.blockSignals(True)
        self.dial.setValue(round(min(max(f, 0.0), 1.0) * self.steps))
        self.dial.blockSignals(False)
        self.readout.setText(self.fmt(self.value()))

    def _moved(self, _pos: int) -> None:
        v = self.value()
        self.readout.setText(self.fmt(v))
        self.changed.emit(v)


def dim_label(text: str = "") -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel(text)
    lab.setProperty("role", "dim")
    return lab


def group(title: str, layout: QtWidgets.QLayout) -> QtWidgets.QGroupBox:
    g = QtWidgets.QGroupBox(title)
    g.setLayout(layout)
    return g


def path_row(edit: QtWidgets.QLineEdit, on_browse) -> QtWidgets.QHBoxLayout:
    """A path field with a small "…" button beside it."""
    row = QtWidgets.QHBoxLayout()
    browse = QtWidgets.QPushButton("…")
    browse.setFixedWidth(28)
    browse.setStyleSheet("padding: 0;")
    browse.clicked.connect(on_browse)
    row.addWidget(edit)
    row.addWidget(browse)
    return row


class JumpSlider(QtWidgets.QSlider):
    """A slider whose handle jumps to where the groove is clicked (and can be dragged on from
    there), instead of stepping a page towards it."""

    def mousePressEvent(self, e) -> None:
        if e.button() == QtCore.Qt.MouseButton.LeftButton:
            opt = QtWidgets.QStyleOptionSlider()
            self.initStyleOption(opt)
            style, cc = self.style(), QtWidgets.QStyle.ComplexControl.CC_Slider
            handle = style.subControlRect(cc, opt, QtWidgets.QStyle.SubControl.SC_SliderHandle, self)
            if not handle.contains(e.position().toPoint()):
                groove = style.subControlRect(cc, opt, QtWidgets.QStyle.SubControl.SC_SliderGroove, self)
                if self.orientation() == QtCore.Qt.Orientation.Horizontal:
                    pos, span = e.position().x() - groove.x() - handle.width() / 2, groove.width() - handle.width()
                else:
                    pos, span = e.position().y() - groove.y() - handle.height() / 2, groove.height() - handle.height()
                self.setValue(QtWidgets.QStyle.sliderValueFromPosition(
                    self.minimum(), self.maximum(), int(round(pos)), max(1, int(span)), opt.upsideDown))
        super().mousePressEvent(e)
