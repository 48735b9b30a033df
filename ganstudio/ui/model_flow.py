"""Which model the pads play: open a model folder or the demo model, take the model training
made, and say which one it is."""
from __future__ import annotations

from PySide6 import QtWidgets

from ..library.demo_model import demo_model_path
from ..models.modelfile import ModelFileError, load_model
from .session_flow import is_demo


class ModelFlow:
    """``ctl``: the controller (studio, window, history, errors)."""

    def __init__(self, ctl):
        self.ctl = ctl

    def refresh(self) -> None:
        """The model line above the pads, and the pad names."""
        ctl = self.ctl
        m = ctl.studio.model
        cfg = m.config
        step = m.meta.get("training", {}).get("step", "?")
        ctl.w.model_label.setText(f"{'Demo model' if is_demo(m) else m.name} · {cfg.preset} · "
                                  f"{cfg.sample_rate / 1000:g} kHz · step {step}")
        ctl.w.model_label.setToolTip(f"{m.path}\nweights sha256 {m.weights_hash[:16]}…")
        ctl.w.snapshot_label.setText("")
        ctl.pad_names()

    def open(self, path: str) -> bool:
        try:
            model = load_model(path)
        except ModelFileError as exc:
            self.ctl.errors.show("Can't open the model", str(exc))
            return False
        self.use(model)
        return True

    def use(self, model) -> None:
        ctl = self.ctl
        old = ctl.studio.model.config
        if (old.latent_dim, old.num_classes) != (model.config.latent_dim, model.config.num_classes):
            ctl.history.clear()            # old pad states would not fit this model's latents
        ctl.studio.set_model(model)
        self.refresh()

    def open_dialog(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self.ctl.w, "Model folder")
        if path:
            self.open(path)

    def open_demo(self) -> None:
        self.open(str(demo_model_path()))
