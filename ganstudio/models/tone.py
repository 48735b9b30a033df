"""A learned, slowly changing tone filter on the generator's waveform.

A transposed-convolution generator fills the bands a sound does not have with noise about 20 dB
under its loudest band (docs/quality.md, run 18: the median kit hit spans 28 dB from its loudest
to its quietest mel band, the generated ones 19 dB; broadband noise 20 dB under a real hit puts it
at 11x the real floor of the Fréchet distance). Carving a kick's empty top octave 60 dB down takes
a transposed stack many cancelling kernels; here it is one sigmoid per band, as the amplitude
envelope does for silence in time: the latent picks a gain per band (``bands`` on the mel scale)
at ``times`` points across the clip, between 0 dB and ``-depth_db``, and the clip is filtered
with it on its STFT (gains interpolated in dB between bands and between points).

Shapes: ``z`` [B, in_dim]; ``x`` [B, 1, T] at ``sample_rate`` Hz; the output is [B, 1, T].
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..dsp.mel import hz_to_mel
from .buffers import CPU, hann

N_FFT, HOP = 512, 128
TIMES = 8
# the head's logits are this times its linear output (its weights start that much smaller): with
# Adam a step moves a weight by about the learning rate whatever its scale, and a fresh head on a
# pretrained generator must cross the sigmoid's range in a few hundred steps, not tens of
# thousands (at 1, 800 steps at 5e-4 moved a band by under 2 dB: docs/quality.md, run 18)
SPEED = 16.0


class ToneFilter(nn.Module):
    def __init__(self, in_dim: int, sample_rate: int, bands: int, depth_db: float):
        super().__init__()
        self.bands, self.depth_db = bands, depth_db
        self.head = nn.Linear(in_dim, bands * TIMES)
        with torch.no_grad():
            self.head.weight.div_(SPEED)
            self.head.bias.fill_(-3.0 / SPEED)     # starts nearly flat (about -4 dB), as the envelope
        self.register_buffer("window", hann(N_FFT), persistent=False)
        # each rfft bin's place between the bands, whose centres lie evenly on the mel scale
        mel = hz_to_mel(np.fft.rfftfreq(N_FFT, 1.0 / sample_rate))
        pos = torch.as_tensor(mel / mel[-1] * (bands - 1), dtype=torch.float32, device=CPU)   # see buffers.py
        lo = pos.floor().long().clamp(0, bands - 1)
        self.register_buffer("lo", lo, persistent=False)
        self.register_buffer("hi", (lo + 1).clamp(max=bands - 1), persistent=False)
        self.register_buffer("frac", (pos - lo).clamp(0.0, 1.0), persistent=False)

    def gains_db(self, z: torch.Tensor, frames: int) -> torch.Tensor:
        """The filter in dB, [B, bins, frames]."""
        db = -self.depth_db * torch.sigmoid(SPEED * self.head(z).view(z.shape[0], self.bands, TIMES))
        db = F.interpolate(db, size=frames, mode="linear", align_corners=True)        # [B, bands, frames]
        frac = self.frac[None, :, None].to(db.dtype)
        return db[:, self.lo] * (1 - frac) + db[:, self.hi] * frac

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[-1]
        with torch.autocast(x.device.type, enabled=False):     # the FFTs stay in float32
            audio = x[:, 0].float()
            spec = torch.stft(audio, N_FFT, HOP, window=self.window, center=True, return_complex=True)
            gain = torch.pow(10.0, self.gains_db(z.float(), spec.shape[-1]) / 20.0)
            y = torch.istft(spec * gain, N_FFT, HOP, window=self.window, center=True, length=n)
        return y.to(x.dtype)[:, None]
