"""An auxiliary generator loss: the batch's mean log-mel level per band and time block, matched to
the folder's; for a conditional model each clip is measured against its own class's mean.

Why: young models play 6-9 dB louder than the real clips in every mel band (docs/quality.md,
run 18), and the discriminator, which judges one clip at a time, is slow to correct a level that
is off for every clip alike. The gap is the batch mean's, so it also pulls the clips of a batch
towards one another a little; measured in run 23 (docs/quality.md):
- with classes (digits, notes, drums), each class against its own mean: closer to real, fewer
  near-copies, the asked class heard more often; drums decay sooner than real;
- without classes, on drums (kicks and hats in one target): every hit alike, at every weight tried;
- estimated over pairs of different clips instead (no pull): less loss of diversity, most of the
  gain on digits lost; matched as mean power instead of mean dB: further on drums.
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
    """The folder's mean log-mel level, float32 [C, N_MELS, BLOCKS] on ``real``'s device (C = 1
    without ``labels``, else one row per class), and the loss of a batch of fakes against it.

    ``real``: the training clips, [N, 1, T] at ``sample_rate`` Hz; ``labels``: their classes [N]
    (0..num_classes-1) for a conditional model. A class with no clips gets the folder's mean."""

    def __init__(self, real: torch.Tensor, sample_rate: int, labels: torch.Tensor | None = None,
                 num_classes: int = 0, chunk: int = 256):
        fb = mel_filterbank(sample_rate, N_FFT, N_MELS, 20.0, sample_rate / 2)
        self._fb = torch.from_numpy(fb).to(real.device)
        self._window = torch.hann_window(N_FFT, device=real.device)
        self._full_scale = (self._window.sum().item() / 2) ** 2
        rows = max(1, num_classes) if labels is not None else 1
        idx = labels.long() if labels is not None else \
            torch.zeros(real.shape[0], dtype=torch.long, device=real.device)
        total = torch.zeros(rows, N_MELS * BLOCKS, dtype=torch.float64, device=real.device)
        with torch.no_grad():
            for i in range(0, real.shape[0], chunk):
                total.index_add_(0, idx[i:i + chunk], self.levels(real[i:i + chunk].float()).flatten(1).double())
        count = torch.bincount(idx, minlength=rows).double()[:, None]
        overall = total.sum(0) / real.shape[0]
        self.target = torch.where(count > 0, total / count.clamp_min(1), overall).float() \
            .reshape(rows, N_MELS, BLOCKS)

    def levels(self, x: torch.Tensor) -> torch.Tensor:
        """Log-mel level in dB re full scale, floored at -96 dB and averaged over each time block:
        [B, 1, T] -> float32 [B, N_MELS, BLOCKS]."""
        spec = torch.stft(x.flatten(0, 1), N_FFT, HOP, window=self._window, return_complex=True)
        power = spec.real.square() + spec.imag.square()                        # [B, F, frames]
        mel = torch.einsum("mf,bft->bmt", self._fb, power) / self._full_scale
        db = (10.0 / math.log(10.0)) * torch.log(mel + 1e-12)
        return F.adaptive_avg_pool1d(db.clamp_min(FLOOR_DB), BLOCKS)

    def loss(self, fake: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Mean absolute gap, in units of 10 dB, between the batch's mean level and the folder's,
        each clip against its class's level when the target has a row per class: [B, 1, T],
        labels [B] -> scalar."""
        target = self.target[labels.long()] if labels is not None and self.target.shape[0] > 1 \
            else self.target[0]
        return (self.levels(fake.float()) - target).mean(0).abs().mean() / DB_SCALE
