"""A generator body that works at frame rate and ends in an inverse STFT (as iSTFTNet / Vocos do).

The waveform generator reaches the sample rate through five transposed convolutions; their
overlapping kernels leave regularly spaced stripes, and its last layers run at 16 000 steps a
second of audio. This body stops at one frame per hop (128 samples at 16 kHz), predicts a
log-magnitude and a phase per STFT bin and frame, and lets ``torch.istft`` make the waveform:
silence is a very negative log-magnitude (a decaying tail ends in true silence), and there is
no upsampling kernel to stripe the spectrum.

The phase of each bin mixes two excitations by a predicted tonality, as the bandwidth extender
does (``models/extender.py``): a predicted phase (tones, whose phase must advance from frame to
frame) and a fixed noise phase, offset per clip by a fixed projection of the latent (noise:
cymbals, snares, air, which no small network learns to make from scratch in minutes). The
noise phase is a pure function of the latent, so a clip is remade exactly from its latent.

Shapes: latent features ``[B, in_dim]`` -> audio ``[B, 1, clip_length]`` in (-1, 1) at
``cfg.sample_rate``.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .buffers import frame_times, hann

UPSAMPLINGS = 3          # frame-rate feature maps double this many times from the first linear layer
LOG_MAG_MAX = 6.0        # e^6 ~ 400: above a full-scale sine's bin (n_fft / 4 = 128 at 16 kHz)
LOG_MAG_START = -1.0     # the untrained body plays a decaying noise burst at about -15 dBFS
LOG_MAG_GAIN = 4.0       # real one-shots span about -9 (tails) to +3 (attacks) in natural-log magnitude:
                         # a unit-scale output would need its weights to grow ~10x first
DECAY_SCALE = 15.0       # nats per second per unit of the decay head: softplus(0) * 15 = 10 nats/s
                         # (87 dB/s) at the start, a short drum-like ring
TONALITY_START = -2.0    # ... and mostly noise-phased (sigmoid(-2) = 0.12 of the predicted phase)


def _splitmix(n: int, seed: int) -> np.ndarray:
    """``n`` uniform floats in [0, 1) from the splitmix64 integer hash: the same on every machine
    and numpy / torch version (no library random stream is relied on)."""
    x = (np.arange(n, dtype=np.uint64) + np.uint64(seed)) * np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def stft_hop(sample_rate: int) -> int:
    """The hop in samples: the largest power of two within 8 ms (128 at 16 and 22.05 kHz, 256 at
    44.1 and 48 kHz)."""
    return 2 ** math.floor(math.log2(sample_rate * 0.008))


def frames_for(clip_length: int, hop: int) -> int:
    """STFT frames (centred) whose inverse covers ``clip_length`` samples."""
    return -(-clip_length // hop) + 1


class ConvNeXtBlock(nn.Module):
    """[B, C, F] -> same: depthwise conv over frames, then a pointwise MLP, residual (Vocos' block)."""

    def __init__(self, dim: int, kernel: int = 7, expand: int = 3):
        super().__init__()
        self.dw = nn.Conv1d(dim, dim, kernel, padding=kernel // 2, groups=dim)
        self.norm = nn.GroupNorm(1, dim)
        self.pw1 = nn.Conv1d(dim, expand * dim, 1)
        self.pw2 = nn.Conv1d(expand * dim, dim, 1)
        nn.init.zeros_(self.pw2.weight)      # each block starts as the identity
        nn.init.zeros_(self.pw2.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pw2(F.gelu(self.pw1(self.norm(self.dw(x)))))


class STFTBody(nn.Module):
    """features [B, in_dim] -> audio [B, 1, clip_length]: frame-rate convolutions, then iSTFT.

    ``width`` channels at frame rate; ``blocks`` ConvNeXt blocks after the upsamplings.
    """

    def __init__(self, in_dim: int, sample_rate: int, clip_length: int, width: int, blocks: int = 2):
        super().__init__()
        self.clip_length = clip_length
        self.hop = stft_hop(sample_rate)
        self.n_fft = 4 * self.hop
        self.frames = frames_for(clip_length, self.hop)
        self.start = -(-self.frames // 2 ** UPSAMPLINGS)
        first = 2 * width
        self.fc = nn.Linear(in_dim, self.start * first)
        self.first = first
        chans = [first] + [width] * UPSAMPLINGS
        self.ups = nn.ModuleList(nn.Conv1d(chans[i], chans[i + 1], 5, padding=2) for i in range(UPSAMPLINGS))
        self.blocks = nn.Sequential(*(ConvNeXtBlock(width) for _ in range(blocks)))
        self.norm = nn.GroupNorm(1, width)      # unit-scale features into the head, as Vocos does
        # a per-clip, per-bin exponential decay from the latent: one-shots ring down, highs first;
        # with it a tail falls to silence without the frame features having to learn the slope
        self.decay = nn.Linear(in_dim, self.n_fft // 2 + 1)
        nn.init.zeros_(self.decay.weight)
        nn.init.zeros_(self.decay.bias)
        seconds = frame_times(self.frames, self.hop, sample_rate)
        self.register_buffer("seconds", seconds, persistent=False)
        bins = self.n_fft // 2 + 1
        self.out = nn.Conv1d(width, 3 * bins, 1)       # log-magnitude, phase, tonality
        with torch.no_grad():        # magnitudes start quiet, the phase mostly noise
            self.out.weight[:bins].mul_(0.25)
            self.out.bias.zero_()
            self.out.bias[2 * bins:].fill_(TONALITY_START)
        self.register_buffer("window", hann(self.n_fft), persistent=False)
        # noise phase: a fixed table over (bin, frame), turned per clip by a fixed projection of
        # the latent features; buffers from an integer hash, not saved (rebuilt identically)
        table = 2 * math.pi * _splitmix(bins * self.frames, seed=1).reshape(bins, self.frames)
        proj = (_splitmix(in_dim * bins, seed=2).reshape(in_dim, bins) - 0.5) * (2 * math.pi * math.sqrt(3 / in_dim))
        self.register_buffer("noise_phase", torch.tensor(table, dtype=torch.float32), persistent=False)
        self.register_buffer("noise_turn", torch.tensor(proj, dtype=torch.float32), persistent=False)

    def spectrum(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """features [B, in_dim] -> (log-magnitude, predicted phase, tonality in (0, 1)), each
        [B, bins, frames]."""
        x = F.relu(self.fc(h)).view(h.shape[0], self.first, self.start)
        for up in self.ups:
            # linear interpolation + convolution: no transposed-kernel overlap to stripe with
            x = F.relu(up(F.interpolate(x, scale_factor=2.0, mode="linear", align_corners=False)))
        x = self.norm(self.blocks(x[..., : self.frames]))
        log_mag, phase, tonal = self.out(x).float().chunk(3, dim=1)
        decay = DECAY_SCALE * F.softplus(self.decay(h)).float().unsqueeze(2)     # [B, bins, 1]
        log_mag = LOG_MAG_START + LOG_MAG_GAIN * log_mag - decay * self.seconds
        # a soft ceiling: a hard clamp would stop the gradient of a bin stuck above it
        log_mag = LOG_MAG_MAX - F.softplus(LOG_MAG_MAX - log_mag)
        return log_mag, phase, torch.sigmoid(tonal)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        log_mag, phase, tonal = self.spectrum(h)
        with torch.autocast(h.device.type, enabled=False):   # the phases and the inverse FFT stay in float32
            turn = (h.detach().float() @ self.noise_turn).unsqueeze(2)           # [B, bins, 1]
            noise = self.noise_phase + turn
            excitation = (tonal * torch.cos(phase) + (1 - tonal) * torch.cos(noise),
                          tonal * torch.sin(phase) + (1 - tonal) * torch.sin(noise))
            mag = torch.exp(log_mag)
            spec = torch.complex(mag * excitation[0], mag * excitation[1])
            audio = torch.istft(spec, self.n_fft, self.hop, window=self.window, center=True,
                                length=self.clip_length)
        return torch.tanh(audio).unsqueeze(1)
