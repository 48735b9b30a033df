"""Sound-alike and nearest in the training set, in the window.

Drop a sound file on a pad (or Pad > Sound-alike from a file…): the search
(:func:`ganstudio.models.invert.invert`) runs off the GUI thread with its progress on the pad;
Esc or the status line's Cancel stops it and leaves the pad as it was. When it is done the pad
plays the model's version of the sound (one undoable step, named after the file), and variations
work around it as around any pad.

Pad > Nearest in the training set: the three clips of the imported dataset closest to the pad's
sound, with their distances on the scale of :mod:`ganstudio.metrics.nearest`; click one to hear it.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets

from ..audio.engine import lower_thread_priority
from ..data.decode import decode
from ..metrics import NearestIndex
from ..metrics.nearest import NEAR_COPY
from ..models.invert import InversionCancelled, invert, target_clip
from ..models.sampling import generate
from ..models.wavegan import style_for
from .workers import CallThread

MAX_SOURCE_S = 60.0


class SoundAlikeFlow:
    """``ctl``: the controller (studio, window, history, errors, dataset)."""

    def __init__(self, ctl):
        self.ctl = ctl
        self.thread: CallThread | None = None
        self.pad: int | None = None
        self._cancel = threading.Event()
        self._index: tuple[int, NearestIndex] | None = None      # (id of the dataset, its index)
        self.cancel_b = QtWidgets.QPushButton("Cancel")
        self.cancel_b.setToolTip("Stop the sound-alike search (Esc); the pad keeps its sound")
        self.cancel_b.clicked.connect(self.cancel)
        self.cancel_b.setVisible(False)
        ctl.w.status.addPermanentWidget(self.cancel_b)
        ctl.w.pads.sound_dropped.connect(self.run)
        self.last_result = None
        self._pending = False

    @property
    def running(self) -> bool:
        """True from the start of a search until its result (or failure) has been handled: the
        thread ends before its queued result reaches the GUI thread."""
        return self._pending or (self.thread is not None and self.thread.isRunning())

    def choose_file(self) -> None:
        pad = self.ctl.selected
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.ctl.w, f"Sound-alike for pad {pad + 1}", "",
            "Sounds (*.wav *.flac *.ogg *.oga *.aif *.aiff *.mp3);;All files (*)")
        if path:
            self.run(pad, path)

    def run(self, pad: int, path: str) -> None:
        """Make pad ``pad`` play the model's version of the sound in ``path``."""
        ctl = self.ctl
        if self.running:
            ctl.w.status.showMessage("A sound-alike search is already running: wait or cancel it", 4000)
            return
        g = ctl.studio.generator
        cfg = g.cfg
        self._cancel.clear()
        self.pad = pad

        def work(progress):
            lower_thread_priority()         # the sound card and the window come first
            audio, rate = decode(path, MAX_SOURCE_S)
            target = target_clip(audio, rate, cfg.sample_rate, cfg.clip_length)
            return invert(g, target, progress=lambda f: progress(int(100 * f), 100, ""),
                          cancelled=self._cancel.is_set)

        self.thread = CallThread(work)
        self._pending = True
        self.thread.progress.connect(lambda done, _t, _s: ctl.w.pads.pads[pad].set_busy(f"matching\n{done}%", done / 100))
        self.thread.done.connect(lambda res: self._ready(pad, path, res))
        self.thread.failed.connect(lambda msg: self._failed(pad, path, msg))
        ctl.w.pads.pads[pad].set_busy("matching\n0%")
        self.cancel_b.setVisible(True)
        ctl.w.status.showMessage(f"Finding the model's version of {Path(path).name} for pad {pad + 1}…")
        self.thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def _finish(self, pad: int) -> None:
        self._pending = False
        self.ctl.w.pads.pads[pad].set_busy("")
        self.cancel_b.setVisible(False)

    def _failed(self, pad: int, path: str, msg: str) -> None:
        self._finish(pad)
        if msg == InversionCancelled.__name__:
            self.ctl.w.status.showMessage(f"Sound-alike cancelled; pad {pad + 1} keeps its sound", 4000)
            return
        self.ctl.errors.show(f"Can't make a sound-alike of {Path(path).name}", msg)

    def _ready(self, pad: int, path: str, res) -> None:
        self._finish(pad)
        ctl = self.ctl
        if getattr(ctl, "_shut", False) or ctl.studio.closed:
            return
        if res.latent.shape[0] != ctl.studio.generator.cfg.latent_dim:    # the model changed meanwhile
            ctl.w.status.showMessage("The model changed during the search; the pad keeps its sound", 4000)
            return
        self.last_result = res
        name = f"~{Path(path).stem}"[:40]

        def apply():
            ctl.studio.set_pad_latent(pad, res.latent, res.label, res.style)
            ctl.studio.change_pad(pad, {"name": name})
        ctl.history.record(pad, "sound-alike", apply)
        ctl.refresh_pad(pad)
        ctl.w.status.showMessage(f"Pad {pad + 1} now plays the model's version of {Path(path).name} "
                                 f"({100 * res.gain:.0f}% closer than the best random sound)", 6000)

    def shutdown(self) -> None:
        self.cancel()
        if self.running:
            self.thread.wait(30000)

    # ---- nearest in the training set ----------------------------------------------------------
    def nearest_index(self):
        """The index of the imported dataset when its clips are at the model's rate; None otherwise
        (a pad's clip is cut or padded to the dataset's clip length)."""
        ds, cfg = self.ctl.dataset, self.ctl.studio.generator.cfg
        if ds is None or len(ds) < 2:
            return None
        if ds.settings.sample_rate != cfg.sample_rate:
            return None
        if self._index is None or self._index[0] != id(ds):
            self._index = (id(ds), NearestIndex(ds.clips, cfg.sample_rate))
        return self._index[1]

    def nearest(self, pad: int, k: int = 3) -> list:
        """The ``k`` training clips nearest to pad ``pad``'s sound (at the model rate), or []."""
        index = self.nearest_index()
        if index is None:
            return []
        st = self.ctl.studio
        style = style_for(st.generator, st.pad_style(pad))
        clip = generate(st.generator, st.pad_latent(pad)[None], [st.pad_label(pad)], styles=[style])
        return index.query(clip, k)[0]

    def category(self, pad: int, k: int = 5) -> str | None:
        """The pad's automatic category: its class in a conditioned model, else the class most
        of its ``k`` nearest dataset clips hold (None without a labelled dataset at the model's rate)."""
        st = self.ctl.studio
        names = list(st.model.config.class_names)
        label = st.pad_label(pad)
        if names and label is not None:
            return names[label]
        ds = self.ctl.dataset
        if ds is None or ds.num_classes < 2:
            return None
        found = self.nearest(pad, k)
        if not found:
            return None
        votes = np.bincount([int(ds.labels[nb.index]) for nb in found], minlength=ds.num_classes)
        return ds.class_names[int(np.argmax(votes))]

    def show_nearest(self) -> None:
        ctl, pad = self.ctl, self.ctl.selected
        found = self.nearest(pad)
        if not found:
            cfg = ctl.studio.generator.cfg
            ctl.errors.show("Nothing to compare with",
                            "Import the folder this model learnt from (Dataset tab) at the model's rate "
                            f"({cfg.sample_rate} Hz); the pad's sound is then compared with every clip of it.")
            return
        NearestDialog(ctl, pad, found, self.category(pad)).exec()


class NearestDialog(QtWidgets.QDialog):
    """The nearest training clips of a pad: distance, file, a click plays it."""

    def __init__(self, ctl, pad: int, found: list, category: str | None = None):
        super().__init__(ctl.w)
        self.setWindowTitle(f"Nearest in the training set: pad {pad + 1}")
        ds = ctl.dataset
        lay = QtWidgets.QVBoxLayout(self)
        first = found[0].distance
        verdict = ("a near-copy of a training clip" if first < NEAR_COPY else
                   "new: as far from the training set as real sounds are from each other" if first >= 0.9 else
                   "close to the training set, not a copy")
        lay.addWidget(QtWidgets.QLabel(f"Pad {pad + 1} is {verdict}.\nDistance 1.0 = the typical distance "
                                       f"between two real clips; under {NEAR_COPY} = near-copy."
                                       + (f"\nCategory: {category}" if category else "")))
        self.buttons = []
        for nb in found:
            b = QtWidgets.QPushButton(f"{nb.distance:.2f}   {ds.files[nb.index] if nb.index < len(ds.files) else nb.index}")
            b.setToolTip("Play this training clip")
            b.clicked.connect(lambda _=False, i=nb.index: ctl.studio.preview(ds.clips[i], ds.settings.sample_rate))
            lay.addWidget(b)
            self.buttons.append(b)
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        lay.addWidget(close)
        QtCore.QTimer.singleShot(0, self.adjustSize)
