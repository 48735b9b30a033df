"""An auxiliary generator loss: the batch's mean log-mel level per band and time block, matched to
the folder's.

Why: young drum models play 6-9 dB louder than the real clips in every mel band (docs/quality.md,
run 18), and the discriminator, which judges one clip at a time, is slow to correct a level that
is off for every clip alike. Only the mean over the batch is pinned, never a clip, so the clips may
still differ from one another as much as the real ones do. The target is the mean the real batches
have under the same drawing weights as the fake labels (class balance), so a conditional model is
not pushed towards the folder's raw proportions.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..dsp.mel import mel_filterbank

FLOOR_DB = -96.0       # as the Fréchet distance: what a 16-bit WAV cannot hold does not count
N_FFT, HOP, N_MELS = 512, 128, 40
BLOCKS = 16            # time blocks per clip: 64 ms each on a 1 s clip
DB_SCALE = 10.0        # the loss counts in units of 10 dB


class MelMatch:
    """The folder's mean log-mel level, float32 [N_MELS, BLOCKS] on ``real``'s device, and the
    loss of a batch of fakes against it.

    ``real``: the training clips, [N, 1, T] at ``sample_rate`` Hz; ``weights``: how often each clip
    is drawn, [N] (None: all alike)."""

    def __init__(self, real: torch.Tensor, sample_rate: int, weights: torch.Tensor | None = None,
                 chunk: int = 256):
        fb = mel_filterbank(sample_rate, N_FFT, N_MELS, 20.0, sample_rate / 2)
        self._fb = torch.from_numpy(fb).to(real.device)
        self._window = torch.hann_window(N_FFT, device=real.device)
        self._full_scale = (self._window.sum().item() / 2) ** 2
        w = torch.ones(real.shape[0], device=real.device) if weights is None else weights.float()
        w = w / w.sum()
        total = torch.zeros(N_MELS, BLOCKS, device=real.device)
        with torch.no_grad():
            for i in range(0, real.shape[0], chunk):
                levels = self.levels(real[i:i + chunk].float())
                total += (levels * w[i:i + chunk, None, None]).sum(0)
        self.target = total

    def levels(self, x: torch.Tensor) -> torch.Tensor:
        """Log-mel level in dB re full scale, floored at -96 dB and averaged over each time block:
        [B, 1, T] -> float32 [B, N_MELS, BLOCKS]."""
        spec = torch.stft(x.flatten(0, 1), N_FFT, HOP, window=self._window, return_complex=True)
        power = spec.real.square() + spec.imag.square()                        # [B, F, frames]
        mel = torch.einsum("mf,bft->bmt", self._fb, power) / self._full_scale
        db = (10.0 / math.log(10.0)) * torch.log(mel + 1e-12)
        return F.adaptive_avg_pool1d(db.clamp_min(FLOOR_DB), BLOCKS)

    def loss(self, fake: torch.Tensor) -> torch.Tensor:
        """Mean absolute gap, in units of 10 dB, between the batch's mean level and the folder's:
        [B, 1, T] -> scalar."""
        return (self.levels(fake.float()).mean(0) - self.target).abs().mean() / DB_SCALE
