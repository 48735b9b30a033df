"""The selected pad's panel: its settings (gain, pitch, trim, envelope, filters, width, switches,
choke group, class, name) and the latent-space moves (randomize, mutate, variations, A/B, morph)."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from ..session import CHOKE_GROUPS
from .tone_knobs import tone_knobs
from .widgets import JumpSlider, Knob, dim_label, group


class PadPanel(QtWidgets.QWidget):
    """The selected pad's settings and the latent-space moves."""

    settings_changed = QtCore.Signal(dict)      # PadSettings fields that changed
    randomize = QtCore.Signal()
    mutate = QtCore.Signal(float)
    morph = QtCore.Signal(int, int, float)      # pad a, pad b, t -> into the selected pad
    class_changed = QtCore.Signal(int)
    ab = QtCore.Signal()                        # hear the pad's previous sound against this one
    variations = QtCore.Signal(float)           # amount: a row of variations of this pad

    def __init__(self):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        top = QtWidgets.QHBoxLayout()
        self.title = QtWidgets.QLabel("Pad 1")
        self.title.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.name = QtWidgets.QLineEdit(placeholderText="name")
        self.name.editingFinished.connect(lambda: self.settings_changed.emit({"name": self.name.text()}))
        self.klass = QtWidgets.QComboBox()
        self.klass.setToolTip("Class (for models trained on subfolder classes)")
        self.klass.activated.connect(lambda i: self.class_changed.emit(i))
        top.addWidget(self.title)
        top.addWidget(self.name, 1)
        top.addWidget(self.klass)
        lay.addLayout(top)
        lay.addWidget(group("Pad", self._pad_controls()))
        lay.addWidget(group("Explore", self._explore_controls()))

    def _pad_controls(self) -> QtWidgets.QHBoxLayout:
        """The knobs (gain, pitch, trim, envelope, filters, width) and switches of the pad."""
        knobs = QtWidgets.QHBoxLayout()
        self.gain = Knob("Gain", 0, 2, 1, "{:.2f}", "Pad gain (linear)")
        self.pitch = Knob("Pitch", -24, 24, 0, "{:+.1f} st", "Playback pitch in semitones", steps=480)
        self.start_k = Knob("Start", 0, 0.99, 0, "{:.0%}", "Trim: where the pad starts in its clip")
        self.end_k = Knob("End", 0.01, 1, 1, "{:.0%}", "Trim: where the pad ends in its clip")
        self.tone = tone_knobs()
        for key, k in (("gain", self.gain), ("pitch", self.pitch), ("start", self.start_k), ("end", self.end_k),
                       *self.tone.items()):
            k.changed.connect(lambda v, key=key: self.settings_changed.emit({key: v}))
            knobs.addWidget(k)
        col = QtWidgets.QVBoxLayout()
        self.reverse = QtWidgets.QCheckBox("Reverse")
        self.loop = QtWidgets.QCheckBox("Loop")
        self.loop.setToolTip("Loop while held (MIDI) or until pressed again")
        self.clean = QtWidgets.QCheckBox("Clean", checked=True)
        self.clean.setToolTip("Start at the onset with a 1 ms fade-in and end in true silence where the "
                              "sound has decayed (no clicks, no crackle or hiss in the tail)")
        self.tune = QtWidgets.QCheckBox("Tune")
        self.tune.setToolTip("Move a tonal sound (a pluck, a tom, a bass hit) onto the nearest note")
        for key, box in (("reverse", self.reverse), ("loop", self.loop), ("clean", self.clean), ("tune", self.tune)):
            box.toggled.connect(lambda on, key=key: self.settings_changed.emit({key: on}))
        self.choke = QtWidgets.QComboBox()
        self.choke.addItems(["no choke"] + [f"choke {g}" for g in range(1, CHOKE_GROUPS + 1)])
        self.choke.setToolTip("Choke group: playing any pad of a group fades out the others "
                              "(an open hi-hat stops when the closed one plays)")
        self.choke.activated.connect(lambda i: self.settings_changed.emit({"choke": i}))
        self.keys = QtWidgets.QCheckBox("Keys")
        self.keys.setToolTip("Keyboard mode: MIDI notes play the selected pad chromatically, at its own "
                             "pitch on its estimated note (C4 for a sound without one)")
        col.addWidget(self.reverse)
        col.addWidget(self.loop)
        col.addWidget(self.clean)
        col2 = QtWidgets.QVBoxLayout()
        col2.addWidget(self.tune)
        col2.addWidget(self.keys)
        col2.addWidget(self.choke)
        knobs.addLayout(col)
        knobs.addLayout(col2)
        return knobs

    def _explore_controls(self) -> QtWidgets.QGridLayout:
        """Randomize, mutate (and its amount), A/B, variations and the morph between two pads."""
        ex = QtWidgets.QGridLayout()
        self.rand_b = QtWidgets.QPushButton("Randomize")
        self.rand_b.setToolTip("A new random sound for this pad (Ctrl+R)")
        self.rand_b.clicked.connect(self.randomize)
        self.amount = Knob("Amount", 0, 1, 0.25, "{:.0%}", "How far a mutation moves in the latent space")
        self.mut_b = QtWidgets.QPushButton("Mutate")
        self.mut_b.setToolTip("A neighbour of this pad's sound (Ctrl+M)")
        self.mut_b.clicked.connect(lambda: self.mutate.emit(self.amount.value()))
        self.morph_a = QtWidgets.QSpinBox(minimum=1, maximum=16, value=1, prefix="A ")
        self.morph_b = QtWidgets.QSpinBox(minimum=1, maximum=16, value=2, prefix="B ")
        self.morph_t = JumpSlider(QtCore.Qt.Orientation.Horizontal, minimum=0, maximum=100, value=50)
        self.morph_t.setToolTip("Morph the selected pad between pads A and B")
        self.morph_t.valueChanged.connect(self._morph)
        self.ab_b = QtWidgets.QPushButton("A/B", checkable=True, enabled=False)
        self.ab_b.setToolTip("Compare this pad's sound (A) with its sound before the last change (B); "
                             "a change made while B plays keeps B (key B; Ctrl+Z undoes any change)")
        self.ab_b.clicked.connect(lambda: self.ab.emit())
        self.var_b = QtWidgets.QPushButton("Variations")
        self.var_b.setToolTip("More like this: up to 8 takes of this pad at the chosen amount (5 %: subtle, "
                              "25 %: audibly different), none a copy of the pad or of each other (Ctrl+D)")
        self.var_b.clicked.connect(lambda: self.variations.emit(self.amount.value()))
        ex.addWidget(self.rand_b, 0, 0)
        ex.addWidget(self.mut_b, 0, 1)
        ex.addWidget(self.ab_b, 0, 3)
        ex.addWidget(self.var_b, 1, 3)
        ex.addWidget(self.amount, 0, 2, 2, 1)
        ex.addWidget(self.morph_a, 1, 0)
        ex.addWidget(self.morph_b, 1, 1)
        ex.addWidget(dim_label("Morph"), 2, 0)
        ex.addWidget(self.morph_t, 2, 1, 1, 2)
        return ex

    def session_state(self) -> dict:
        """What a session keeps of this panel: the mutation amount and the morph pads and position."""
        return {"mutate_amount": self.amount.value(),
                "morph": [self.morph_a.value(), self.morph_b.value(), self.morph_t.value()]}

    def restore_session_state(self, st: dict) -> None:
        """Restore :meth:`session_state` (values already checked by ``session.load_session``);
        moving the morph slider back must not morph the selected pad."""
        if "mutate_amount" in st:
            self.amount.set_value(st["mutate_amount"])
        if "morph" in st:
            a, b, t = st["morph"]
            self.morph_a.setValue(a)
            self.morph_b.setValue(b)
            self.morph_t.blockSignals(True)
            self.morph_t.setValue(t)
            self.morph_t.blockSignals(False)

    def _morph(self, v: int) -> None:
        self.morph.emit(self.morph_a.value() - 1, self.morph_b.value() - 1, v / 100.0)

    def show_ab(self, enabled: bool, playing_b: bool) -> None:
        self.ab_b.setEnabled(enabled)
        self.ab_b.setChecked(playing_b)

    def show_pad(self, index: int, s, classes: list[str], label: int | None) -> None:
        self.title.setText(f"Pad {index + 1}")
        for w, v in ((self.gain, s.gain), (self.pitch, s.pitch), (self.start_k, s.start), (self.end_k, s.end),
                     *((k, getattr(s, key)) for key, k in self.tone.items())):
            w.set_value(v)
        for box, v in ((self.reverse, s.reverse), (self.loop, s.loop), (self.clean, s.clean), (self.tune, s.tune)):
            box.blockSignals(True)
            box.setChecked(v)
            box.blockSignals(False)
        self.choke.setCurrentIndex(s.choke)
        self.name.setText(s.name)
        self.klass.clear()
        self.klass.addItems(classes)
        self.klass.setEnabled(bool(classes))
        if classes and label is not None:
            self.klass.setCurrentIndex(label)
