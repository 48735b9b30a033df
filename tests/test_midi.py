"""MIDI note-on to pads: the mapping with mido messages, and a real JACK MIDI port through rtmidi."""
import time

import numpy as np
import pytest

from ganstudio.audio.midi import PadMidiMap, velocity_gain

mido = pytest.importorskip("mido")


def queued(mixer):
    """The commands waiting in the mixer's ring: rows of (pad, gain, rate, loop, reverse, stop, ...)."""
    return mixer._cmd[mixer._cmd_read:mixer._cmd_written].copy()


@pytest.fixture
def studio():
    """A real Studio (not started: no sound card, no sampler thread), so notes go the way they
    go in the app: MIDI -> Studio.trigger / release -> the mixer's trigger ring."""
    from ganstudio.audio.studio import Studio
    from ganstudio.library.demo_model import load_demo_model
    s = Studio(load_demo_model(), device=999)
    yield s
    s.close()


def midi_map(studio, **kw):
    return PadMidiMap(studio.trigger, studio.release, **kw)


def test_notes_from_36_play_pads_with_velocity(studio):
    mixer = studio.mixer
    studio.change_pad(3, {"gain": 0.5, "pitch": 12.0})
    lit = []
    m = midi_map(studio, on_pad=lambda p, v: lit.append((p, v)))
    assert m.handle(mido.Message("note_on", note=36, velocity=127)) == 0
    assert m.handle(mido.Message("note_on", note=39, velocity=64)) == 3
    assert m.handle(mido.Message("note_on", note=35, velocity=100)) is None      # below the pads
    assert m.handle(mido.Message("note_on", note=52, velocity=100)) is None      # above them
    assert m.handle(mido.Message("control_change", control=7, value=1)) is None
    rows = queued(mixer)
    assert rows[:, 0].tolist() == [0, 3]
    assert rows[0, 1] == pytest.approx(1.0) and rows[1, 1] == pytest.approx(0.5 * (64 / 127) ** 2)
    assert rows[1, 2] == 1.0            # pitch is baked into the pad's clip by the render path
    assert lit == [(0, 127), (3, 64)]


def test_note_off_stops_only_looping_pads_and_channel_filter(studio):
    mixer = studio.mixer
    studio.change_pad(1, {"loop": True})
    m = midi_map(studio, channel=9)
    m.handle(mido.Message("note_on", note=37, velocity=90, channel=9))
    m.handle(mido.Message("note_off", note=37, channel=9))
    m.handle(mido.Message("note_on", note=36, velocity=0, channel=9))      # running-status note off
    m.handle(mido.Message("note_on", note=36, velocity=90, channel=0))     # another channel
    rows = queued(mixer)
    assert rows[:, 0].tolist() == [1, 1] and rows[:, 5].tolist() == [0.0, 1.0]


def test_velocity_curve():
    assert velocity_gain(0) == 0 and velocity_gain(127) == 1
    assert 0.2 < velocity_gain(64) < 0.3
    assert np.all(np.diff([velocity_gain(v) for v in range(128)]) > 0)


def test_a_real_jack_midi_port_triggers_a_pad(jack_device, studio):
    pytest.importorskip("rtmidi")
    from ganstudio.audio.midi import MidiInput, midi_inputs
    backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK")
    mixer = studio.mixer
    lit = []
    out = backend.open_output("gs-test-keys", virtual=True)
    try:
        name = next(n for n in midi_inputs("UNIX_JACK") if "gs-test-keys" in n)
        port = MidiInput(midi_map(studio, on_pad=lambda p, v: lit.append((p, v))), name, api="UNIX_JACK")
        try:
            # the port connection may settle after the first message: send until one arrives
            deadline = time.monotonic() + 30
            while not lit and time.monotonic() < deadline:
                out.send(mido.Message("note_on", note=41, velocity=100))
                time.sleep(0.2)
        finally:
            port.close()
    finally:
        out.close()
    assert lit and set(lit) == {(5, 100)} and queued(mixer)[0, 0] == 5
