"""A fine-tuned inverse-STFT generator starts with the folder's spectral balance.

The sustained base (``resources/base_sustained``) learned procedural one-shots, many of them
bright; fine-tuned on a folder of dull sound effects, its top band took 10 minutes to fade
(docs/quality.md, run 12: 0.144 of the clips' energy above 4 kHz after 3 minutes, against the
real 0.0004). Its log-magnitude head has one bias per STFT bin, and Adam moves a bias by about the
learning rate a step (5e-4 for `tiny`, times the head's gain of 4: 0.002 nats): a 40 dB correction
takes over 2 000 steps, about 20 CPU minutes. So before the first step the bias is moved by the
difference between the folder's mean log-magnitude per bin and the generator's own, measured on a
batch of its clips: a data-dependent start, as weight normalisation's (Salimans and Kingma, 2016)
starts a layer with the statistics of the data it sees (docs/quality.md, run 14).
"""
from __future__ import annotations

import logging

import numpy as np
import torch

from ..models.stft_body import LOG_MAG_GAIN, STFTBody

log = logging.getLogger(__name__)

ACTIVE_DB = 60.0        # frames within this of a clip's loudest count (a one-shot's silent end does not)
MAX_SHIFT = 6.0         # nats (52 dB) per bin at most: a folder of pure sines must not zero a bin's head
ROUNDS = 2              # the head's soft ceiling and tanh bend the first shift; a second one measures again
N_CLIPS = 64


def mean_log_magnitude(clips: torch.Tensor, body: STFTBody) -> torch.Tensor:
    """float [N, samples] -> [bins]: per bin the mean natural-log magnitude (floor 1e-5) over the
    frames of each clip within ``ACTIVE_DB`` of its loudest, with the body's window and hop."""
    spec = torch.stft(clips.float(), body.n_fft, body.hop, window=body.window.float(), center=True,
                      return_complex=True).abs()                                    # [N, bins, frames]
    energy = spec.pow(2).sum(1, keepdim=True)
    active = (energy >= energy.amax(-1, keepdim=True) * 10 ** (-ACTIVE_DB / 10)).to(spec.dtype)
    logmag = spec.clamp_min(1e-5).log()
    return (logmag * active).sum((0, 2)) / active.sum((0, 2)).clamp_min(1.0)


@torch.no_grad()
def match_spectrum(G: torch.nn.Module, real: torch.Tensor, seed: int = 0) -> float | None:
    """Move an inverse-STFT generator's per-bin log-magnitude bias so its clips' mean spectrum
    matches ``real`` (float [N, 1, samples] or [N, samples], at the model's rate, on any device).
    Returns the largest shift in dB, or None for a generator without an STFT body (nothing to move)."""
    body = getattr(G, "body", None)
    if not isinstance(body, STFTBody):
        return None
    bins = body.n_fft // 2 + 1
    device = body.out.bias.device
    pick = torch.from_numpy(np.random.default_rng(seed).permutation(len(real))[:4 * N_CLIPS])
    target = mean_log_magnitude(real[pick].reshape(len(pick), -1).to(device), body)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    z = torch.randn(N_CLIPS, G.cfg.latent_dim, generator=gen).to(device)
    labels = (torch.randint(0, G.cfg.num_classes, (N_CLIPS,), generator=gen).to(device)
              if G.cfg.num_classes else None)
    was_training = G.training
    G.eval()
    total = torch.zeros(bins, device=device)
    for _ in range(ROUNDS):
        made = mean_log_magnitude(G(z, labels).reshape(N_CLIPS, -1), body)
        shift = (target - made).clamp(-MAX_SHIFT - total, MAX_SHIFT - total)
        body.out.bias[:bins] += shift.to(body.out.bias.dtype) / LOG_MAG_GAIN
        total += shift
    G.train(was_training)
    worst = float(total.abs().max()) * 20 / np.log(10)
    log.info("spectral start: the generator's mean spectrum moved by up to %.0f dB per bin", worst)
    return worst
