"""Tune and keyboard mode in the window: the selected pad's pitch in the clip view, and the Keys
switch that makes MIDI notes play the selected pad chromatically (its root note follows the pad
as it is re-rendered or another pad is selected)."""
from __future__ import annotations

from ..dsp.pitch import note_name


class KeyboardFlow:
    """``ctl``: the controller (studio, window, selected pad)."""

    def __init__(self, ctl):
        self.ctl = ctl
        ctl.w.pad_panel.keys.toggled.connect(self.toggle)

    @property
    def on(self) -> bool:
        return self.ctl.w.pad_panel.keys.isChecked()

    def toggle(self, on: bool) -> None:
        ctl = self.ctl
        root = ctl.studio.set_keyboard(ctl.selected if on else None)
        ctl.w.status.showMessage(f"Keys: MIDI notes play pad {ctl.selected + 1}, as it is at {note_name(root)}"
                                 if on else "Keys off: MIDI notes 36-51 play the pads", 5000)

    def follow(self, pads: list[int] | None = None) -> None:
        """The selected pad changed, or ``pads`` were re-rendered: keyboard mode plays the selected
        pad at its (new) root note."""
        ctl = self.ctl
        if self.on and (pads is None or ctl.selected in pads):
            ctl.studio.set_keyboard(ctl.selected)

    def pitch_note(self, pad: int) -> str:
        """The pad's pitch for the clip view ("A2 +12 ct", "tuned to A2"), or "" for no pitch."""
        st = self.ctl.studio
        found = st.pad_pitch(pad)
        if found is None:
            return ""
        if abs(found.cents) < 3 and st.pad_settings[pad].tune:
            return f"tuned to {found.name}"
        return f"{found.name} {found.cents:+.0f} ct"
