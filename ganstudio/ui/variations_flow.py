"""More like this: a row of mini pads with variations of the selected pad that are actually
different (``Studio.variations``: calibrated distance, near-duplicates rejected). Click one to
hear it, right-click to put it on the pad (one undoable step), + to keep it, drag it out as a WAV.
"""
from __future__ import annotations

from PySide6 import QtWidgets

from ..export.settings import DEFAULT_TEMPLATE
from ..export.stems import pad_stem_name, stem_name
from ..export.wav import write_wav
from ..keeps import KeepError
from .pads import PadButton, thumbnail
from .workers import CallThread

COUNT = 8


class VariationsRow(QtWidgets.QWidget):
    """``COUNT`` mini pads under the pad panel; hidden until variations are asked for."""

    def __init__(self, export_fn):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QtWidgets.QLabel()
        self.label.setProperty("role", "dim")
        lay.addWidget(self.label)
        row = QtWidgets.QHBoxLayout()
        self.pads = []
        for i in range(COUNT):
            b = PadButton(i, export_fn)
            b.select_on_play = False                # right-click uses it, a click only plays it
            b.setText(f"v{i + 1}")
            b.setMinimumWidth(40)
            b.setStyleSheet("min-height: 34px; min-width: 40px;")
            b.setToolTip("Click to hear, right-click to put it on the pad, + to keep, drag out as a WAV")
            row.addWidget(b)
            self.pads.append(b)
        lay.addLayout(row)
        self.setVisible(False)

    def show_variations(self, pad: int, clips: list, amount: float) -> None:
        self.setVisible(True)
        self.label.setText(f"{len(clips)} variations of pad {pad + 1} at {amount:.0%} "
                           "(click: hear · right-click: use · +: keep)" if clips else
                           f"No variations of pad {pad + 1} at {amount:.0%} differ enough: raise the amount")
        for i, b in enumerate(self.pads):
            b.setVisible(i < len(clips))
            b.set_thumbnail(thumbnail(clips[i]) if i < len(clips) else None)


class VariationsFlow:
    """``ctl``: the controller (studio, window, history, keeps, selected pad, errors)."""

    def __init__(self, ctl, row: VariationsRow):
        self.ctl, self.row = ctl, row
        self.items: list[dict] = []
        self.pad = 0
        self.thread: CallThread | None = None
        for b in row.pads:
            b.pressed_pad.connect(self.audition)
            b.selected_pad.connect(self.use)
            b.keep_pad.connect(self.keep)

    def run(self, amount: float) -> None:
        if self.thread and self.thread.isRunning():
            return
        ctl, pad = self.ctl, self.ctl.selected
        st = ctl.studio
        self.thread = CallThread(lambda _progress: st.variations(pad, COUNT, amount))
        self.thread.done.connect(lambda items: self._ready(pad, amount, items))
        self.thread.failed.connect(lambda msg: ctl.errors.show("Can't make variations", msg))
        ctl.w.status.showMessage(f"Making variations of pad {pad + 1}…", 3000)
        self.thread.start()

    def _ready(self, pad: int, amount: float, items: list) -> None:
        self.pad, self.items = pad, items
        self.row.show_variations(pad, [it["clip"] for it in items], amount)

    def audition(self, i: int) -> None:
        if i < len(self.items):
            self.ctl.studio.preview(self.items[i]["clip"], self.ctl.studio.sample_rate)

    def use(self, i: int) -> None:
        """Put variation ``i`` on the pad it came from (one undoable step)."""
        if i >= len(self.items):
            return
        ctl, it, pad = self.ctl, self.items[i], self.pad
        ctl.history.record(pad, "variation",
                           lambda: ctl.studio.set_pad_latent(pad, it["latent"], it["label"], it.get("style")))
        ctl.w.status.showMessage(f"Pad {pad + 1} now plays variation {i + 1}", 3000)

    def keep(self, i: int) -> None:
        if i >= len(self.items):
            return
        ctl, it = self.ctl, self.items[i]
        st = ctl.studio
        state = {**st.pad_state(self.pad), "latent": [float(x) for x in it["latent"]], "label": it["label"],
                 "style": it.get("style")}
        try:
            ctl.keeps.lib.add(st.model, self.pad, state, st.sample_rate, st.hifi)
        except KeepError as exc:
            ctl.errors.show("Can't keep the sound", str(exc))
            return
        ctl.keeps.refresh()
        ctl.w.status.showMessage(f"Kept variation {i + 1} of pad {self.pad + 1}", 3000)

    def drag_file(self, i: int, folder) -> str:
        """Variation ``i`` as a 24-bit WAV named like an exported variation of its pad."""
        st = self.ctl.studio
        name = pad_stem_name(self.pad, st.pad_settings[self.pad].name)
        path = folder / f"{stem_name(DEFAULT_TEMPLATE, {'model': st.model.name, 'name': name, 'index': i + 1})}.wav"
        write_wav(path, self.items[i]["clip"], self.ctl.studio.sample_rate, "pcm24")
        return str(path)

    def shutdown(self) -> None:
        if self.thread and self.thread.isRunning():
            self.thread.wait(30000)
