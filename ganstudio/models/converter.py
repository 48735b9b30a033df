"""Folder-to-folder conversion on log-mel frames, in the CycleGAN-VC2 / MaskCycleGAN-VC family.

A converter turns the log-mel frames of a recording in the source folder's sound into frames in
the target folder's sound (``ab``; ``ba`` goes back, as cycle-consistency training needs); a
vocoder (:mod:`.vocoder`) makes the waveform. Both work on the frames of :class:`MelFrames`.

The generator is CycleGAN-VC2's 2-1-2D network, narrowed for a CPU: 2-D convolutions over
(mel band, frame) with gated linear units, two stride-2 downsamplings, 1-D residual blocks over
frames, two pixel-shuffle upsamplings back to 2-D. Its input carries a second channel, the
frame mask of MaskCycleGAN-VC (training hides random stretches of frames and the network
fills them in; at conversion the mask is all ones). CycleGAN-VC2 normalises with instance
norm, whose statistics span the whole clip: a long file converted in chunks would then differ
from chunk to chunk. Every norm here is per frame (:class:`FrameNorm`), so the network sees
only a fixed number of frames either side (:func:`receptive_frames`) and a file converted in
chunks with that much context equals the file converted whole.

Shapes: audio float [B, samples] at ``cfg.sample_rate``; frames [B, n_mels, frames] of natural-log
mel power (one frame per ``hop`` samples, centred); normalised frames as the converter sees them
[B, 1, n_mels, frames] with ``frames`` a multiple of :data:`TIME_STRIDE`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .. import validate
from ..dsp.mel import mel_filterbank
from .buffers import hann
from .causal import CausalConv1d

LOG_FLOOR = -11.5           # log(1e-5): the log-mel of silence
TIME_STRIDE = 4             # the generator halves the frame rate twice
RATES = (16000, 22050, 24000)


@dataclass(frozen=True)
class ConverterConfig:
    """The converter's and vocoder's settings; checked by :meth:`validate` before anything is built."""

    sample_rate: int = 16000
    n_fft: int = 1024
    hop: int = 256
    n_mels: int = 80
    channels: int = 16          # first 2-D layer; the downsamplings double it twice (CycleGAN-VC2: 128)
    width: int = 192            # the 1-D residual part
    blocks: int = 6
    vocoder_width: int = 192
    vocoder_blocks: int = 6
    # the generator adds a correction to its (masked) input, starting as the identity (converted
    # frames begin as the source's with the target's per-band mean and spread). Measured on two
    # voices at 299 steps it converted worse (MCD 0.67 of the source's against 0.62): off
    residual: bool = False
    # live conversion (:mod:`.live`): a causal 1-D generator and a causal vocoder that only look
    # back, with n_fft 512 / hop 128 so the analysis window adds 32 ms, not 64
    causal: bool = False
    # the vocoder's phase is relative to each bin's own advance over a hop (models/vocoder.py);
    # files written before it existed read False
    phase_advance: bool = True

    def validate(self) -> "ConverterConfig":
        validate.choice(self.sample_rate, "sample_rate", RATES)
        validate.choice(self.n_fft, "n_fft", (512, 1024, 2048))
        validate.choice(self.hop, "hop", (self.n_fft // 4,))
        validate.choice(self.n_mels, "n_mels", (40, 64, 80, 96, 128))
        validate.integer(self.channels, "channels", 4, 256)
        validate.integer(self.width, "width", 8, 1024)
        validate.integer(self.blocks, "blocks", 1, 16)
        validate.integer(self.vocoder_width, "vocoder_width", 8, 1024)
        validate.integer(self.vocoder_blocks, "vocoder_blocks", 1, 16)
        validate.boolean(self.residual, "residual")
        validate.boolean(self.causal, "causal")
        validate.boolean(self.phase_advance, "phase_advance")
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> "ConverterConfig":
        return validate.settings_from_dict(cls, d, "converter")


class MelFrames(nn.Module):
    """audio [B, samples] -> natural-log mel power [B, n_mels, samples // hop + 1] (Hann window,
    centred frames, zero padding, floor 1e-5), the frames the converter and vocoder share."""

    def __init__(self, cfg: ConverterConfig):
        super().__init__()
        self.n_fft, self.hop = cfg.n_fft, cfg.hop
        fb = mel_filterbank(cfg.sample_rate, cfg.n_fft, cfg.n_mels, 0.0, cfg.sample_rate / 2)
        self.register_buffer("fb", torch.from_numpy(np.ascontiguousarray(fb)), persistent=False)
        self.register_buffer("window", hann(cfg.n_fft), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(x, self.n_fft, self.hop, window=self.window, center=True, pad_mode="constant",
                          return_complex=True)
        power = spec.real ** 2 + spec.imag ** 2
        return torch.log(torch.clamp(self.fb @ power, min=1e-5))


class FrameNorm(nn.Module):
    """Layer norm over channels (and mel bands) of each frame on its own: [B, C, (M,) T]."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.GroupNorm(1, channels)       # for the affine weights only
        self.channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # one fused layer norm over everything but the frame axis (moved last to first): a
        # live converter runs this a dozen times per 5 ms frame, where each extra op counts
        t = x.movedim(-1, 1)
        x = F.layer_norm(t, t.shape[2:], eps=1e-5).movedim(1, -1)
        shape = (1, self.channels) + (1,) * (x.dim() - 2)
        return x * self.norm.weight.view(shape) + self.norm.bias.view(shape)


class _Glu2d(nn.Module):
    """2-D conv -> per-frame norm -> gated linear unit (CycleGAN-VC's building block)."""

    def __init__(self, cin: int, cout: int, kernel, stride=1, norm: bool = True):
        super().__init__()
        pad = tuple(k // 2 for k in kernel)
        self.conv = nn.Conv2d(cin, 2 * cout, kernel, stride, pad)
        self.norm = FrameNorm(2 * cout) if norm else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.glu(self.norm(self.conv(x)), dim=1)


class _Res1d(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.conv1 = nn.Conv1d(width, 2 * width, 3, padding=1)
        self.norm1 = FrameNorm(2 * width)
        self.conv2 = nn.Conv1d(width, width, 3, padding=1)
        self.norm2 = FrameNorm(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.norm2(self.conv2(F.glu(self.norm1(self.conv1(x)), dim=1)))


class _Up2d(nn.Module):
    """conv (3x3: CycleGAN-VC2's 5x5 costs 3x more for a CPU) -> pixel shuffle x2 -> per-frame norm -> GLU."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, 2 * cout * 4, 3, padding=1)
        self.norm = FrameNorm(2 * cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.glu(self.norm(F.pixel_shuffle(self.conv(x), 2)), dim=1)


class MelGenerator(nn.Module):
    """2-1-2D generator: normalised frames [B, 1, M, T] and mask [B, 1, M, T] -> frames [B, 1, M, T]
    (T a multiple of :data:`TIME_STRIDE`; M a multiple of 4)."""

    def __init__(self, cfg: ConverterConfig):
        super().__init__()
        c, w, m = cfg.channels, cfg.width, cfg.n_mels
        self.inp = _Glu2d(2, c, (5, 15), norm=False)
        self.down = nn.Sequential(_Glu2d(c, 2 * c, (5, 5), 2), _Glu2d(2 * c, 4 * c, (5, 5), 2))
        self.folded = 4 * c * (m // 4)
        self.to1d = nn.Conv1d(self.folded, w, 1)
        self.norm1d = FrameNorm(w)
        self.res = nn.Sequential(*(_Res1d(w) for _ in range(cfg.blocks)))
        self.to2d = nn.Conv1d(w, self.folded, 1)
        self.norm2d = FrameNorm(self.folded)
        self.up = nn.Sequential(_Up2d(4 * c, 2 * c), _Up2d(2 * c, c))
        self.out = nn.Conv2d(c, 1, (5, 15), padding=(2, 7))
        self.chans = 4 * c
        self.residual = cfg.residual
        if self.residual:
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.down(self.inp(torch.cat([x * mask, mask], dim=1)))
        b, _, m4, t4 = h.shape
        h = self.norm1d(self.to1d(h.reshape(b, self.folded, t4)))
        h = self.norm2d(self.to2d(self.res(h))).reshape(b, self.chans, m4, t4)
        y = self.out(self.up(h))
        return x * mask + y if self.residual else y


class _CausalRes(nn.Module):
    def __init__(self, width: int, dilation: int):
        super().__init__()
        self.conv1 = CausalConv1d(width, 2 * width, 3, dilation)
        self.norm1 = FrameNorm(2 * width)
        self.conv2 = CausalConv1d(width, width, 3, dilation)
        self.norm2 = FrameNorm(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.norm2(self.conv2(F.glu(self.norm1(self.conv1(x)), dim=1)))


CAUSAL_DILATIONS = (1, 2, 4)


class CausalMelGenerator(nn.Module):
    """CycleGAN-VC's 1-D gated CNN made causal, for live conversion: normalised frames and mask
    [B, 1, M, T] -> frames [B, 1, M, T], where output frame t depends only on input frames up to t
    (:func:`~.causal.causal_reach` back). No downsampling over time: a stride would hold a frame
    back until its group is complete. Dilated residual blocks reach half a second back at hop 128."""

    def __init__(self, cfg: ConverterConfig):
        super().__init__()
        m, w = cfg.n_mels, cfg.width
        self.inp = CausalConv1d(2 * m, 2 * w, 5)
        self.res = nn.Sequential(*(_CausalRes(w, CAUSAL_DILATIONS[i % len(CAUSAL_DILATIONS)])
                                   for i in range(cfg.blocks)))
        self.out = CausalConv1d(w, m, 5)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, _, m, t = x.shape
        h = F.glu(self.inp(torch.cat([x * mask, mask], dim=1).reshape(b, 2 * m, t)), dim=1)
        return self.out(self.res(h)).reshape(b, 1, m, t)


class MelCritic(nn.Module):
    """PatchGAN over (mel band, frame), CycleGAN-VC2's 2-D discriminator narrowed: [B, 1, M, T] ->
    a grid of least-squares scores [B, patches]."""

    def __init__(self, cfg: ConverterConfig):
        super().__init__()
        c = cfg.channels
        self.net = nn.Sequential(
            _Glu2d(1, c, (3, 3), norm=False),
            _Glu2d(c, 2 * c, (3, 3), 2), _Glu2d(2 * c, 4 * c, (3, 3), 2), _Glu2d(4 * c, 8 * c, (3, 3), 2),
            _Glu2d(8 * c, 8 * c, (1, 5)),
            nn.Conv2d(8 * c, 1, (1, 3), padding=(0, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten(1)


class Converter(nn.Module):
    """Both directions (``ba`` is what cycle-consistency needs), the target's vocoder, and each
    folder's per-band frame statistics (buffers, saved with the weights)."""

    def __init__(self, cfg: ConverterConfig):
        super().__init__()
        from .vocoder import Vocoder
        self.cfg = cfg
        gen = CausalMelGenerator if cfg.causal else MelGenerator
        self.ab, self.ba = gen(cfg), gen(cfg)
        self.vocoder = Vocoder(cfg)
        for name in ("mean_a", "mean_b"):
            self.register_buffer(name, torch.full((cfg.n_mels,), LOG_FLOOR / 2))
        for name in ("std_a", "std_b"):
            self.register_buffer(name, torch.ones(cfg.n_mels))

    def stats(self, domain: str) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, std) [n_mels, 1] of ``domain`` ('a' source, 'b' target); std kept above 0.05."""
        mean, std = getattr(self, f"mean_{domain}"), getattr(self, f"std_{domain}")
        return mean[:, None], std.clamp_min(0.05)[:, None]

    def normalise(self, frames: torch.Tensor, domain: str) -> torch.Tensor:
        mean, std = self.stats(domain)
        return ((frames - mean) / std).unsqueeze(1)

    def denormalise(self, x: torch.Tensor, domain: str) -> torch.Tensor:
        mean, std = self.stats(domain)
        return x.squeeze(1) * std + mean

    def forward(self, a: torch.Tensor, mask_a: torch.Tensor, b: torch.Tensor, mask_b: torch.Tensor,
                mel: torch.Tensor) -> dict[str, torch.Tensor]:
        """One training pass, all in one call (so DDP sees one forward): normalised frames of both
        folders [B, 1, M, T] with their masks, and target mel frames [B', M, K] for the vocoder."""
        fake_b, fake_a = self.ab(a, mask_a), self.ba(b, mask_b)
        ones_a, ones_b = torch.ones_like(a), torch.ones_like(b)
        return {"fake_b": fake_b, "fake_a": fake_a,
                "cycle_a": self.ba(fake_b, ones_a), "cycle_b": self.ab(fake_a, ones_b),
                "same_b": self.ab(b, ones_b), "same_a": self.ba(a, ones_a), "voiced": self.vocoder(mel)}


class ConvertCritics(nn.Module):
    """A PatchGAN per folder and the vocoder's discriminators (``voc``, any module mapping audio
    [B, T] to [(logits, feats), ...]); one call scores everything a training step needs."""

    def __init__(self, cfg: ConverterConfig, voc: nn.Module):
        super().__init__()
        self.a, self.b, self.voc = MelCritic(cfg), MelCritic(cfg), voc

    def forward(self, a: torch.Tensor, fake_a: torch.Tensor, b: torch.Tensor, fake_b: torch.Tensor,
                audio: torch.Tensor | None = None, voiced: torch.Tensor | None = None):
        out = {"a": self.a(a), "fake_a": self.a(fake_a), "b": self.b(b), "fake_b": self.b(fake_b)}
        if audio is not None:
            out["audio"], out["voiced"] = self.voc(audio), self.voc(voiced)
        return out


def receptive_frames(cfg: ConverterConfig) -> int:
    """Frames either side of a frame that can change the generator's output there (an upper bound,
    worked out from the layers: checked against the network in ``tests/test_converter.py``); for
    a causal generator, frames back (none ahead)."""
    if cfg.causal:
        return 4 + 2 * sum(2 * CAUSAL_DILATIONS[i % len(CAUSAL_DILATIONS)] for i in range(cfg.blocks)) + 4
    s = TIME_STRIDE
    reach = 7 + 2 + 2 * 2               # input conv (k15), then the two stride-2 downsamplings (k5)
    reach += s * 2 * cfg.blocks         # two k3 convs per residual block, at a quarter of the rate
    reach += s * 1 + 2 * 1 + 7          # the two upsampling convs (k3) and the output conv (k15)
    reach += s                          # where a frame falls within a stride
    return reach


def pad_frames(x: torch.Tensor, value: float = 0.0) -> tuple[torch.Tensor, int]:
    """Pad the frame axis (last) of ``x`` to a multiple of :data:`TIME_STRIDE`; returns (padded, frames)."""
    t = x.shape[-1]
    extra = (-t) % TIME_STRIDE
    return (F.pad(x, (0, extra), value=value) if extra else x), t
