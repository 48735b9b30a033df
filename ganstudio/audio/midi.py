"""MIDI note-on to pad triggers (the optional ``midi`` extra: mido + python-rtmidi).

Notes ``base_note`` .. ``base_note + pads - 1`` play pads 0..pads-1 (36, C1, is pad 1 on most drum
controllers), or, in keyboard mode, every note plays one pad chromatically; velocity sets the voice gain on a square-law curve, as drum modules do. Notes go through the
:class:`~ganstudio.audio.studio.Studio` (its ``trigger`` and ``release``), like clicks and keys.
rtmidi calls back on its own thread; the mixer's trigger ring is safe to write from there.
"""
from __future__ import annotations

import logging
from typing import Callable

log = logging.getLogger(__name__)

DEFAULT_BASE_NOTE = 36


class MidiUnavailable(RuntimeError):
    """mido / python-rtmidi missing, or no MIDI system to talk to; the message says which."""


def _mido():
    try:
        import mido
    except ImportError:
        raise MidiUnavailable("MIDI needs the optional packages: pip install 'ganstudio[midi]'") from None
    return mido


def velocity_gain(velocity: int) -> float:
    """Gain 0..1 for a MIDI velocity 1..127 (square law: velocity 64 is about -12 dB)."""
    v = min(max(velocity, 0), 127) / 127.0
    return v * v


class PadMidiMap:
    """Turns MIDI messages (mido ``Message`` or anything with ``type``, ``note``, ``velocity``,
    ``channel``) into ``trigger(pad, gain)`` (gain 0..1 from the velocity curve) and, on note-off,
    ``release(pad)``; ``on_pad(pad, velocity)`` tells the UI which pad lit up. ``channel`` None
    listens to all 16 channels."""

    def __init__(self, trigger: Callable[[int, float], None], release: Callable[[int], None] | None = None,
                 pads: int = 16, base_note: int = DEFAULT_BASE_NOTE, channel: int | None = None,
                 on_pad: Callable[[int, int], None] | None = None,
                 note: Callable[[int, float], bool] | None = None):
        """``note(note, gain)`` (gain 0 for a note-off), when given, sees every note first and
        returns True when it played it (keyboard mode); the pad mapping then stays out."""
        self.trigger, self.release, self.note = trigger, release, note
        self.pads, self.base_note, self.channel = pads, base_note, channel
        self.on_pad = on_pad
        self.received = 0

    def pad_for(self, note: int) -> int | None:
        pad = note - self.base_note
        return pad if 0 <= pad < self.pads else None

    def handle(self, msg) -> int | None:
        """Act on one message; returns the pad it triggered or stopped, else None."""
        self.received += 1
        if msg.type not in ("note_on", "note_off"):
            return None
        if self.channel is not None and getattr(msg, "channel", 0) != self.channel:
            return None
        off = msg.type == "note_off" or msg.velocity == 0
        if self.note is not None and self.note(msg.note, 0.0 if off else velocity_gain(msg.velocity)):
            return None
        pad = self.pad_for(msg.note)
        if pad is None:
            return None
        if off:
            if self.release:                # one-shots ring out; held loops stop on release
                self.release(pad)
            return pad
        self.trigger(pad, velocity_gain(msg.velocity))
        if self.on_pad:
            self.on_pad(pad, msg.velocity)
        return pad


def _backend(api: str | None):
    """mido's rtmidi backend on ``api`` ("LINUX_ALSA", "UNIX_JACK", "MACOSX_CORE",
    "WINDOWS_MM"; None: rtmidi's default for the platform)."""
    mido = _mido()
    try:
        return mido.Backend("mido.backends.rtmidi" + (f"/{api}" if api else ""), load=True)
    except ImportError:
        raise MidiUnavailable("MIDI needs python-rtmidi: pip install 'ganstudio[midi]'") from None


def midi_inputs(api: str | None = None) -> list[str]:
    """Names of the MIDI input ports; raises :class:`MidiUnavailable` with the reason."""
    backend = _backend(api)
    try:
        return list(backend.get_input_names())
    except Exception as exc:        # rtmidi raises its own types when no MIDI system exists
        raise MidiUnavailable(f"no MIDI system available ({exc})") from None


class MidiInput:
    """An open MIDI input port feeding a :class:`PadMidiMap`; ``name`` None takes the first port,
    ``virtual=True`` creates a port of ours other programs can connect to."""

    def __init__(self, mapping: PadMidiMap, name: str | None = None, virtual: bool = False,
                 api: str | None = None):
        backend = _backend(api)
        self.mapping = mapping
        try:
            if name is None and not virtual:
                names = backend.get_input_names()
                if not names:
                    raise MidiUnavailable("no MIDI input ports")
                name = names[0]
            self.port = backend.open_input(name or "GAN Studio", virtual=virtual, callback=mapping.handle)
        except MidiUnavailable:
            raise
        except Exception as exc:
            raise MidiUnavailable(f"can't open MIDI input {name!r}: {exc}") from None
        self.name = self.port.name
        log.info("MIDI input %s: notes %d-%d play the pads", self.name, mapping.base_note,
                 mapping.base_note + mapping.pads - 1)

    def close(self) -> None:
        self.port.close()
