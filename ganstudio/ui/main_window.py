"""The studio window's layout: dataset and training on the left, pads and their controls in the
middle, live and clip views with the master section on the right."""
from __future__ import annotations

from PySide6 import QtWidgets

from .pad_panel import PadPanel
from .panels import DatasetPanel, TrainingPanel
from .pads import PadGrid
from .variations_flow import VariationsRow
from .views import ClipView, Meter, ScopeView, SpectrogramView
from .widgets import Knob, dim_label, group


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, export_fn, sample_rate: int, variation_export_fn=None):
        super().__init__()
        self.setWindowTitle("GAN Studio")
        self.setObjectName("GANStudio")
        central = QtWidgets.QWidget()
        self.setCentralWidget(central)
        root = QtWidgets.QHBoxLayout(central)
        root.setContentsMargins(8, 8, 8, 8)
        root.setSpacing(8)

        root.addWidget(self._left(), 3)
        root.addLayout(self._middle(export_fn, variation_export_fn), 4)
        right = QtWidgets.QVBoxLayout()
        self.scope = ScopeView()
        self.spectrum = SpectrogramView(sample_rate)
        self.clip = ClipView()
        right.addWidget(self.scope, 2)
        right.addWidget(self.spectrum, 3)
        right.addWidget(self.clip, 4)
        right.addWidget(group("Master", self._master()))
        root.addLayout(right, 4)

        self.status = QtWidgets.QStatusBar()
        self.setStatusBar(self.status)
        self.resize(1360, 800)
        self.close_guard = None     # () -> bool: False keeps the window open (e.g. while training)

    def _left(self) -> QtWidgets.QTabWidget:
        """Dataset and training tabs (the controller adds Keeps)."""
        self.tabs = QtWidgets.QTabWidget()
        self.dataset = DatasetPanel()
        self.training = TrainingPanel()
        self.tabs.addTab(self.dataset, "Dataset")
        self.tabs.addTab(self.training, "Training")
        self.tabs.setMinimumWidth(330)
        return self.tabs

    def _middle(self, export_fn, variation_export_fn) -> QtWidgets.QVBoxLayout:
        """The model line, the pads, the selected pad's controls and the variations row."""
        mid = QtWidgets.QVBoxLayout()
        head = QtWidgets.QHBoxLayout()
        self.model_label = QtWidgets.QLabel()
        self.model_label.setStyleSheet("font-weight: bold;")
        self.snapshot_label = dim_label()
        head.addWidget(self.model_label)
        head.addStretch(1)
        head.addWidget(self.snapshot_label)
        mid.addLayout(head)
        self.pads = PadGrid(export_fn)
        mid.addWidget(self.pads, 3)
        self.pad_panel = PadPanel()
        mid.addWidget(self.pad_panel)
        self.variations = VariationsRow(variation_export_fn)
        mid.addWidget(self.variations)
        return mid

    def _master(self) -> QtWidgets.QHBoxLayout:
        """Texture, Hi-fi, the audio line, texture level, volume and the meter."""
        master = QtWidgets.QHBoxLayout()
        self.volume = Knob("Volume", 0, 1.5, 0.8, "{:.2f}", "Master volume (a soft limiter keeps it from clipping)")
        self.texture = QtWidgets.QPushButton("Texture", checkable=True)
        self.texture.setToolTip("Texture mode: a continuous stream walking through the latent space")
        self.texture_gain = Knob("Texture", 0, 1, 0.5, "{:.2f}", "Texture level")
        self.hifi = QtWidgets.QPushButton("Hi-fi", checkable=True, checked=True)
        self.hifi.setToolTip("Full band: a bandwidth extender adds what the model's own rate can't carry "
                             "(above 8 kHz for a 16 kHz model) to pads, texture, drag-out and export.\n"
                             "Off: the model's band, plainly resampled, to compare")
        self.meter = Meter()
        self.audio_label = dim_label()
        self.audio_label.setWordWrap(True)
        self.reopen = QtWidgets.QPushButton("Reopen audio", visible=False)
        col = QtWidgets.QVBoxLayout()
        col.addWidget(self.texture)
        col.addWidget(self.hifi)
        col.addWidget(self.audio_label)
        col.addWidget(self.reopen)
        master.addLayout(col, 1)
        master.addWidget(self.texture_gain)
        master.addWidget(self.volume)
        master.addWidget(self.meter)
        return master

    def master_state(self) -> dict:
        """What a session keeps of the master section."""
        return {"volume": self.volume.value(), "texture": self.texture.isChecked(),
                "texture_gain": self.texture_gain.value(), "hifi": self.hifi.isChecked()}

    def restore_master_state(self, st: dict) -> None:
        """Restore :meth:`master_state` (values already checked by ``session.load_session``)."""
        if "volume" in st:
            self.volume.set_value(st["volume"])
        if "texture_gain" in st:
            self.texture_gain.set_value(st["texture_gain"])
        self.texture.setChecked(bool(st.get("texture", False)))
        self.hifi.setChecked(bool(st.get("hifi", True)))

    def closeEvent(self, event) -> None:
        if self.close_guard is not None and not self.close_guard():
            event.ignore()
            return
        event.accept()
