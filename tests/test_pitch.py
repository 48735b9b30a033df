"""Pitch of tonal one-shots, tune to note, and keyboard mode (MIDI notes play a pad chromatically)."""
import time
from types import SimpleNamespace

import numpy as np
import pytest

from ganstudio.audio.midi import PadMidiMap
from ganstudio.dsp.pad import shape_clip
from ganstudio.dsp.pitch import estimate_pitch, note_name
from ganstudio.library import render_kit

SR = 48000
T = np.arange(SR) / SR


def tone(hz, decay=4.0, harmonics=1):
    x = sum(np.sin(2 * np.pi * hz * k * T) / k for k in range(1, harmonics + 1)) * np.exp(-T * decay)
    return (0.8 * x / np.abs(x).max()).astype(np.float32)


@pytest.mark.parametrize("hz", [41.2, 110.0, 261.63, 450.0, 1500.0])
def test_a_decaying_tone_has_its_pitch_within_a_cent(hz):
    p = estimate_pitch(tone(hz, harmonics=5), SR)
    assert p is not None and abs(1200 * np.log2(p.hz / hz)) < 1.0 and p.clarity > 0.9


def test_a_tom_is_heard_where_its_pitch_settles_and_noise_has_none():
    f = 150.0 * (1 + 0.5 * np.exp(-T * 30))            # falls from 225 Hz onto 150 Hz, as toms do
    tom = (np.sin(2 * np.pi * np.cumsum(f) / SR) * np.exp(-T * 8)).astype(np.float32)
    p = estimate_pitch(tom, SR)
    assert p is not None and abs(1200 * np.log2(p.hz / 150.0)) < 10
    noise = (np.random.default_rng(0).standard_normal(SR) * np.exp(-T * 10)).astype(np.float32)
    assert estimate_pitch(noise, SR) is None
    kit = render_kit(per_class=3, sample_rate=SR)
    for kind in ("snare", "hat", "clap"):
        assert all(estimate_pitch(c, SR) is None for c in kit[kind]), kind
    assert estimate_pitch(np.zeros(SR, np.float32), SR) is None
    assert (note_name(60), note_name(69), note_name(45)) == ("C4", "A4", "A2")


def test_tune_moves_a_sound_onto_the_nearest_note_and_leaves_noise_alone():
    x = tone(450.0, harmonics=3)                            # A4 + 39 cents
    tuned = shape_clip(x, SR, tune=True)
    p = estimate_pitch(tuned, SR)
    assert p.name == "A4" and abs(p.cents) < 2
    up = shape_clip(x, SR, tune=True, pitch=12.0)           # then the pitch knob: an octave up
    assert estimate_pitch(up, SR).name == "A5"
    noise = (np.random.default_rng(1).standard_normal(9000) * 0.1).astype(np.float32)
    assert np.array_equal(shape_clip(noise, SR, tune=True), shape_clip(noise, SR))


def test_keyboard_mode_takes_every_note_before_the_pad_map():
    played, notes = [], []
    m = PadMidiMap(lambda p, g: played.append(p), note=lambda n, g: notes.append((n, g)) or n >= 60)
    msg = SimpleNamespace(type="note_on", note=72, velocity=127, channel=0)
    assert m.handle(msg) is None and notes == [(72, 1.0)] and played == []
    assert m.handle(SimpleNamespace(type="note_on", note=36, velocity=127, channel=0)) == 0   # not taken: a pad
    m.handle(SimpleNamespace(type="note_off", note=72, velocity=0, channel=0))
    assert notes[-1] == (72, 0.0)


def test_keyboard_mode_plays_the_pad_an_octave_up_for_a_note_twelve_above_its_root(jack_device):
    from ganstudio.audio.studio import Studio
    from ganstudio.library.demo_model import load_demo_model
    studio = Studio(load_demo_model(), device=jack_device, sample_rate=SR, blocksize=256)
    studio.start()
    try:
        assert studio.audio_error is None and studio.worker.wait_idle(30)
        studio.volume = 1.0
        clip = tone(220.0, decay=8.0, harmonics=3)[:24000]
        studio.mixer.load_clip(2, clip)                     # an A3 on pad 3
        assert studio.set_keyboard(2) == 57 and studio.keyboard_root == 57
        time.sleep(0.1)
        scope = studio.engine.scope
        scope.read_into(np.zeros((scope.available(), 2), np.float32))
        assert studio.note(69, 1.0)                         # A4: twice the speed
        out, got = np.zeros((SR, 2), np.float32), 0
        deadline = time.monotonic() + 20
        while got < len(out) and time.monotonic() < deadline:
            n = min(scope.available(), len(out) - got)
            scope.read_into(out[got:got + n])
            got += n
            time.sleep(0.005)
        assert got == len(out)
        p = estimate_pitch(out[:, 0], SR)
        assert p is not None and p.name == "A4" and abs(p.cents) < 5
        sound = np.flatnonzero(np.abs(out[:, 0]) > 1e-6)
        assert abs((sound[-1] - sound[0]) - len(clip) / 2) < 300     # half as long
        studio.set_keyboard(None)
        assert not studio.note(69, 1.0)
    finally:
        studio.close()
