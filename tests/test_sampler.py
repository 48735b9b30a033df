import numpy as np
import torch

from ganstudio.audio.sampler import SamplerWorker
from ganstudio.audio.voices import VoiceMixer
from ganstudio.models import Generator, preset
from ganstudio.training import Trainer, model_config_for, recipe


def tiny_generator(seed=0, **kw):
    torch.manual_seed(seed)
    return Generator(preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, **kw)).eval().requires_grad_(False)


def test_pads_are_rendered_at_the_device_rate_and_play():
    mixer = VoiceMixer(pads=4, voices=4, max_frames=48000, max_block=1024)
    worker = SamplerWorker(mixer, tiny_generator(), device_rate=48000, pads=4)
    worker.start()
    try:
        assert worker.wait_idle()
        assert worker.renders == 4
        lengths = mixer.lengths[np.arange(4), mixer.active_slot]
        assert list(lengths) == [24000] * 4          # 8000 samples at 16 kHz -> 0.5 s at 48 kHz
        g = worker._generator
        with torch.inference_mode():
            direct = g(torch.from_numpy(worker.pads[0].latent[None])).squeeze().numpy()
        played = mixer.bank[0, mixer.active_slot[0], :24000]
        # the resampled clip has the same energy as the model's output
        assert abs(np.sqrt(np.mean(played ** 2)) / np.sqrt(np.mean(direct ** 2)) - 1) < 0.05
        before = played.copy()
        worker.set_pad(0, latent=np.zeros(100, np.float32))
        assert worker.wait_idle() and worker.renders == 5
        assert not np.array_equal(before, mixer.bank[0, mixer.active_slot[0], :24000])
    finally:
        worker.stop()


def test_training_snapshots_reach_the_pads(small_dataset, tmp_path):
    mixer = VoiceMixer(pads=2, voices=2, max_frames=16000, max_block=512)
    tc = recipe("tiny", max_steps=4, snapshot_every=2, batch_size=4)
    mc = model_config_for(small_dataset, "tiny", False, model_dim=4, d_model_dim=4)
    worker = SamplerWorker(mixer, Generator(mc).eval(), device_rate=16000, pads=2)
    worker.start()
    try:
        worker.wait_idle()
        first = mixer.bank[0, mixer.active_slot[0]].copy()
        Trainer(small_dataset, tmp_path / "m", mc, tc, snapshot_fn=worker.submit_generator).run()
        assert worker.wait_idle()
        assert worker.snapshots >= 1 and worker.renders >= 4
        assert not np.array_equal(first, mixer.bank[0, mixer.active_slot[0]])
    finally:
        worker.stop()


def test_conditioned_pads_cycle_classes():
    mixer = VoiceMixer(pads=4, voices=4, max_frames=8000, max_block=512)
    worker = SamplerWorker(mixer, tiny_generator(class_names=("a", "b", "c")), device_rate=16000, pads=4)
    assert [p.label for p in worker.pads] == [0, 1, 2, 0]
    worker.start()
    try:
        assert worker.wait_idle() and worker.error is None
    finally:
        worker.stop()


def test_randomize_mutate_and_morph_rerender_pads():
    mixer = VoiceMixer(pads=4, voices=4, max_frames=8000, max_block=512)
    worker = SamplerWorker(mixer, tiny_generator(), device_rate=16000, pads=4)
    worker.start()
    try:
        worker.wait_idle()
        z0 = worker.pads[0].latent.copy()
        worker.mutate(0, 0.2)
        assert 0 < np.linalg.norm(worker.pads[0].latent - z0) < np.linalg.norm(z0)
        worker.randomize(1)
        worker.morph(3, 0, 1, 0.0)
        np.testing.assert_allclose(worker.pads[3].latent, worker.pads[0].latent, atol=1e-5)
        assert worker.wait_idle()
        slot = mixer.active_slot
        np.testing.assert_allclose(mixer.bank[3, slot[3]], mixer.bank[0, slot[0]], atol=1e-5)
        assert worker.renders >= 7
    finally:
        worker.stop()


def test_a_pads_style_is_played_kept_by_mutate_blended_by_morph_and_dropped_by_randomize():
    g = tiny_generator()
    mixer = VoiceMixer(pads=4, voices=4, max_frames=8000, max_block=512)
    worker = SamplerWorker(mixer, g, device_rate=16000, pads=4)
    worker.start()
    try:
        assert worker.wait_idle()
        slot = mixer.active_slot
        plain = mixer.bank[0, slot[0]].copy()
        style = np.full(g.style_size, 0.5, np.float32)
        worker.set_pad(0, style=style)
        assert worker.wait_idle()
        slot = mixer.active_slot
        assert not np.allclose(mixer.bank[0, slot[0]], plain, atol=1e-4)
        worker.set_pad(0, label=None)                    # a change of something else keeps it
        np.testing.assert_array_equal(worker.pads[0].style, style)
        worker.mutate(0, 0.2)
        np.testing.assert_array_equal(worker.pads[0].style, style)
        worker.morph(1, 0, 2, 0.25)                     # pad 2 has none: counts as zeros
        np.testing.assert_allclose(worker.pads[1].style, 0.75 * style)
        worker.morph(3, 2, 2, 0.5)
        assert worker.pads[3].style is None
        worker.randomize(0)
        assert worker.pads[0].style is None
        # a training snapshot of another shape plays the pads without their styles
        worker.set_pad(1, style=np.ones(g.style_size, np.float32))
        wider = Generator(preset("tiny", model_dim=8, d_model_dim=4, clip_length=8000)).eval().requires_grad_(False)
        assert wider.style_size != g.style_size
        worker.submit_generator(wider)
        assert worker.wait_idle() and worker.error is None
    finally:
        worker.stop()
