"""The Dataset panel's work: import a folder off the GUI thread (again when the rate or length
changes), show it, propose a model folder for it, and play its clips."""
from __future__ import annotations

from ..data import ImportSettings, import_folder
from .workers import CallThread


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

    @property
    def importing(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def import_folder(self, folder: str) -> None:
        if self.importing:
            return
        ctl, panel = self.ctl, self.ctl.w.dataset
        rate, seconds = panel.settings()
        settings = ImportSettings(sample_rate=rate, clip_length=int(round(seconds * rate)))
        self.thread = CallThread(lambda progress: import_folder(folder, settings, progress_fn=progress))
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

    def ready(self, ds) -> None:
        ctl = self.ctl
        self.dataset = ds
        ctl.w.dataset.show_dataset(ds)
        ctl.w.training.out.setText(ctl.training.folder_for(ds, self.models_dir()))
        ctl.w.status.showMessage(f"Imported {len(ds)} clips, skipped {len(ds.skipped)}", 5000)

    def play_clip(self, row: int) -> None:
        ds = self.dataset
        if ds is not None and 0 <= row < len(ds):
            self.ctl.studio.preview(ds.clips[row], ds.settings.sample_rate)

    def shutdown(self) -> None:
        if self.importing:
            self.thread.wait(60000)
