"""The bandwidth extender: a band-limited clip at the output rate in, the full-band clip out.

It works on the STFT, as AP-BWE and Vocos do: a small ConvNeXt stack over frames reads the
log-magnitude of the band the input has and predicts, for every bin and frame, a log-magnitude
and how tonal it is. The phase is not predicted (a first version did, as Vocos does, and its
phases cancelled across overlapping frames: high bands 10-30 dB too quiet): it comes from two
excitations whose STFT phases are consistent from frame to frame, the input's own top band copied
upwards (shifted by a multiple of 4 bins, so each copy keeps the right phase advance at hop
n_fft/4, as spectral band replication does) for tonal sound and noise for the rest, mixed by the
predicted tonality. An inverse STFT turns that into a high band, which is joined to the input by
a raised-cosine crossfade on one FFT of the whole clip. Below ``JOIN_LOW * cutoff`` the output's spectrum is the
input's, so the extender adds air but never changes the body of a generated sound.

Shapes: ``x`` float [batch, samples] at ``cfg.sample_rate`` Hz; ``cutoff`` [batch] in Hz, the
edge of the band the input carries (:func:`band_edge` of the rate it was made at).
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

import torch
from torch import nn

from .. import validate
from .buffers import hann, rfft_freqs

OUTPUT_RATES = (44100, 48000)
SOXR_EDGE = 0.95        # soxr VHQ is -3 dB at 0.95 of Nyquist (measured: flat to 0.925, -31 dB at 0.975)
JOIN_LOW = 0.92         # the crossfade to the predicted band starts here (fraction of the cutoff)
LOG_FLOOR = -11.5       # log(1e-5): the log-magnitude of an empty bin
MAX_LOG_MAG = 9.0       # a bin of a unit-RMS clip never needs more (white noise at n_fft 2048: 3.8)
NOISE_SEED = 20261126   # the noise excitation is the same at every call outside training: exact remakes
MIN_CUTOFF, MAX_CUTOFF = 2000.0, 16000.0
FEATURES = ("relative", "absolute")
_NOISE_LOCK = threading.Lock()


def band_edge(rate: float) -> float:
    """The highest frequency (Hz) a clip made at ``rate`` Hz carries after soxr resampling."""
    return SOXR_EDGE * rate / 2.0


@dataclass(frozen=True)
class ExtenderConfig:
    """The extender's settings; every field is checked by :meth:`validate` before a net is built."""

    sample_rate: int = 48000
    n_fft: int = 512
    hop: int = 128
    channels: int = 128
    blocks: int = 4
    kernel: int = 7
    # what the net reads: "relative", each frame's log-magnitudes over the mean of its top octave
    # (the level the prior starts from), so one frame's spectral shape is what it learns from;
    # "absolute", the unit-RMS clip's log-magnitudes, as extenders made before it (docs/hifi.md,
    # "what the net reads") - a model file without this key is one of those
    features: str = "relative"

    def validate(self) -> "ExtenderConfig":
        validate.choice(self.sample_rate, "sample_rate", OUTPUT_RATES)
        validate.choice(self.n_fft, "n_fft", (256, 512, 1024, 2048))
        validate.integer(self.hop, "hop", 32, self.n_fft // 2)
        validate.integer(self.channels, "channels", 8, 512)
        validate.integer(self.blocks, "blocks", 1, 16)
        validate.integer(self.kernel, "kernel", 1, 31)
        validate.choice(self.features, "features", FEATURES)
        if self.kernel % 2 == 0:
            raise ValueError(f"kernel must be odd, got {self.kernel}")
        return self

    def to_dict(self) -> dict:
        """The settings as JSON. An "absolute" extender is written without the "features" key, as
        files were before the key existed, so an older run's checkpoint still matches its settings
        on resume."""
        d = asdict(self)
        if d["features"] == "absolute":
            del d["features"]
        return d

    @classmethod
    def from_dict(cls, d) -> "ExtenderConfig":
        if isinstance(d, dict) and "features" not in d:
            d = {**d, "features": "absolute"}
        return validate.settings_from_dict(cls, d, "extender")


class _Block(nn.Module):
    """ConvNeXt block over frames (as in Vocos): depthwise conv, channel LayerNorm, MLP, residual."""

    def __init__(self, channels: int, kernel: int):
        super().__init__()
        self.dw = nn.Conv1d(channels, channels, kernel, padding=kernel // 2, groups=channels)
        self.norm = nn.LayerNorm(channels)
        self.up = nn.Linear(channels, 3 * channels)
        self.down = nn.Linear(3 * channels, channels)
        self.scale = nn.Parameter(torch.full((channels,), 0.1))

    def forward(self, h: torch.Tensor) -> torch.Tensor:       # [B, C, frames]
        y = self.dw(h).transpose(1, 2)
        y = self.down(torch.nn.functional.gelu(self.up(self.norm(y))))
        return h + (self.scale * y).transpose(1, 2)


def join_mask(n_fft: int, rate: float, cutoff: torch.Tensor) -> torch.Tensor:
    """Weight of the predicted band per rfft bin of an ``n_fft``-point FFT: 0 below
    ``JOIN_LOW * cutoff``, a raised cosine up to ``cutoff``, 1 above; [batch, n_fft // 2 + 1]."""
    freqs = torch.fft.rfftfreq(n_fft, 1.0 / rate, device=cutoff.device)
    lo = JOIN_LOW * cutoff[:, None]
    ramp = ((freqs[None] - lo) / (cutoff[:, None] - lo)).clamp(0.0, 1.0)
    return 0.5 - 0.5 * torch.cos(torch.pi * ramp)


JOIN_PAD = 1024         # zeros each side of the clip for the join's FFT, so its kernel never wraps
EDGE_FADE_S = 0.005     # the high band fades in and out over this at the clip's ends


def join_bands(x: torch.Tensor, high: torch.Tensor, rate: float, cutoff: torch.Tensor) -> torch.Tensor:
    """The input's band below the cutoff and ``high`` above it, crossfaded on one zero-padded FFT
    of the whole clip; [B, T]. ``high`` fades in and out over 5 ms at the clip's ends, so the
    join's kernel (about 2 ms long) spills next to nothing outside the clip, and the output's
    spectrum below ``JOIN_LOW * cutoff`` is the input's (measured: error energy below -100 dB)."""
    n = x.shape[-1]
    fade = min(n // 2, int(EDGE_FADE_S * rate))
    if fade > 1:
        ramp = 0.5 - 0.5 * torch.cos(torch.linspace(0, torch.pi, fade, device=x.device, dtype=x.dtype))
        env = torch.ones(n, device=x.device, dtype=x.dtype)
        env[:fade], env[n - fade:] = ramp, ramp.flip(0)
        high = high * env
    size = n + 2 * JOIN_PAD
    m = join_mask(size, rate, cutoff)
    pad = torch.nn.functional.pad
    spec = torch.fft.rfft(pad(x, (JOIN_PAD, JOIN_PAD))) * (1 - m) + torch.fft.rfft(pad(high, (JOIN_PAD, JOIN_PAD))) * m
    return torch.fft.irfft(spec, size)[..., JOIN_PAD:JOIN_PAD + n]


class Extender(nn.Module):
    """About 1 M parameters at the default settings; see the module docstring for shapes."""

    def __init__(self, cfg: ExtenderConfig):
        super().__init__()
        self.cfg = cfg
        bins = cfg.n_fft // 2 + 1
        self.inp = nn.Conv1d(2 * bins, cfg.channels, cfg.kernel, padding=cfg.kernel // 2)
        self.blocks = nn.ModuleList(_Block(cfg.channels, cfg.kernel) for _ in range(cfg.blocks))
        self.norm = nn.LayerNorm(cfg.channels)
        self.out = nn.Conv1d(cfg.channels, 2 * bins, 1)
        self.register_buffer("window", hann(cfg.n_fft), persistent=False)
        self.register_buffer("freqs", rfft_freqs(cfg.n_fft, cfg.sample_rate), persistent=False)

    def forward(self, x: torch.Tensor, cutoff: torch.Tensor, fast: bool = False) -> torch.Tensor:
        """``fast``: the input layer reads only the bins the input has (:meth:`_read_fast`), the
        same sum in another order (about 1e-6 apart); renders that must remake a stem sample for
        sample (exports, sidecars) leave it off."""
        cfg = self.cfg
        n = x.shape[-1]
        # the extender hears shapes, not levels: work at unit RMS and give the level back at the end
        level = x.pow(2).mean(-1, keepdim=True).sqrt().clamp_min(1e-4)
        xn = x / level
        spec = torch.stft(xn, cfg.n_fft, cfg.hop, window=self.window, center=True, return_complex=True)
        logmag = spec.abs().clamp_min(1e-5).log()                          # [B, bins, frames]
        have = (self.freqs[None] < JOIN_LOW * cutoff[:, None]).to(x.dtype)  # [B, bins]
        top = have * (self.freqs[None] >= 0.5 * cutoff[:, None])            # the input's top octave
        ref = (logmag * top[..., None]).sum(1, keepdim=True) / top.sum(1).clamp_min(1)[:, None, None]
        features = self._features(spec, logmag, have, ref)
        h = self._read_fast(features, have) if fast and not self.training else self.inp(features)
        for block in self.blocks:
            h = block(h)
        h = self.out(self.norm(h.transpose(1, 2)).transpose(1, 2))
        amp, tonal = h.chunk(2, dim=1)
        # the prior the net corrects: the input's top octave (ref), its level and its slope continued
        # upwards (without the slope, high bands came out 10-20 dB too quiet on hats and cymbals)
        mag = (ref + self._slope(logmag, top, cutoff) + amp).clamp(max=MAX_LOG_MAG).exp()
        excitation = self._excitation(spec, cutoff, n)
        mix = torch.sigmoid(tonal)
        unit = excitation[0] * mix + excitation[1] * (1 - mix)
        high = torch.istft(mag * unit, cfg.n_fft, cfg.hop, window=self.window, center=True, length=n)
        return join_bands(x, high * level, cfg.sample_rate, cutoff)


    def _features(self, spec, logmag, have, ref) -> torch.Tensor:
        """What the net reads, [B, 2 * bins, frames]: per bin and frame the log-magnitude (relative
        to the frame's top octave ``ref`` [B, 1, frames], or absolute, see :class:`ExtenderConfig`),
        then whether the input has that bin (``have`` [B, bins]). ``spec`` is the unit-RMS input's
        STFT, ``logmag`` its log-magnitude [B, bins, frames]."""
        if self.cfg.features == "relative":
            feat = (logmag - ref) * have[..., None]
        else:
            feat = logmag * have[..., None] + LOG_FLOOR * (1 - have[..., None])
        return torch.cat([feat, have[..., None].expand_as(logmag)], dim=1)

    def _slope(self, logmag, top, cutoff):
        """Per frame, the top octave's log-magnitude slope over log2-frequency, extended upwards:
        [B, bins, frames] offsets, 0 below the top octave's centre."""
        octave = torch.log2(self.freqs.clamp_min(1.0)[None] / (0.75 * cutoff[:, None]))     # [B, bins]
        w = top / top.sum(1, keepdim=True).clamp_min(1)
        mo = (w * octave).sum(1, keepdim=True)                                              # [B, 1]
        dev = (octave - mo) * top
        mean = (logmag * w[..., None]).sum(1, keepdim=True)
        slope = ((logmag - mean) * dev[..., None]).sum(1, keepdim=True) / dev.pow(2).sum(1).clamp_min(1e-6)[:, None, None]
        slope = slope.clamp(-4.0, 2.0)
        return slope * (octave - mo).clamp_min(0.0)[..., None]

    def _read_fast(self, features: torch.Tensor, have: torch.Tensor) -> torch.Tensor:
        """``self.inp(features)`` for a batch whose clips all have the same band: past the first
        ``k`` bins every input channel is the same in every frame, so those channels' share of the
        convolution is one vector per kernel tap, and only the ``k`` varying channels are convolved
        (at 16 kHz into 48 kHz, 69 of 514 channels: the layer runs about 5x faster)."""
        k = int(have[0].sum())
        if k == 0 or not bool((have == have[:1]).all()):
            return self.inp(features)
        w, b = self.inp.weight, self.inp.bias                       # [C, 2 * bins, kernel], [C]
        # channels k.. : the bins the input lacks, then the 257 "has this bin" flags
        taps = torch.einsum("j,cjk->ck", features[0, k:, 0], w[:, k:])                 # [C, kernel]
        pad = self.inp.padding[0]
        ones = torch.ones(1, 1, features.shape[2], device=features.device, dtype=features.dtype)
        const = torch.nn.functional.conv1d(ones, taps[:, None, :], b, padding=pad)     # [1, C, frames]
        return torch.nn.functional.conv1d(features[:, :k], w[:, :k], None, padding=pad) + const

    def _excitation(self, spec: torch.Tensor, cutoff: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Unit-magnitude STFTs [B, bins, frames]: the input's band copied upwards and noise."""
        cfg = self.cfg
        bins = spec.shape[1]
        k = torch.arange(bins, device=spec.device)
        kc = torch.searchsorted(self.freqs, JOIN_LOW * cutoff).clamp(min=8)          # [B]
        shift = ((kc // 2) // 4 * 4).clamp(min=4)[:, None]
        first = (kc[:, None] - shift)
        src = torch.where(k[None] < kc[:, None], k[None], first + (k[None] - kc[:, None]) % shift)
        copied = torch.gather(spec, 1, src[..., None].expand(-1, -1, spec.shape[2]))
        copied = copied / copied.abs().clamp_min(1e-8)
        if self.training:
            noise = torch.randn(spec.shape[0], n, device=spec.device, dtype=self.window.dtype)
            noise = torch.stft(noise, cfg.n_fft, cfg.hop, window=self.window, center=True, return_complex=True)
            return copied, noise / noise.abs().clamp_min(1e-8)
        return copied, self._fixed_noise(n).expand(spec.shape[0], -1, -1)

    def _fixed_noise(self, n: int) -> torch.Tensor:
        """The noise excitation outside training, [1, bins, frames]: the same noise for every clip,
        alone or in a batch (a pad and its export match), so it is made once per length and kept
        (for the last few lengths: pads and exports may take turns)."""
        # FFT kernels may round with the thread count and oneDNN as exact renders set them
        key = (n, self.window.device, self.window.dtype, torch.is_inference_mode_enabled(),
               torch.get_num_threads(), torch.backends.mkldnn.enabled)
        with _NOISE_LOCK:          # pads and an export may render with one net at once
            kept = self.__dict__.setdefault("_noise", {})
            z = kept.get(key)
            if z is None:
                gen = torch.Generator(device=self.window.device).manual_seed(NOISE_SEED)
                noise = torch.randn(1, n, generator=gen, device=self.window.device, dtype=self.window.dtype)
                z = torch.stft(noise, self.cfg.n_fft, self.cfg.hop, window=self.window, center=True,
                               return_complex=True)
                z = z / z.abs().clamp_min(1e-8)
                while len(kept) >= 4:
                    kept.pop(next(iter(kept)))
                kept[key] = z
            return z
