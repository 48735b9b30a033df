"""Sounds leaving the window: dragging a pad out as a WAV, and the export dialog's stems (chosen by
:func:`ganstudio.export.selection.select_stems`, the same selection as ``ganstudio export``),
written in a worker thread."""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets

from ..export.selection import Selection, select_stems
from ..export.stems import pad_stem_name, stem_name
from ..export.wav import write_wav
from ..procs import pid_alive
from .workers import CallThread

log = logging.getLogger(__name__)

DRAG_PREFIX = "ganstudio-drag-"


def remove_stale_drag_dirs() -> int:
    """Remove the drag-out folders of windows that were killed (their process id is gone)."""
    n = 0
    for d in Path(tempfile.gettempdir()).glob(f"{DRAG_PREFIX}*-*"):
        pid = d.name[len(DRAG_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)) and d.is_dir():
            shutil.rmtree(d, ignore_errors=True)
            n += 1
    return n


def selection_for(choice: dict, selected: int, seed: int) -> Selection:
    """The export dialog's choice (what, count, amount, seconds) as a :class:`Selection`."""
    what = choice["what"]
    if what == "pad":
        return Selection(pads=[selected + 1], seed=seed)
    if what == "pads":
        return Selection(pads=list(range(1, 17)), seed=seed)
    if what == "variations":
        return Selection(variations=choice["count"], variations_of=selected + 1, amount=choice["amount"], seed=seed)
    if what == "random":
        return Selection(random=choice["count"], seed=seed)
    return Selection(texture=choice["seconds"], seed=seed)


class ExportFlow(QtCore.QObject):
    """Drag-out files (in a temp folder removed at exit) and exports in a worker thread."""

    def __init__(self, studio_fn, window, settings: QtCore.QSettings, show_error, category_fn=None):
        """``category_fn(pad)``: the pad's automatic category (or None), which names its UCS
        category in the stem's metadata and ``{category}`` / ``{catid}`` in file names."""
        super().__init__()
        self.studio_fn, self.w, self.settings, self.show_error = studio_fn, window, settings, show_error
        self.category_fn = category_fn
        self.thread: CallThread | None = None
        remove_stale_drag_dirs()
        self.drag_dir = Path(tempfile.mkdtemp(prefix=f"{DRAG_PREFIX}{os.getpid()}-"))

    def drag_file(self, pad: int) -> str:
        """The pad as it plays (trim, pitch, reverse, gain), as a 24-bit WAV to drag out."""
        st = self.studio_fn()
        name = pad_stem_name(pad, st.pad_settings[pad].name)
        stem = stem_name("{model}_{name}", {"model": st.model.name, "name": name})
        path = self.drag_dir / f"{stem}.wav"
        write_wav(path, st.pad_sound(pad), st.sample_rate, "pcm24")
        return str(path)

    def specs(self, choice: dict, selected: int) -> list:
        """The stems the dialog asked for, from the pads' current latents and settings."""
        st = self.studio_fn()
        seed = int(np.random.default_rng().integers(2**31))    # kept in every sidecar
        specs = select_stems(st.model, st.pads_state(), selection_for(choice, selected, seed), "the pads")
        if self.category_fn is not None:
            for spec in specs:
                if spec.pad_index is not None:
                    spec.category = self.category_fn(spec.pad_index)
        return specs

    def dialog(self, selected: int) -> None:
        from platformdirs import user_music_dir
        from .export_dialog import ExportDialog
        if self.thread and self.thread.isRunning():
            self.w.status.showMessage("An export is still running", 5000)
            return
        dlg = ExportDialog(self.w, self.settings, str(Path(user_music_dir()) / "GAN Studio"))
        if dlg.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.run(dlg.choice(), dlg.export_settings(), selected)

    def run(self, choice: dict, settings, selected: int) -> None:
        """Export in a worker thread; the result or the error arrives in the status bar / dialog."""
        from ..export import ExportError, export_stems
        st = self.studio_fn()
        model, specs = st.model, self.specs(choice, selected)
        if st.snapshot_step is not None:
            self.w.status.showMessage("Exporting from the model file; the training snapshot you hear "
                                      "is written there at the next checkpoint", 8000)

        def work(progress):
            try:
                return export_stems(model, specs, choice["folder"], settings, progress_fn=progress)
            except ExportError as exc:
                raise RuntimeError(str(exc)) from None
        self.thread = CallThread(work)
        self.thread.progress.connect(lambda i, n, name: self.w.status.showMessage(f"Exported {i}/{n}: {name}"))
        self.thread.done.connect(lambda done: self.w.status.showMessage(
            f"Exported {len(done)} stem(s) with sidecars to {choice['folder']}", 10000))
        self.thread.failed.connect(lambda msg: (log.warning("export stopped: %s", msg),
                                                 self.show_error("Export stopped", msg)))
        self.thread.start()

    def shutdown(self) -> None:
        if self.thread and self.thread.isRunning():
            self.thread.wait(60000)
        shutil.rmtree(self.drag_dir, ignore_errors=True)
