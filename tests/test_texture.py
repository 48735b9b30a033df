import time

import numpy as np
import torch

from ganstudio.audio.ringbuffer import RingBuffer
from ganstudio.audio.texture import TextureStream
from ganstudio.models import Generator, preset


class ConstantGenerator(torch.nn.Module):
    """A stand-in generator that always returns the same +1/-1 alternation (a constant DC clip would
    be refused as stuck): overlap-added at an even hop, the texture must keep a flat envelope."""

    def __init__(self):
        super().__init__()
        self.cfg = preset("tiny", clip_length=8000)

    def forward(self, z, labels=None):
        sign = 1.0 - 2.0 * (torch.arange(self.cfg.clip_length) % 2)
        return sign.expand(z.shape[0], 1, -1).clone()


def collect(ring, frames, timeout=10.0):
    out, got = np.zeros((frames, ring.channels), np.float32), 0
    deadline = time.monotonic() + timeout
    while got < frames and time.monotonic() < deadline:
        n = min(ring.available(), frames - got)
        if n:
            ring.read_into(out[got:got + n])
            got += n
        else:
            time.sleep(0.001)
    assert got == frames, "texture stream fell behind"
    return out


def test_crossfaded_windows_sum_to_one():
    ring = RingBuffer(8000)
    tex = TextureStream(ring, ConstantGenerator(), device_rate=16000)
    tex.start()
    try:
        audio = collect(ring, 40000)[:, 0]
    finally:
        tex.stop()
    sign = 1.0 - 2.0 * (np.arange(len(audio)) % 2)
    np.testing.assert_allclose(audio[4000:] * sign[4000:], 1.0, atol=1e-5)   # after the first half-window
    assert np.all(np.diff(audio[:4000] * sign[:4000]) >= 0)                  # the very start fades in


def test_generator_texture_walks_and_resamples():
    torch.manual_seed(0)
    g = Generator(preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000)).eval().requires_grad_(False)
    ring = RingBuffer(24000, channels=2)
    tex = TextureStream(ring, g, device_rate=48000, speed=0.5)
    tex.start()
    try:
        audio = collect(ring, 96000)
    finally:
        tex.stop()
    assert tex.clips >= 8 and tex.error is None
    assert np.all(np.isfinite(audio)) and np.sqrt(np.mean(audio ** 2)) > 1e-3
    np.testing.assert_array_equal(audio[:, 0], audio[:, 1])
    halves = audio[12000:, 0].reshape(-1, 12000)
    assert not np.allclose(halves[0], halves[2])                 # the latent moved
