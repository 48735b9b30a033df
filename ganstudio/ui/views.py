"""Live and static views drawn with pyqtgraph. Computing (numpy) is kept apart from drawing: each
view takes arrays, the main window's 30 Hz timer feeds them copies from the audio engine."""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from . import theme

FLOOR_DB = -90.0


def _style(w: pg.PlotWidget, title: str, interactive: bool = False) -> pg.PlotWidget:
    """The views' common look: a small dim title, no context menu; fixed axes unless interactive."""
    w.setMenuEnabled(False)
    if not interactive:
        w.setMouseEnabled(False, False)
        w.hideButtons()
    w.setTitle(title, color=theme.DIM, size="8pt")
    return w


def _plot(title: str) -> pg.PlotWidget:
    w = _style(pg.PlotWidget(), title)
    w.getPlotItem().setContentsMargins(0, 0, 4, 0)
    return w


CLIP_POINTS = 4000          # the clip view draws about this many points: enough for its width, fast

class ScopeView(pg.PlotWidget):
    """An oscilloscope of the output: the newest ``span`` frames (0.25 s at 48 kHz), drawn every
    ``step``-th frame with a fixed y range."""

    def __init__(self, span: int = 12000, step: int = 4):
        super().__init__()
        _style(self, "Output")
        self.setYRange(-1, 1, padding=0)
        self.getPlotItem().hideAxis("bottom")
        self.span = span
        self.buf = np.zeros(span, np.float32)
        self.step = step
        self.x = np.arange(0, span, step, dtype=np.float32)
        self.setXRange(0, span, padding=0)
        self.curve = self.plot(self.x, self.buf[::step], pen=pg.mkPen(theme.ACCENT, width=1))
        self.frames_drawn = 0

    def push(self, mono: np.ndarray) -> None:
        """Append new output frames (float32 [n]) and redraw."""
        n = min(len(mono), self.span)
        if n:
            self.buf[:-n] = self.buf[n:]
            self.buf[-n:] = mono[-n:]
        self.curve.setData(self.x, self.buf[::self.step], skipFiniteCheck=True)
        self.frames_drawn += 1


class SpectrogramView(pg.PlotWidget):
    """A scrolling spectrogram: one column of dB magnitudes per ``hop`` frames of output, kept in
    a preallocated row-major image with fixed levels."""

    def __init__(self, sample_rate: int, n_fft: int = 1024, columns: int = 300):
        super().__init__()
        _style(self, "Spectrum")
        self.getPlotItem().hideAxis("bottom")
        self.n_fft, self.hop = n_fft, n_fft // 2
        self.sample_rate = sample_rate
        self.bins = n_fft // 2 + 1
        self.image = np.full((self.bins, columns), FLOOR_DB, np.float32)
        self.item = pg.ImageItem(self.image, levels=(FLOOR_DB, 0.0))
        self.item.setColorMap(pg.colormap.get("inferno"))
        self.item.setRect(QtCore.QRectF(0, 0, columns, sample_rate / 2))
        self.addItem(self.item)
        self.setYRange(0, sample_rate / 2, padding=0)
        self.setXRange(0, columns, padding=0)
        self.getPlotItem().getAxis("left").setLabel("Hz")
        self.window = np.hanning(n_fft).astype(np.float32)
        self.pending = np.zeros(0, np.float32)
        self.frames_drawn = 0

    def push(self, mono: np.ndarray) -> None:
        data = np.concatenate([self.pending, mono])
        cols = []
        while len(data) >= self.n_fft:
            frame = data[:self.n_fft] * self.window
            mag = np.abs(np.fft.rfft(frame)) / (self.n_fft / 4)
            cols.append(20 * np.log10(np.maximum(mag, 1e-6)))
            data = data[self.hop:]
        self.pending = data[-self.n_fft:].copy() if len(data) else data
        if cols:
            k = min(len(cols), self.image.shape[1])
            self.image[:, :-k] = self.image[:, k:]
            self.image[:, -k:] = np.asarray(cols[-k:], np.float32).T
            self.item.setImage(self.image, autoLevels=False)
        self.frames_drawn += 1


CLIP_FFT, CLIP_HOP, CLIP_CHUNK = 512, 256, 16


def clip_spectrogram_db(clip: np.ndarray) -> np.ndarray:
    """Log magnitude of a clip for the clip view, float32 [bins, frames] in dB.

    Computed a few frames at a time, yielding the interpreter lock between pieces: one FFT of a
    whole second holds it for milliseconds, and the audio callback, which runs Python, must not
    wait that long (measured: the clip view redrawn on every training snapshot caused underruns
    at block 256)."""
    window = np.hanning(CLIP_FFT).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(np.asarray(clip, np.float32), CLIP_FFT)[::CLIP_HOP]
    out = np.empty((CLIP_FFT // 2 + 1, len(frames)), np.float32)
    for i in range(0, len(frames), CLIP_CHUNK):
        mag = np.abs(np.fft.rfft(frames[i:i + CLIP_CHUNK] * window, axis=-1)) / (CLIP_FFT / 4)
        out[:, i:i + CLIP_CHUNK] = 20 * np.log10(np.maximum(mag, 1e-6)).T
        time.sleep(0)
    return out


class ClipView(QtWidgets.QWidget):
    """The selected pad's clip (or the dataset clip just clicked): waveform above, spectrogram
    below, with the pad's trim marked; dragging the trim's edges emits ``trim_changed(start, end)``
    (fractions of the clip)."""

    trim_changed = QtCore.Signal(float, float)

    def __init__(self):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.wave = _plot("Pad clip")
        self.wave.setYRange(-1, 1, padding=0)
        self.curve = self.wave.plot(pen=pg.mkPen(theme.HOT, width=1))
        self.region = pg.LinearRegionItem(brush=(79, 195, 247, 30))
        self.region.setToolTip("Drag the edges to trim the pad")
        self.region.sigRegionChangeFinished.connect(self._trimmed)
        self.wave.addItem(self.region)
        self.spec = _plot("")
        self.spec.getPlotItem().hideAxis("bottom")
        self.img = pg.ImageItem(levels=(FLOOR_DB, 0.0))
        self.img.setColorMap(pg.colormap.get("inferno"))
        self.spec.addItem(self.img)
        lay.addWidget(self.wave, 1)
        lay.addWidget(self.spec, 1)
        self.sample_rate = 48000
        self.length = 0

    def _trimmed(self) -> None:
        if self._setting or not self.length or not self.region.isVisible():
            return
        dur = self.length / self.sample_rate
        lo, hi = self.region.getRegion()
        start = float(np.clip(lo / dur, 0.0, 0.99))
        self.trim_changed.emit(start, float(np.clip(hi / dur, start + 0.01, 1.0)))

    _setting = False

    def show_clip(self, clip: np.ndarray, sample_rate: int, start: float = 0.0, end: float = 1.0,
                  notes: str = "", title: str = "Pad clip") -> None:
        """``clip``: float32 [frames] at ``sample_rate``; ``start``/``end`` the trim (fractions);
        ``notes`` what the pad does to it on playback ("reversed", "+3.0 st"), in the title. A
        ``title`` other than the pad's (a dataset clip) shows no trim: there is nothing to trim."""
        self.wave.setTitle(f"{title} · {notes}" if notes else title, color=theme.DIM, size="8pt")
        self.region.setVisible(title == "Pad clip")
        self.sample_rate, self.length = sample_rate, len(clip)
        t = np.arange(len(clip), dtype=np.float32) / sample_rate
        step = max(1, len(clip) // CLIP_POINTS)
        self.curve.setData(t[::step], clip[::step], skipFiniteCheck=True)
        dur = len(clip) / sample_rate if len(clip) else 1.0
        self.wave.setXRange(0, dur, padding=0)
        self._setting = True
        self.region.setBounds((0, dur))
        self.region.setRegion((start * dur, end * dur))
        self._setting = False
        if len(clip) >= CLIP_FFT:
            db = clip_spectrogram_db(clip)
            self.img.setImage(db, autoLevels=False, levels=(FLOOR_DB, 0.0))
            self.img.setRect(QtCore.QRectF(0, 0, db.shape[1], sample_rate / 2))
            self.spec.setXRange(0, db.shape[1], padding=0)
            self.spec.setYRange(0, sample_rate / 2, padding=0)


class LossView(pg.PlotWidget):
    """Live loss curves, one per loss key, over training steps."""

    COLORS = (theme.ACCENT, theme.HOT, "#81c784", "#ba68c8", "#e57373", "#fff176")

    def __init__(self):
        super().__init__()
        _style(self, "Losses", interactive=True)
        self.addLegend(offset=(4, 4), labelTextSize="7pt")
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.steps: list[int] = []
        self.values: dict[str, list[float]] = {}
        self._dirty = False         # new points since the last redraw (steps come far slower than frames)

    def clear_curves(self) -> None:
        for c in self.curves.values():
            self.removeItem(c)
        self.curves.clear()
        self.steps.clear()
        self.values.clear()
        self.plotItem.legend.clear()

    def add(self, step: int, losses: dict[str, float]) -> None:
        self.steps.append(step)
        for k, v in losses.items():
            self.values.setdefault(k, [float("nan")] * (len(self.steps) - 1)).append(float(v))
        for k, vals in self.values.items():
            if len(vals) < len(self.steps):
                vals.append(float("nan"))
        self._dirty = True

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        x = np.asarray(self.steps, np.float64)
        for i, (k, vals) in enumerate(self.values.items()):
            if k not in self.curves:
                self.curves[k] = self.plot(name=k, pen=pg.mkPen(self.COLORS[i % len(self.COLORS)], width=1),
                                           connect="finite")
            self.curves[k].setData(x, np.asarray(vals, np.float64))


class Meter(QtWidgets.QWidget):
    """A stereo peak / RMS meter in dBFS (-60..0), drawn from the engine's newest values."""

    def __init__(self):
        super().__init__()
        self.setMinimumSize(22, 80)
        self.peak = np.full(2, -120.0)
        self.rms = np.full(2, -120.0)
        self.setToolTip("Output level: bar = RMS, line = peak (dBFS)")

    def set_levels(self, peak: np.ndarray, rms: np.ndarray) -> None:
        self.peak = 20 * np.log10(np.maximum(np.asarray(peak, float), 1e-6))
        self.rms = 20 * np.log10(np.maximum(np.asarray(rms, float), 1e-6))
        self.update()

    def paintEvent(self, _event) -> None:
        from PySide6 import QtGui
        p = QtGui.QPainter(self)
        p.fillRect(self.rect(), QtGui.QColor("#101215"))
        n = len(self.peak)
        w = (self.width() - 2) / n
        h = self.height()
        for ch in range(n):
            x = 1 + ch * w
            frac = float(np.clip((self.rms[ch] + 60) / 60, 0, 1))
            color = QtGui.QColor(theme.ACCENT if self.peak[ch] < -3 else theme.HOT)
            p.fillRect(QtCore.QRectF(x + 1, h * (1 - frac), w - 2, h * frac), color)
            pk = float(np.clip((self.peak[ch] + 60) / 60, 0, 1))
            p.setPen(QtGui.QColor("#ffffff"))
            p.drawLine(QtCore.QPointF(x + 1, h * (1 - pk)), QtCore.QPointF(x + w - 1, h * (1 - pk)))
        p.end()
