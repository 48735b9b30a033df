"""The export dialog: what to export and how; remembers its choices in the "export" settings group."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from ..export.settings import DEFAULT_TEMPLATE, TEMPLATE_FIELDS, ExportSettings
from .widgets import path_row

WHAT = (("pad", "Selected pad"), ("pads", "All pads"), ("variations", "Variations of the selected pad"),
        ("random", "Random sounds"), ("texture", "Texture recording"))


class ExportDialog(QtWidgets.QDialog):
    def __init__(self, parent, settings: QtCore.QSettings, default_folder: str):
        super().__init__(parent)
        self.setWindowTitle("Export stems")
        self.qs = settings
        form = QtWidgets.QFormLayout(self)
        self._what_and_format()
        self._processing()
        self.folder = QtWidgets.QLineEdit(str(self._get("folder", default_folder)))
        row = path_row(self.folder, self._browse)
        self.overwrite = QtWidgets.QCheckBox("Replace files of the same name")
        for label, w in (("Export", self.what), ("How many", self.count), ("Variation amount", self.amount),
                         ("Texture length", self.seconds), ("Format", self.fmt), ("Sample rate", self.rate),
                         ("", self.stereo), ("", self.clean), ("", self.trim), ("", self.dc), ("Fade in", self.fade_in),
                         ("Fade out", self.fade_out), ("Normalise", self.norm), ("Target", self.target),
                         ("Names", self.template), ("Folder", row), ("", self.overwrite)):
            form.addRow(label, w)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.what.currentIndexChanged.connect(self._what_changed)
        self._what_changed()
        self._norm_changed(keep=True)

    def _get(self, key: str, default):
        """The dialog's last choice for ``key`` (the "export" settings group), else ``default``."""
        return self.qs.value(f"export/{key}", default)

    def _what_and_format(self) -> None:
        """What to export (and how many, how far, how long), the sample format and rate."""
        self.what = QtWidgets.QComboBox()
        for key, text in WHAT:
            self.what.addItem(text, key)
        self.what.setCurrentIndex(max(self.what.findData(self._get("what", "pad")), 0))
        self.count = QtWidgets.QSpinBox(minimum=1, maximum=1000, value=int(self._get("count", 8)))
        self.amount = QtWidgets.QDoubleSpinBox(minimum=0.01, maximum=1.0, singleStep=0.05, value=float(self._get("amount", 0.25)))
        self.seconds = QtWidgets.QDoubleSpinBox(minimum=0.5, maximum=600, value=float(self._get("seconds", 10)), suffix=" s")
        self.fmt = QtWidgets.QComboBox()
        for key, text in (("pcm16", "16-bit PCM"), ("pcm24", "24-bit PCM"), ("float", "32-bit float")):
            self.fmt.addItem(text, key)
        self.fmt.setCurrentIndex(max(self.fmt.findData(self._get("fmt", "pcm24")), 0))
        self.rate = QtWidgets.QComboBox()
        for r, text in ((0, "model rate"), (44100, "44.1 kHz"), (48000, "48 kHz")):
            self.rate.addItem(text, r)
        self.rate.setCurrentIndex(max(self.rate.findData(int(self._get("rate", 48000))), 0))

    def _processing(self) -> None:
        """Channels, cleaning, trim, DC, fades, normalisation and the name template."""
        self.stereo = QtWidgets.QCheckBox("Stereo (pads with a width in true stereo, other sounds on both channels)")
        self.stereo.setChecked(self._get("stereo", "false") in (True, "true"))
        self.trim = QtWidgets.QCheckBox("Trim silence")
        self.trim.setChecked(self._get("trim", "true") in (True, "true"))
        self.clean = QtWidgets.QCheckBox("Clean one-shots")
        self.clean.setToolTip("Random sounds and variations start at their onset with a 1 ms fade-in and "
                              "end in true silence (pads follow their own Clean switch)")
        self.clean.setChecked(self._get("clean", "true") in (True, "true"))
        self.dc = QtWidgets.QCheckBox("Remove DC offset")
        self.dc.setChecked(self._get("dc", "true") in (True, "true"))
        self.fade_in = QtWidgets.QDoubleSpinBox(maximum=5000, value=float(self._get("fade_in", 0)), suffix=" ms")
        self.fade_out = QtWidgets.QDoubleSpinBox(maximum=5000, value=float(self._get("fade_out", 10)), suffix=" ms")
        self.norm = QtWidgets.QComboBox()
        for key, text in (("none", "none"), ("peak", "peak (dBFS)"), ("lufs", "loudness (LUFS)")):
            self.norm.addItem(text, key)
        self.norm.setCurrentIndex(max(self.norm.findData(self._get("normalize", "peak")), 0))
        self.target = QtWidgets.QDoubleSpinBox(minimum=-70, maximum=0, decimals=1, value=float(self._get("target", -1.0)))
        self.norm.currentIndexChanged.connect(self._norm_changed)
        self.template = QtWidgets.QLineEdit(str(self._get("template", DEFAULT_TEMPLATE)))
        self.template.setToolTip("Fields: " + " ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
                                 + "; {index:03d} pads the number. UCS names: {catid}_{name}_GANStudio_{model} "
                                 "({catid}: the UCS CatID from the pad's category or name, e.g. MUSCPerc)")

    def _what_changed(self) -> None:
        w = self.what.currentData()
        self.count.setEnabled(w in ("variations", "random"))
        self.amount.setEnabled(w == "variations")
        self.seconds.setEnabled(w == "texture")

    def _norm_changed(self, *_args, keep: bool = False) -> None:
        mode = self.norm.currentData()
        self.target.setEnabled(mode != "none")
        if not keep:
            self.target.setValue(-16.0 if mode == "lufs" else -1.0)

    def _browse(self) -> None:
        d = QtWidgets.QFileDialog.getExistingDirectory(self, "Export folder", self.folder.text())
        if d:
            self.folder.setText(d)

    def export_settings(self) -> ExportSettings:
        mode = self.norm.currentData()
        return ExportSettings(fmt=self.fmt.currentData(), rate=self.rate.currentData() or None,
                              channels=2 if self.stereo.isChecked() else 1, trim=self.trim.isChecked(),
                              fade_in_ms=self.fade_in.value(), fade_out_ms=self.fade_out.value(),
                              dc=self.dc.isChecked(), normalize=mode, clean=self.clean.isChecked(),
                              peak_dbfs=self.target.value() if mode == "peak" else -1.0,
                              lufs=self.target.value() if mode == "lufs" else -16.0,
                              template=self.template.text().strip() or DEFAULT_TEMPLATE,
                              overwrite=self.overwrite.isChecked())

    def choice(self) -> dict:
        return {"what": self.what.currentData(), "count": self.count.value(), "amount": self.amount.value(),
                "seconds": self.seconds.value(), "folder": self.folder.text().strip()}

    def _accept(self) -> None:
        try:
            self.export_settings()
        except ValueError as exc:
            QtWidgets.QMessageBox.warning(self, "Export", str(exc))
            return
        if not self.folder.text().strip():
            QtWidgets.QMessageBox.warning(self, "Export", "Choose a folder to export to.")
            return
        for key, value in (("what", self.what.currentData()), ("count", self.count.value()),
                           ("amount", self.amount.value()), ("seconds", self.seconds.value()),
                           ("fmt", self.fmt.currentData()), ("rate", self.rate.currentData()),
                           ("stereo", self.stereo.isChecked()), ("trim", self.trim.isChecked()),
                           ("clean", self.clean.isChecked()),
                           ("dc", self.dc.isChecked()), ("fade_in", self.fade_in.value()),
                           ("fade_out", self.fade_out.value()), ("normalize", self.norm.currentData()),
                           ("target", self.target.value()), ("template", self.template.text()),
                           ("folder", self.folder.text())):
            self.qs.setValue(f"export/{key}", value)
        self.accept()
