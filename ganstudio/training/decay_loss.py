"""An auxiliary generator loss: a tail that has decayed must not come back.

Why: a young waveform generator's tails are not a decay but a comb. Its amplitude envelope sits
at its -80 dB floor, where the sigmoid gives no gradient, and the tail is made of the spikes the
last transposed convolution leaves in it; every 1 024 samples (one frame of the first layer) the
spikes fall away for 20-25 ms. Of 256 clips of a drum model with 8 kinds after 10 CPU minutes, 78 %
come back over -45 dB after their 5 ms envelope has fallen 60 dB under the peak (real hits: 3 %),
which ``shared/tools/stem_hygiene.py`` calls resurgence. The clean one-shot rule then ends the
sound at the first gap (a median 0.33 s played against the real 0.60 s), and the played clips read
3x further from real than the raw ones (docs/quality.md, run 27). The discriminator, which hears
spectra, is slow to notice a gap of 20 ms at -60 dB; this loss names it.

The measure follows the hygiene tool: the 5 ms moving average of |x| in dB under the clip's
peak, its running minimum from the peak on, and, wherever that minimum is under -60 dB, how far
the envelope climbs more than :data:`RISE_DB` over it. The gradient both raises the gap (through
the minimum) and lowers what comes back. Lowering is also met by ending every sound before its
first gap: without the level loss (``mel_match``), which holds each class's decay to the real
spread of levels, that is what the generator did (run 27), so ``config.decay_weight`` turns it on
only beside that loss.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# the hygiene tool's 5 ms envelope, and the clean one-shot rule's "decayed" (-60 dB) and "climbs
# back" (10 dB over its lowest point since) thresholds
from ..dsp.oneshot import DECAYED_DB, ENV_S, RISE_DB

FLOOR_DB = -120.0
DB_SCALE = 10.0        # the loss counts in units of 10 dB


def envelope_db(x: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """[B, 1, T] at ``sample_rate`` -> the 5 ms envelope in dB under each clip's peak sample,
    float32 [B, frames], one frame every 1 ms (floored at -120 dB)."""
    a = x.float().abs()
    w = max(1, round(ENV_S * sample_rate))
    env = F.avg_pool1d(a, w, stride=max(1, w // 5))[:, 0]
    peak = a.amax(dim=(1, 2))[:, None].clamp_min(1e-12)
    return ((20.0 / math.log(10.0)) * torch.log(env / peak + 1e-12)).clamp_min(FLOOR_DB)


def return_excess_db(db: torch.Tensor) -> torch.Tensor:
    """[B, frames] envelope in dB under the peak -> [B, frames]: how many dB each frame climbs
    over ``RISE_DB`` above the envelope's running minimum since its loudest frame, where that
    minimum is under ``DECAYED_DB``; 0 elsewhere (before the peak too)."""
    top = db.argmax(dim=1, keepdim=True)
    after = torch.arange(db.shape[1], device=db.device)[None] >= top
    # before the peak the running minimum starts at the peak (0 dB), so an attack never counts
    low = torch.cummin(torch.where(after, db, torch.zeros_like(db)), dim=1).values
    decayed = after & (low.detach() < DECAYED_DB)
    return torch.where(decayed, F.relu(db - low - RISE_DB), torch.zeros_like(db))


def decay_loss(x: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """[B, 1, T] at ``sample_rate`` -> scalar: the mean over clips and frames of
    :func:`return_excess_db`, in units of 10 dB (0 for clips that decay without coming back)."""
    return return_excess_db(envelope_db(x, sample_rate)).mean() / DB_SCALE
