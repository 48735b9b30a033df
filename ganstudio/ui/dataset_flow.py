"""The Dataset panel's work: import a folder off the GUI thread (again when the rate or length
changes), flag its outliers, show it, propose a model folder for it, play its clips, and keep
which clips the user left out (per folder, in the user settings): training sees the rest."""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..data import ImportSettings, import_folder
from .workers import CallThread


def _load(folder: str, settings: ImportSettings, progress):
    ds = import_folder(folder, settings, progress_fn=progress)
    ds.flags, ds.clip_measures, ds.profile, ds.sound_seconds    # measured here, off the GUI thread
    return ds


class DatasetFlow:
    """``ctl``: the controller (studio, window, settings, training flow); ``models_dir`` the
    folder new model folders are proposed in."""

    def __init__(self, ctl, models_dir):
        self.ctl, self.models_dir = ctl, models_dir
        self.dataset = None
        self.thread: CallThread | None = None
        self.folder: str | None = None
        p = ctl.w.dataset
        p.open_folder.connect(self.import_folder)
        p.play_clip.connect(self.play_clip)
        p.settings_changed.connect(self.reimport)
        p.exclude_changed.connect(self.set_excluded)
        self.excluded: set[str] = set()

    @property
    def importing(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def import_folder(self, folder: str) -> None:
        if self.importing:
            return
        ctl, panel = self.ctl, self.ctl.w.dataset
        rate, seconds = panel.settings()
        settings = ImportSettings(sample_rate=rate, clip_length=int(round(seconds * rate)))
        self.thread = CallThread(lambda progress: _load(folder, settings, progress))
        self.thread.progress.connect(panel.set_busy)
        self.thread.done.connect(self.ready)
        self.thread.failed.connect(panel.show_error)
        self.thread.start()
        self.folder = folder
        ctl.settings.setValue("dataset/last", folder)
        panel.save_state(ctl.settings)      # kept now: a crash must not lose them

    def reimport(self) -> None:
        """The rate or length changed: the clips must be prepared again for training to use them."""
        if self.folder and not self.importing:
            self.dataset = None
            self.import_folder(self.folder)

    def _key(self, folder: str) -> str:
        return "dataset/excluded/" + hashlib.sha1(folder.encode()).hexdigest()[:16]

    def ready(self, ds) -> None:
        ctl = self.ctl
        self.dataset = ds
        saved = ctl.settings.value(self._key(ds.source)) if ds.source else None
        names = set(ds.files)
        self.excluded = {f for f in (saved if isinstance(saved, list) else []) if isinstance(f, str) and f in names}
        ctl.w.dataset.show_dataset(ds, self.excluded)
        ctl.w.training.out.setText(ctl.training.folder_for(ds, self.models_dir()))
        ctl.w.status.showMessage(f"Imported {len(ds)} clips, skipped {len(ds.skipped)}", 5000)

    def set_excluded(self, row: int, excluded: bool) -> None:
        """Leave clip ``row`` out of training (or take it back); kept for this folder."""
        ds = self.dataset
        if ds is None or not 0 <= row < len(ds.files):
            return
        (self.excluded.add if excluded else self.excluded.discard)(ds.files[row])
        self.ctl.settings.setValue(self._key(ds.source), sorted(self.excluded))
        self.ctl.w.dataset.show_counts(len(ds) - len(self.excluded), len(ds))

    def included(self):
        """The dataset training sees: every clip the user did not leave out (None without one)."""
        ds = self.dataset
        if ds is None or not self.excluded:
            return ds
        return ds.subset([i for i, f in enumerate(ds.files) if f not in self.excluded])

    def play_clip(self, row: int) -> None:
        """Play dataset clip ``row`` as the model will learn it, and show its waveform and
        spectrogram in the clip view (until a pad is selected again)."""
        ds = self.dataset
        if ds is not None and 0 <= row < len(ds):
            self.ctl.studio.preview(ds.clips[row], ds.settings.sample_rate)
            self.ctl.w.clip.show_clip(ds.clips[row], ds.settings.sample_rate, notes=Path(ds.files[row]).name,
                                      title="Dataset clip")

    def shutdown(self) -> None:
        if self.importing:
            self.thread.wait(60000)
