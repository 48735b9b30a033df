"""The sound card and MIDI from the window: the audio line in the master section, Reopen audio,
the audio settings dialog (a new rate rebuilds the Studio), and the first MIDI input, whose notes
go through the Studio like clicks and keys."""
from __future__ import annotations

import logging

from PySide6 import QtWidgets

from ..audio.studio import Studio
from .settings_dialog import AudioSettingsDialog

log = logging.getLogger(__name__)


class AudioFlow:
    """``ctl`` is the controller: its ``studio`` (replaced on a rate change), window ``w``,
    ``settings`` and ``midi_pad`` signal."""

    def __init__(self, ctl):
        self.ctl = ctl
        self.midi = None

    def show(self) -> None:
        w, st = self.ctl.w, self.ctl.studio
        err, eng = st.audio_error, st.engine
        if err:
            w.audio_label.setText(f"No sound: {err}")
            w.audio_label.setProperty("role", "warn")
            w.reopen.setVisible(True)
            w.status.showMessage(f"Audio: {err}. Everything else works; reopen it from Master.")
        else:
            w.audio_label.setText(f"{eng.sample_rate / 1000:g} kHz · {eng.blocksize} frames "
                                  f"({1000 * eng.blocksize / eng.sample_rate:.1f} ms)")
            w.audio_label.setProperty("role", "dim")
            w.reopen.setVisible(False)
        w.audio_label.style().polish(w.audio_label)

    def reopen(self) -> None:
        self.ctl.studio.reopen_audio()
        self.show()

    def settings_dialog(self) -> None:
        ctl = self.ctl
        eng = ctl.studio.engine
        dlg = AudioSettingsDialog(ctl.w, eng.device, eng.sample_rate, eng.blocksize)
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        device, rate, block = dlg.choice()
        ctl.settings.setValue("audio/device", device if device is not None else "")
        ctl.settings.setValue("audio/rate", rate)
        ctl.settings.setValue("audio/block", block)
        if rate != ctl.studio.sample_rate:
            self.rebuild(device, rate, block)
        else:
            ctl.studio.reopen_audio(device, block)
        self.show()

    def rebuild(self, device, rate: int, block: int) -> None:
        """A new sample rate needs new clips: a new Studio with the same model, pads and master."""
        ctl = self.ctl
        old = ctl.studio
        pads, texture = old.pads_state(), ctl.w.texture.isChecked()
        old.on_rendered = None
        old.close()
        ctl.studio = st = Studio(old.model, device=device, sample_rate=rate, blocksize=block)
        st.on_rendered = ctl.pads_rendered.emit     # the window redraws as the new clips come
        st.apply_pads_state(pads)
        st.keyboard_pad = old.keyboard_pad          # its root note follows when the pad is rendered
        st.set_hifi(ctl.w.hifi.isChecked())
        st.volume = ctl.w.volume.value()
        st.start()
        st.set_texture(texture, ctl.w.texture_gain.value())
        ctl.w.spectrum.sample_rate = rate

    def open_midi(self, enabled: bool = True) -> None:
        """Listen to the first MIDI input, if the midi extra is installed and a port exists."""
        from ..audio.midi import MidiInput, MidiUnavailable, PadMidiMap
        self.close_midi()
        if not enabled:
            return
        ctl = self.ctl
        # through whichever Studio plays now (a rate change replaces it)
        mapping = PadMidiMap(lambda p, g: ctl.studio.trigger(p, g), lambda p: ctl.studio.release(p),
                             on_pad=ctl.midi_pad.emit, note=lambda n, g: ctl.studio.note(n, g))
        try:
            self.midi = MidiInput(mapping)
            ctl.w.status.showMessage(f"MIDI: notes 36-51 play the pads from {self.midi.name}", 8000)
        except MidiUnavailable as exc:
            log.info("no MIDI input: %s", exc)

    def close_midi(self) -> None:
        if self.midi:
            self.midi.close()
            self.midi = None
