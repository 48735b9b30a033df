"""One render path: a pitched, trimmed, reversed pad played on a real PortAudio stream (JACK dummy
server), dragged out, and exported are the same samples (issue 15)."""
import contextlib
import time

import numpy as np
import pytest
import soundfile as sf

from ganstudio.audio.studio import Studio
from ganstudio.export import ExportSettings, export_stems, pad_spec
from ganstudio.library.demo_model import load_demo_model


def _played(studio: Studio, pad: int, frames: int, timeout: float = 30.0) -> np.ndarray:
    """What the sound card was given after ``pad`` was triggered (the engine's scope ring)."""
    scope = studio.engine.scope
    scope.read_into(np.zeros((scope.available(), 2), np.float32))          # drop what came before
    studio.trigger(pad)
    got, out = 0, np.zeros((frames, 2), np.float32)
    deadline = time.monotonic() + timeout
    while got < frames and time.monotonic() < deadline:
        n = min(scope.available(), frames - got)
        if n:
            scope.read_into(out[got:got + n])
            got += n
        else:
            time.sleep(0.005)
    assert got == frames, "the stream did not play"
    return out


@contextlib.contextmanager
def _playing_studio(jack_device, pad: int, changes: dict):
    """The demo model's studio on the JACK stream at full volume with ``changes`` made to ``pad``
    and rendered; closed afterwards."""
    model = load_demo_model()
    studio = Studio(model, device=jack_device, sample_rate=48000, blocksize=256)
    studio.start()
    try:
        assert studio.audio_error is None, studio.audio_error
        studio.volume = 1.0
        studio.change_pad(pad, changes)
        assert studio.worker.wait_idle(30)
        time.sleep(0.1)                                     # the start ramp is over
        yield model, studio
    finally:
        studio.close()


TRIMMED = {"pitch": -3.0, "start": 0.05, "end": 0.6, "reverse": True, "gain": 0.4}
TONED = {"pitch": 2.0, "gain": 0.8, "attack": 3.0, "decay": 120.0, "lowpass": 3000.0, "highpass": 150.0}


@pytest.mark.parametrize("changes", [TRIMMED, TONED], ids=["trimmed", "enveloped-and-filtered"])
def test_a_pad_plays_drags_out_and_exports_the_same_samples(jack_device, tmp_path, changes):
    with _playing_studio(jack_device, 5, changes) as (model, studio):
        dragged = studio.pad_sound(5)
        if changes is TRIMMED:
            # the clean one-shot, 5 % to 60 % of it, 3 semitones down (1.189 times as long)
            source = len(studio.pad_source(5))
            assert abs(len(dragged) - (int(0.6 * source) - int(0.05 * source)) * 2 ** (3 / 12)) < 4
        else:       # the decay ends the sound after 120 ms, and it starts from silence (attack)
            assert len(dragged) == round(0.12 * 48000) and dragged[0] == 0.0 and dragged[-1] == 0.0
        played = _played(studio, 5, len(dragged) + 4800)
        st = studio.pads_state()[5]
        latent, label = studio.pad_latent(5), studio.pad_label(5)
    # where the voice starts: its first sound, less the silent samples the clip itself starts with
    onset = int(np.flatnonzero(np.abs(played[:, 0]) > 0)[0]) - int(np.flatnonzero(dragged)[0])
    voice = played[onset:onset + len(dragged), 0]
    assert np.array_equal(played[:, 0], played[:, 1])
    # the voice plays the shaped clip at rate 1: sample for sample what drag-out wrote
    np.testing.assert_allclose(voice, dragged, atol=1e-6)
    # DC removal as exports do it by default: the pad plays without its generator's DC too
    settings = ExportSettings(rate=48000, fmt="float", trim=False, normalize="none", fade_out_ms=0.0)
    assert settings.dc and settings.dc_method == "highpass"
    stem = export_stems(model, [pad_spec(5, latent, label, st)], tmp_path, settings)[0]
    exported, sr = sf.read(stem.path, dtype="float32")
    assert sr == 48000 and len(exported) == len(dragged)
    # export renders exactly (one clip, no oneDNN); the sampler renders a batch: ~1e-6 apart
    assert np.max(np.abs(exported - dragged)) < 1e-4 * max(np.abs(dragged).max(), 1e-3)


def test_pads_play_full_band_with_hifi_and_the_model_band_without(jack_device):
    """Issue 14: through the sound card, a 16 kHz model's pads carry the band above 8 kHz with
    the (shipped) extender, and nothing there with Hi-fi off."""
    from ganstudio.dsp.bands import energy_above
    studio = Studio(load_demo_model(), device=jack_device, sample_rate=48000, blocksize=256)
    studio.start()
    try:
        assert studio.audio_error is None and studio.extender is not None
        studio.volume = 0.5             # well below the master limiter, whose bends would add highs
        assert studio.worker.wait_idle(30)
        shares = [energy_above(studio.pad_sound(i), 48000) for i in range(16)]
        pad = int(np.argmax(shares))
        time.sleep(0.1)
        on = _played(studio, pad, len(studio.pad_sound(pad)) + 4800)[:, 0]
        studio.set_hifi(False)
        assert studio.worker.wait_idle(30)
        # a clean one-shot's 1 ms fade-in and cut leave a trace above 8 kHz, nothing more
        assert max(energy_above(studio.pad_sound(i), 48000) for i in range(16)) < 1e-3
        off = _played(studio, pad, len(studio.pad_sound(pad)) + 4800)[:, 0]
    finally:
        studio.close()
    # what the card played (its first block may start inside the hit: a step, which has highs of its own)
    assert energy_above(on, 48000) > 0.1 and energy_above(off, 48000) < 0.01
    assert np.median(shares) > 1e-3


def test_a_stereo_pad_plays_drags_out_exports_and_remakes_in_true_stereo(jack_device, tmp_path):
    """Issue 16, item 9: a pad with a width plays left and right on the sound card, and drag-out,
    a stereo export and a remake from its sidecar are those samples; a mono export is its mid."""
    from ganstudio.export import remake_from_sidecar
    with _playing_studio(jack_device, 6, {"width": 1.0, "pitch": -3.0, "reverse": True, "gain": 0.4}) as (model, studio):
        dragged = studio.pad_sound(6)
        assert dragged.ndim == 2 and studio.pad_clip(6).shape == dragged.shape
        played = _played(studio, 6, len(dragged) + 4800)
        st = studio.pads_state()[6]
    onset = int(np.flatnonzero(np.abs(played).max(axis=1) > 0)[0]) - int(np.flatnonzero(np.abs(dragged).max(axis=1))[0])
    voice = played[onset:onset + len(dragged)]
    np.testing.assert_allclose(voice, dragged, atol=1e-6)
    assert 0.2 < np.corrcoef(voice[:, 0], voice[:, 1])[0, 1] < 0.99       # an image, not mono
    spec = pad_spec(6, st["latent"], st["label"], st)
    base = dict(rate=48000, fmt="float", trim=False, normalize="none", fade_out_ms=0.0)
    stem = export_stems(model, [spec], tmp_path / "st", ExportSettings(channels=2, **base))[0]
    exported, _ = sf.read(stem.path, dtype="float32")
    assert exported.shape == dragged.shape
    assert np.max(np.abs(exported - dragged)) < 1e-4 * np.abs(dragged).max()
    mono = export_stems(model, [spec], tmp_path / "mono", ExportSettings(channels=1, **base))[0]
    mid, _ = sf.read(mono.path, dtype="float32")
    np.testing.assert_allclose(mid, exported.mean(axis=1), atol=1e-6)
    again, _, _, _ = remake_from_sidecar(stem.sidecar)
    np.testing.assert_array_equal(again, exported)


def test_a_pad_with_a_style_plays_drags_out_exports_and_remakes_the_same_samples(jack_device, tmp_path):
    """Issue 17: a sound-alike's style goes wherever its latent goes: the sound card, drag-out,
    the stem and its sidecar, which remakes it; a sidecar whose style was edited is refused."""
    import json
    from ganstudio.export import ExportError, remake_from_sidecar
    from ganstudio.models.sampling import generate
    with _playing_studio(jack_device, 3, {"width": 0.6, "gain": 0.4}) as (model, studio):   # under the limiter
        g = model.generator
        style = np.clip(np.random.default_rng(4).normal(0, 0.4, g.style_size), -1, 1).astype(np.float32)
        z = studio.pad_latent(3)
        plain = studio.pad_sound(3)
        studio.set_pad_latent(3, z, None, style)
        assert studio.worker.wait_idle(30)
        dragged = studio.pad_sound(3)
        assert not np.allclose(dragged[:len(plain)], plain[:len(dragged)], atol=1e-3)   # the style is heard
        played = _played(studio, 3, len(dragged) + 4800)
        st = studio.pads_state()[3]
    np.testing.assert_array_equal(st["style"], style)
    onset = int(np.flatnonzero(np.abs(played).max(axis=1) > 0)[0]) - int(np.flatnonzero(np.abs(dragged).max(axis=1))[0])
    np.testing.assert_allclose(played[onset:onset + len(dragged)], dragged, atol=1e-6)
    settings = ExportSettings(rate=48000, fmt="float", trim=False, normalize="none", fade_out_ms=0.0,
                              channels=2)
    stem = export_stems(model, [pad_spec(3, st["latent"], st["label"], st)], tmp_path, settings)[0]
    exported, _ = sf.read(stem.path, dtype="float32")
    assert np.max(np.abs(exported - dragged)) < 1e-4 * np.abs(dragged).max()
    doc = json.loads(stem.sidecar.read_text())
    np.testing.assert_array_equal(doc["source"]["style"], style)
    again, _, _, _ = remake_from_sidecar(stem.sidecar)
    np.testing.assert_array_equal(again, exported)
    # the model's own render of the latent with that style, without it: another sound
    assert not np.allclose(generate(g, z[None], styles=[style]), generate(g, z[None]), atol=1e-3)
    doc["source"]["style"][0] += 0.5
    stem.sidecar.write_text(json.dumps(doc))
    with pytest.raises(ExportError, match="differs"):
        remake_from_sidecar(stem.sidecar)
    doc["source"]["style"] = doc["source"]["style"][:-1]
    stem.sidecar.write_text(json.dumps(doc))
    with pytest.raises(ExportError, match="the model wants 480"):
        remake_from_sidecar(stem.sidecar)


def test_an_exact_full_band_render_is_the_same_with_any_thread_count():
    # a sidecar is remade on machines with other core counts: the extender's matrix products
    # summed in another order with 2 threads (7e-6 apart) before exact renders ran on one thread
    import torch
    from ganstudio.library.demo_model import load_demo_model
    from ganstudio.models.extender_file import model_extender
    from ganstudio.models.sampling import full_band, generate
    model = load_demo_model()
    z = np.random.default_rng(5).standard_normal((2, model.config.latent_dim)).astype(np.float32)
    before = torch.get_num_threads()
    renders = []
    try:
        for threads in (1, 2, 3):
            torch.set_num_threads(threads)
            clips = generate(model.generator, z, exact=True)
            renders.append(full_band(clips, model.config.sample_rate, 48000, model_extender(model), exact=True))
            assert torch.get_num_threads() == threads            # put back after the render
    finally:
        torch.set_num_threads(before)
    assert np.array_equal(renders[0], renders[1]) and np.array_equal(renders[0], renders[2])
