"""Discriminators that hear like people, for the bandwidth extender (and any full-rate model):
multi-period (HiFi-GAN: the waveform folded by a prime period, 2-D convs over it) and
multi-resolution STFT (DAC / EnCodec: 2-D convs over the complex spectrogram at several window
sizes), with their least-squares and feature-matching losses, as in HiFi-GAN.

Both are narrowed for a CPU (HiFi-GAN's MPD reaches 1024 channels; here 128). Input: [B, T]
waveform; output: a list of (logits, [feature maps]) per sub-discriminator.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from .buffers import hann

PERIODS = (2, 3, 5, 7, 11)
FFT_SIZES = (2048, 1024, 512)


def _conv_stack(convs, post, h: torch.Tensor):
    """Leaky-ReLU conv layers, each output kept for feature matching, then the logits layer."""
    feats = []
    for conv in convs:
        h = nn.functional.leaky_relu(conv(h), 0.1)
        feats.append(h)
    return post(h).flatten(1), feats


class PeriodD(nn.Module):
    def __init__(self, period: int, width: int = 16):
        super().__init__()
        self.period = period
        chans = [1, width, 2 * width, 4 * width, 8 * width]
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv2d(a, b, (5, 1), (3, 1), padding=(2, 0))) for a, b in zip(chans, chans[1:]))
        self.post = weight_norm(nn.Conv2d(chans[-1], 1, (3, 1), padding=(1, 0)))

    def forward(self, x: torch.Tensor):
        b, t = x.shape
        if t % self.period:
            x = nn.functional.pad(x, (0, self.period - t % self.period), mode="reflect")
        h = x.view(b, 1, -1, self.period)
        return _conv_stack(self.convs, self.post, h)


class SpecD(nn.Module):
    """One resolution: real and imaginary STFT parts as two image channels (as in DAC)."""

    def __init__(self, n_fft: int, width: int = 16):
        super().__init__()
        self.n_fft = n_fft
        self.register_buffer("window", hann(n_fft), persistent=False)
        self.convs = nn.ModuleList([
            weight_norm(nn.Conv2d(2, width, (3, 9), padding=(1, 4))),
            weight_norm(nn.Conv2d(width, width, (3, 9), (1, 2), padding=(1, 4))),
            weight_norm(nn.Conv2d(width, width, (3, 9), (1, 2), padding=(1, 4))),
            weight_norm(nn.Conv2d(width, width, (3, 3), padding=(1, 1))),
        ])
        self.post = weight_norm(nn.Conv2d(width, 1, (3, 3), padding=(1, 1)))

    def forward(self, x: torch.Tensor):
        spec = torch.stft(x, self.n_fft, self.n_fft // 4, window=self.window, return_complex=True)
        h = torch.view_as_real(spec).permute(0, 3, 2, 1)          # [B, 2, frames, bins]
        return _conv_stack(self.convs, self.post, h)


class Discriminators(nn.Module):
    """Multi-period + multi-resolution STFT, called as one: ``D(x)`` -> [(logits, feats), ...]."""

    def __init__(self, periods=PERIODS, fft_sizes=FFT_SIZES, width: int = 16):
        super().__init__()
        self.subs = nn.ModuleList([*(PeriodD(p, width) for p in periods), *(SpecD(n, width) for n in fft_sizes)])

    def forward(self, x: torch.Tensor):
        return [d(x) for d in self.subs]


def d_loss(real_out, fake_out) -> torch.Tensor:
    """Least-squares discriminator loss (HiFi-GAN), summed over sub-discriminators."""
    return sum(((1 - r) ** 2).mean() + (f ** 2).mean() for (r, _), (f, _) in zip(real_out, fake_out))


def g_adv_loss(fake_out) -> torch.Tensor:
    return sum(((1 - f) ** 2).mean() for f, _ in fake_out)


def feature_matching(real_out, fake_out) -> torch.Tensor:
    """L1 between D's feature maps on real and generated audio, mean per layer, summed."""
    return sum((fr.detach() - ff).abs().mean()
               for (_, frs), (_, ffs) in zip(real_out, fake_out) for fr, ff in zip(frs, ffs))


def multires_logmag(x: torch.Tensor, y: torch.Tensor, fft_sizes=(2048, 1024, 512, 256),
                    convergence: float = 1.0) -> torch.Tensor:
    """The multi-resolution STFT loss of Parallel WaveGAN, mean over resolutions: L1 distance of
    log-magnitudes (natural log, floor 1e-5), which hears quiet bins as well as loud ones, plus
    ``convergence`` times the spectral convergence (||S_y| - |S_x|| / ||S_y||), which keeps the
    energy of the loud ones right."""
    total = x.new_zeros(())
    for n in fft_sizes:
        w = torch.hann_window(n, device=x.device, dtype=x.dtype)
        a = torch.stft(x, n, n // 4, window=w, return_complex=True).abs()
        b = torch.stft(y, n, n // 4, window=w, return_complex=True).abs()
        total = total + (a.clamp_min(1e-5).log() - b.clamp_min(1e-5).log()).abs().mean()
        if convergence:
            total = total + convergence * torch.linalg.vector_norm(b - a) / torch.linalg.vector_norm(b).clamp_min(1e-5)
    return total / len(fft_sizes)
