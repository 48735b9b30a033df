"""What the Keeps panel asks, done: keep the selected pad, play a keep, send it back to a pad,
edit, export and delete keeps (see :mod:`ganstudio.keeps`)."""
from __future__ import annotations

import logging

from PySide6 import QtWidgets

from ..data.decode import decode
from ..data.prepare import SkipFile
from ..dsp.processing import sound_problem
from ..dsp.stereo import to_mono
from ..keeps import KeepError, KeepLibrary
from .keeps_panel import KeepsPanel

log = logging.getLogger(__name__)
MAX_PLAY_SECONDS = 60.0             # a keep is a one-shot; a minute is far more than any holds


class KeepsFlow:
    """``ctl``: the controller (its studio, window, history, selected pad and error reporter)."""

    def __init__(self, ctl, library: KeepLibrary | None = None):
        self.ctl = ctl
        self.lib = library or KeepLibrary()
        self.panel = KeepsPanel(self.lib.wav)
        p = self.panel
        p.play.connect(self.play)
        p.to_pad.connect(self.to_pad)
        p.export.connect(self.export_dialog)
        p.delete.connect(self.delete)
        p.edited.connect(self.edit)
        p.similar.connect(self.similar)
        p.search.textChanged.connect(lambda _t: self.refresh())
        p.starred.toggled.connect(lambda _on: self.refresh())
        self.refresh()
        for msg in self.lib.problems:
            ctl.w.status.showMessage(f"Keeps: {msg}", 10000)

    def refresh(self) -> None:
        p = self.panel
        p.show_keeps(self.lib.find(p.search.text(), starred=p.starred.isChecked()))

    def keep(self, pad: int) -> None:
        """Keep pad ``pad``'s current sound (as it plays, at the studio's rate)."""
        ctl, st = self.ctl, self.ctl.studio
        category = ctl.sound_alike.category(pad)
        try:        # rendered from the pad's state by the export path: no need to wait for the sampler
            k = self.lib.add(st.model, pad, st.pad_state(pad), st.sample_rate, st.hifi,
                             tags=[category] if category else None)
        except KeepError as exc:
            ctl.errors.show("Can't keep the sound", str(exc))
            return
        self.refresh()
        ctl.w.status.showMessage(f"Kept pad {pad + 1} as “{k.name}” ({len(self.lib.keeps)} keeps)", 4000)

    def similar(self, kid: str) -> None:
        """Order the shown keeps by how alike they sound to keep ``kid``."""
        p = self.panel
        shown = self.lib.find(p.search.text(), starred=p.starred.isChecked())
        try:
            ranked = self.lib.similar(kid, shown)
        except KeepError as exc:
            self.ctl.errors.show("Can't compare the keeps", str(exc))
            return
        p.show_keeps([k for k, _ in ranked], ordered=True)
        self.ctl.w.status.showMessage(f"Keeps ordered by likeness to “{self.lib.get(kid).name}”", 5000)

    def play(self, kid: str) -> None:
        try:            # the importer's reader: a replaced or damaged file is a clear error
            audio, rate = decode(self.lib.wav(kid), MAX_PLAY_SECONDS)
            # a stereo keep (a pad with a Width) plays in stereo; anything else as its mono mix
            sound = audio if audio.shape[1] == 2 else to_mono(audio)
            problem = sound_problem(sound)
            if problem:
                raise KeepError(f"the keep's sound file holds {problem}")
        except (KeepError, SkipFile) as exc:
            self.ctl.errors.show("Can't play the keep", str(exc))
            return
        self.ctl.studio.preview(sound, rate)

    def to_pad(self, kid: str) -> None:
        """Put the keep back on the selected pad (one undoable step); its model must be open."""
        ctl = self.ctl
        try:
            src = self.lib.pad_of(kid)
        except KeepError as exc:
            ctl.errors.show("Can't use the keep", str(exc))
            return
        model = ctl.studio.model
        if src["model"]["weights_sha256"] != model.weights_hash:
            ctl.errors.show("Another model made this keep",
                            f"“{self.lib.get(kid).name}” was made by {src['model']['name']} "
                            f"({src['model']['path']}); open that model to put it on a pad. "
                            "The keep itself still plays and exports.")
            return
        pad = ctl.selected
        state = {**ctl.studio.pad_state(pad), **src["pad"], "latent": src["latent"], "label": src["label"],
                 "style": src["style"], "name": self.lib.get(kid).name}
        ctl.history.record(pad, "keep to", lambda: ctl.studio.apply_pad_state(pad, state))
        ctl.select(pad)
        ctl.pad_names()

    def edit(self, kid: str, change: dict) -> None:
        try:
            self.lib.update(kid, **change)
        except (KeepError, ValueError) as exc:
            self.ctl.errors.show("Can't change the keep", str(exc))
        self.refresh()

    def delete(self, kids: list) -> None:
        if not self.ctl.ask("Delete keeps", f"Delete {len(kids)} keep(s) and their sound files?", "Delete", "Keep them"):
            return
        self.lib.delete(kids)
        self.refresh()

    def export_dialog(self, kids: list) -> None:
        if not kids:
            return
        folder = QtWidgets.QFileDialog.getExistingDirectory(self.ctl.w, "Export keeps to")
        if folder:
            self.export_to(kids, folder)

    def export_to(self, kids: list, folder: str) -> None:
        try:
            out = self.lib.export(kids, folder)
        except (KeepError, OSError) as exc:
            self.ctl.errors.show("Can't export the keeps", str(exc))
            return
        self.ctl.w.status.showMessage(f"Exported {len(out)} keep(s) to {folder}", 5000)
