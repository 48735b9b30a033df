"""Audio settings: output device, sample rate and block size."""
from __future__ import annotations

from PySide6 import QtWidgets

from ..audio.engine import AudioDeviceError, output_devices

BLOCKS = (64, 128, 256, 512, 1024)
RATES = (44100, 48000)


class AudioSettingsDialog(QtWidgets.QDialog):
    def __init__(self, parent, device, rate: int, block: int):
        super().__init__(parent)
        self.setWindowTitle("Audio settings")
        form = QtWidgets.QFormLayout(self)
        self.device = QtWidgets.QComboBox()
        self.device.addItem("System default", None)
        try:
            for d in output_devices():
                self.device.addItem(f"{d['name']} ({d['hostapi']})", d["name"])
        except AudioDeviceError as exc:
            self.device.setToolTip(str(exc))
        i = self.device.findData(device)
        self.device.setCurrentIndex(max(i, 0))
        self.rate = QtWidgets.QComboBox()
        for r in RATES:
            self.rate.addItem(f"{r} Hz", r)
        self.rate.setCurrentIndex(max(self.rate.findData(rate), 0))
        self.block = QtWidgets.QComboBox()
        for b in BLOCKS:
            self.block.addItem(f"{b} frames", b)
        self.block.setCurrentIndex(max(self.block.findData(block), 0))
        self.block.setToolTip("Smaller blocks answer faster; larger ones are safer on a busy machine")
        form.addRow("Output", self.device)
        form.addRow("Sample rate", self.rate)
        form.addRow("Block size", self.block)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> tuple[str | None, int, int]:
        return self.device.currentData(), int(self.rate.currentData()), int(self.block.currentData())
