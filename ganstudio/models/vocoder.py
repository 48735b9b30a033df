"""The converter's vocoder: log-mel frames in, the waveform out, at frame rate as Vocos does.

ConvNeXt blocks over frames predict, for every STFT bin of every frame, a log-magnitude and a
phase; an inverse FFT of each frame and an overlap-add make the waveform (the frames of
:class:`~.converter.MelFrames`: Hann window, hop a quarter of the FFT, centred). It trains with
HiFi-GAN's losses against the multi-period and multi-resolution STFT discriminators the bandwidth
extender uses (:mod:`.discriminators`), on the target folder's recordings.

Every norm is per frame and the overlap-add is written out (instead of ``torch.istft``, whose
edge handling depends on where a call starts), so a long file vocoded in chunks with
:data:`CONTEXT_FRAMES` of context equals the file vocoded whole.

Shapes: frames [B, n_mels, K] -> audio [B, K * hop] at ``cfg.sample_rate`` (sample ``k * hop`` is
the centre of frame ``k``).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .buffers import hann
from .causal import CausalConv1d, Pointwise
from .converter import ConverterConfig, FrameNorm

MAX_LOG_MAG = 6.0           # e^6 ~ 400: above a full-scale sine's bin at n_fft 1024 (256)
KERNEL = 7


def _conv(cin: int, cout: int, causal: bool, groups: int = 1) -> nn.Module:
    """A kernel-7 convolution over frames: centred, or causal (looking back only) for live use."""
    if causal:
        return CausalConv1d(cin, cout, KERNEL, groups=groups)
    return nn.Conv1d(cin, cout, KERNEL, padding=KERNEL // 2, groups=groups)


class _Block(nn.Module):
    """ConvNeXt block over frames with a per-frame norm: [B, C, K] -> same."""

    def __init__(self, dim: int, causal: bool = False):
        super().__init__()
        self.dw = _conv(dim, dim, causal, groups=dim)
        self.norm = FrameNorm(dim)
        self.pw1 = Pointwise(dim, 3 * dim)
        self.pw2 = Pointwise(3 * dim, dim)
        nn.init.zeros_(self.pw2.weight)
        nn.init.zeros_(self.pw2.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pw2(F.gelu(self.pw1(self.norm(self.dw(x)))))


def context_frames(cfg: ConverterConfig) -> int:
    """Frames either side that can reach a frame's output samples: the convolutions' reach plus
    the frames whose windows overlap it (causal: the same number back, and the overlap ahead)."""
    return (KERNEL // 2) * (cfg.vocoder_blocks + 1) + cfg.n_fft // cfg.hop


class Vocoder(nn.Module):
    def __init__(self, cfg: ConverterConfig):
        super().__init__()
        self.n_fft, self.hop = cfg.n_fft, cfg.hop
        self.phase_advance = cfg.phase_advance
        bins = cfg.n_fft // 2 + 1
        w = cfg.vocoder_width
        self.inp = _conv(cfg.n_mels, w, cfg.causal)
        self.norm = FrameNorm(w)
        self.blocks = nn.Sequential(*(_Block(w, cfg.causal) for _ in range(cfg.vocoder_blocks)))
        self.out_norm = FrameNorm(w)
        self.head = Pointwise(w, 2 * bins)
        self.register_buffer("window", hann(cfg.n_fft), persistent=False)

    def forward(self, frames: torch.Tensor, start: int = 0) -> torch.Tensor:
        return self.overlap_add(self.time_frames(frames, start))

    def time_frames(self, frames: torch.Tensor, start: int = 0) -> torch.Tensor:
        """[B, n_mels, K] -> [B, n_fft, K]: each frame's samples before the window and overlap-add;
        ``start``: the index of the first frame in the whole signal (see :meth:`advance`)."""
        h = self.out_norm(self.blocks(self.norm(self.inp(frames))))
        log_mag, phase = self.head(h).chunk(2, dim=1)
        if self.phase_advance:
            phase = phase + self.advance(start, frames.shape[-1])
        mag = torch.exp(log_mag.clamp(max=MAX_LOG_MAG))
        spec = torch.complex(mag * torch.cos(phase), mag * torch.sin(phase))       # [B, bins, K]
        return torch.fft.irfft(spec, n=self.n_fft, dim=1)

    def advance(self, start: int, count: int) -> torch.Tensor:
        """[bins, count]: how far each bin's centre frequency turns its phase from frame 0 to
        frames ``start .. start + count - 1``: 2 pi b k hop / n_fft, i.e. (pi / 2)(b k mod 4) at
        hop n_fft / 4, in exact integers, so the frame's place in the file decides it and not the
        chunk. Predicting the phase as an offset from this advance, a network that has not
        learnt phase yet lets each bin ring on at its frequency; predicting it outright, such a
        network gives every frame the same phase, which the overlap-add turns into a buzz at the
        frame rate (62.5 Hz at 16 kHz, hop 256) with its harmonics."""
        k = (torch.arange(count, device=self.window.device) + start) % 4
        b = torch.arange(self.n_fft // 2 + 1, device=self.window.device)
        return (b[:, None] * k[None, :] % 4).to(self.window.dtype) * (torch.pi / 2)

    def overlap_add(self, frames: torch.Tensor) -> torch.Tensor:
        """[B, n_fft, K] time frames -> [B, K * hop]: windowed overlap-add, divided by the summed
        squared window of the frames present (1.5 wherever four frames overlap)."""
        b, n, k = frames.shape
        length = (k - 1) * self.hop + n
        fold = dict(output_size=(1, length), kernel_size=(1, n), stride=(1, self.hop))
        out = F.fold((frames * self.window[:, None]).unsqueeze(2).reshape(b, n, k), **fold)
        env = F.fold((self.window ** 2)[None, :, None].expand(1, n, k), **fold)
        out = out.view(b, length) / env.view(1, length).clamp_min(1e-3)
        return out[:, n // 2:n // 2 + k * self.hop]
