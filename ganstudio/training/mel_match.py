"""An auxiliary generator loss: the batch's log-mel levels per band and time block, matched to the
folder's; for a conditional model each clip is measured against its own class's. Two forms: the
batch's mean level against the folder's mean ("mean", run 23), or the spread of levels over the
clips too ("quantile", run 24: the default for conditional models).

Why: young models play 6-9 dB louder than the real clips in every mel band (docs/quality.md,
run 18), and the discriminator, which judges one clip at a time, is slow to correct a level that
is off for every clip alike. The gap is the batch mean's, so it also pulls the clips of a batch
towards one another a little; measured in run 23 (docs/quality.md):
- with classes (digits, notes, drums), each class against its own mean: closer to real, fewer
  near-copies, the asked class heard more often; drums decay sooner than real;
- without classes, on drums (kicks and hats in one target): every hit alike, at every weight tried;
- estimated over pairs of different clips instead (no pull): less loss of diversity, most of the
  gain on digits lost; matched as mean power instead of mean dB: further on drums.
The mean of log levels is met by shortening every decay: a block where real clips are a blend of
silent and ringing ones reads the same as one where every clip is half-way. The quantile form
matches the whole spread (a 1-D Wasserstein distance per band and block); measured in run 24:
drums with classes closer raw and as played, digits and notes heard as the class asked for far
more often, fewer near-copies; without classes, closer raw but further as played.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..dsp.mel import mel_filterbank
from .config import MEL_FORMS

FLOOR_DB = -96.0       # as the Fréchet distance: what a 16-bit WAV cannot hold does not count
N_FFT, HOP, N_MELS = 512, 128, 40
BLOCKS = 16            # time blocks per clip: 64 ms each on a 1 s clip
DB_SCALE = 10.0        # the loss counts in units of 10 dB


class MelMatch:
    """The folder's mean log-mel level, float32 [C, N_MELS, BLOCKS] on ``real``'s device (C = 1
    without ``labels``, else one row per class), and the loss of a batch of fakes against it.

    ``real``: the training clips, [N, 1, T] at ``sample_rate`` Hz; ``labels``: their classes [N]
    (0..num_classes-1) for a conditional model. A class with no clips gets the folder's mean.
    ``form`` "mean" matches the batch's mean level; "quantile" matches the spread of levels too
    (:meth:`loss`)."""

    def __init__(self, real: torch.Tensor, sample_rate: int, labels: torch.Tensor | None = None,
                 num_classes: int = 0, chunk: int = 256, form: str = "mean"):
        if form not in MEL_FORMS:
            raise ValueError(f"unknown mel_match form {form!r}; choose from {', '.join(MEL_FORMS)}")
        self.form = form
        fb = mel_filterbank(sample_rate, N_FFT, N_MELS, 20.0, sample_rate / 2)
        self._fb = torch.from_numpy(fb).to(real.device)
        self._window = torch.hann_window(N_FFT, device=real.device)
        self._full_scale = (self._window.sum().item() / 2) ** 2
        rows = max(1, num_classes) if labels is not None else 1
        idx = labels.long() if labels is not None else \
            torch.zeros(real.shape[0], dtype=torch.long, device=real.device)
        total = torch.zeros(rows, N_MELS * BLOCKS, dtype=torch.float64, device=real.device)
        each = []
        with torch.no_grad():
            for i in range(0, real.shape[0], chunk):
                lv = self.levels(real[i:i + chunk].float()).flatten(1)
                total.index_add_(0, idx[i:i + chunk], lv.double())
                if form == "quantile":
                    each.append(lv)
        count = torch.bincount(idx, minlength=rows).double()[:, None]
        overall = total.sum(0) / real.shape[0]
        self.target = torch.where(count > 0, total / count.clamp_min(1), overall).float() \
            .reshape(rows, N_MELS, BLOCKS)
        # "quantile": each row's clips' levels sorted per band and block, [n_c, N_MELS * BLOCKS]
        # (a class without clips takes the whole folder's)
        self.sorted: list[torch.Tensor] = []
        if form == "quantile":
            every = torch.cat(each)
            self.sorted = [(every[idx == c] if bool((idx == c).any()) else every).sort(dim=0).values
                           for c in range(rows)]

    def levels(self, x: torch.Tensor) -> torch.Tensor:
        """Log-mel level in dB re full scale, floored at -96 dB and averaged over each time block:
        [B, 1, T] -> float32 [B, N_MELS, BLOCKS]."""
        spec = torch.stft(x.flatten(0, 1), N_FFT, HOP, window=self._window, return_complex=True)
        power = spec.real.square() + spec.imag.square()                        # [B, F, frames]
        mel = torch.einsum("mf,bft->bmt", self._fb, power) / self._full_scale
        db = (10.0 / math.log(10.0)) * torch.log(mel + 1e-12)
        return F.adaptive_avg_pool1d(db.clamp_min(FLOOR_DB), BLOCKS)

    def loss(self, fake: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """[B, 1, T], labels [B] -> scalar, in units of 10 dB; each clip is measured against its
        class's levels when the target has a row per class.

        "mean": the mean absolute gap between the batch's mean level and the folder's.
        "quantile": per band and block, the 1-D Wasserstein distance between the batch's levels
        and the folder's: the k clips of a class, sorted, against the class's real quantiles at
        (i + 0.5) / k. A batch of one level for every clip is far even where its mean is right."""
        per_class = labels is not None and self.target.shape[0] > 1
        if self.form == "mean":
            target = self.target[labels.long()] if per_class else self.target[0]
            return (self.levels(fake.float()) - target).mean(0).abs().mean() / DB_SCALE
        lv = self.levels(fake.float()).flatten(1)
        rows = labels.long() if per_class else torch.zeros(lv.shape[0], dtype=torch.long, device=lv.device)
        total = lv.new_zeros(())
        for c in torch.unique(rows).tolist():
            mine = lv[rows == c].sort(dim=0).values                      # [k, N_MELS * BLOCKS]
            total = total + (mine - _quantiles(self.sorted[c], mine.shape[0])).abs().sum(0).mean()
        return total / lv.shape[0] / DB_SCALE


def _quantiles(ordered: torch.Tensor, k: int) -> torch.Tensor:
    """The (i + 0.5) / k quantiles, i < k, of each column of ``ordered`` [n, F] (sorted along
    dim 0), linearly interpolated: [k, F]."""
    n = ordered.shape[0]
    pos = ((torch.arange(k, dtype=torch.float64, device=ordered.device) + 0.5) * n / k - 0.5).clamp(0, n - 1)
    lo = pos.floor().long()
    hi = (lo + 1).clamp_max(n - 1)
    frac = (pos - lo.double()).float()[:, None]
    return ordered[lo] * (1 - frac) + ordered[hi] * frac
