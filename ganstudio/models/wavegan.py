"""WaveGAN-family generator and discriminator (Donahue et al. 2019), generalised to any clip length.

Audio tensors are ``[B, 1, T]`` float32 in [-1, 1]. The generator starts from 16 frames and
upsamples by 4 (and once by 2 where needed) to the next power of two >= ``clip_length``, then crops.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import validate as v
from ..data.settings import ImportSettings
from .buffers import hann
from .config import ModelConfig
from .stft_body import STFTBody
from .tone import ToneFilter

START_FRAMES = 16


def strides_for(clip_length: int) -> list[int]:
    """Upsampling factors (4s, then at most one 2) whose product * 16 is the next power of two >= length."""
    total = 1
    while START_FRAMES * total < clip_length:
        total *= 2
    n4, rem = divmod(total.bit_length() - 1, 2)
    return [4] * n4 + [2] * rem


def _widths(cfg_d: int, n_layers: int, max_mult: int) -> list[int]:
    """Channel counts along the generator, widest first, ending in 1 (mono)."""
    return [min(max_mult, 2 ** (n_layers - 1 - i)) * cfg_d for i in range(n_layers)] + [1]


class PhaseShuffle(nn.Module):
    """Shift each example by a random integer in [-n, n] with reflection padding ([B, C, T] -> same)."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.n == 0 or not self.training:
            return x
        t = x.shape[-1]
        padded = F.pad(x, (self.n, self.n), mode="reflect")
        shifts = torch.randint(0, 2 * self.n + 1, (x.shape[0],), device=x.device)
        idx = shifts.view(-1, 1, 1) + torch.arange(t, device=x.device).view(1, 1, -1)
        return padded.gather(2, idx.expand(-1, x.shape[1], -1))


def even_phases(w: torch.Tensor, stride: int) -> torch.Tensor:
    """A transposed convolution's kernel [in, out, k] with the taps of each of its ``stride``
    phases (tap index mod ``stride``) moved by one offset per phase, so that every phase sums to
    the same (and the kernel to what it summed before).

    Each output sample of a stride-``s`` transposed convolution is made by one phase of the kernel;
    when the phases' sums differ, a constant input (a ReLU's mean, a bias) comes out as a pattern
    that repeats every ``s`` samples: a buzz at the layer's rate / s and its harmonics, which five
    stride-4 layers leave at 62.5 Hz, 250 Hz, 1 kHz and 4 kHz (the vertical stripes of a young
    WaveGAN's spectrogram; Pons et al. 2021, "Upsampling artifacts in neural audio synthesis").
    Equal sums put a zero of the kernel's response at every image of DC, so a constant input comes
    out constant (Sugawara, Shiota and Kiya 2019, "Checkerboard artifacts free convolutional neural
    networks", reach the same condition with a zero-order-hold factor in the kernel). A linear
    projection that keeps the kernel's shape, so weights trained without it still load.
    """
    onehot = F.one_hot(torch.arange(w.shape[-1], device=w.device) % stride, stride).to(w.dtype)   # [k, s]
    sums = w @ onehot                                                                              # [in, out, s]
    return w + ((sums.mean(dim=-1, keepdim=True) - sums) / onehot.sum(dim=0)) @ onehot.T


class EvenConvTranspose1d(nn.ConvTranspose1d):
    """``nn.ConvTranspose1d`` whose kernel is used through :func:`even_phases` (the same
    parameters, so the same state dict)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv_transpose1d(x, even_phases(self.weight, self.stride[0]), self.bias, self.stride,
                                  self.padding, self.output_padding, self.groups, self.dilation)


IMAGE_TAPS_PER_STRIDE = 16     # the anti-imaging low-pass spans 16 input samples (8 either side)...
IMAGE_BETA = 3.4                # ... with a Kaiser window for about 40 dB in the stop band


def image_filter(stride: int) -> torch.Tensor:
    """The low-pass [16 * stride + 1] (float32, unit gain at DC) that keeps the band a stride-``stride``
    upsampling's input had (cutoff at 1 / (2 * stride) of the output rate) and takes out its images
    (about 40 dB from 1.25 times the cutoff): a Kaiser-windowed sinc.

    An upsampling layer makes copies of its input's spectrum at the multiples of the input rate; a
    ReLU after it mixes the pairs at k * rate +- f back onto the multiples of the input rate, which
    no condition on the learned kernel prevents (:func:`even_phases` only zeroes the images of DC).
    Filtered before the nonlinearity, the layer's output is a band-limited interpolation and the
    nonlinearity makes the only new frequencies (the alias-free layers of StyleGAN3, Karras et al.
    2021). Made with scipy (as :mod:`ganstudio.dsp.stream_resample` makes its filter), so on the
    CPU (:mod:`.buffers`)."""
    from scipy.signal import firwin
    # firwin's cutoff is a fraction of Nyquist: the input's Nyquist is 1 / stride of the output's
    taps = firwin(IMAGE_TAPS_PER_STRIDE * stride + 1, 1.0 / stride, window=("kaiser", IMAGE_BETA))
    return torch.from_numpy(taps.astype(np.float32))


class ImageFilter(nn.Module):
    """[B, C, T] -> same: every channel through :func:`image_filter` (zero-phase, zero padding at
    the ends, as the transposed convolution before it pads)."""

    def __init__(self, stride: int):
        super().__init__()
        self.register_buffer("taps", image_filter(stride).view(1, 1, -1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        return F.conv1d(x, self.taps.expand(c, 1, -1), padding=self.taps.shape[-1] // 2, groups=c)


def _up_block(c_in: int, c_out: int, k: int, s: int, mode: str, even: bool = False) -> nn.Module:
    if mode == "nearest":
        return nn.Sequential(nn.Upsample(scale_factor=s, mode="nearest"),
                             nn.Conv1d(c_in, c_out, k | 1, padding=(k | 1) // 2))
    op = (k - s) % 2
    conv = EvenConvTranspose1d if even else nn.ConvTranspose1d
    return conv(c_in, c_out, k, s, padding=(k - s + op) // 2, output_padding=op)


CLIP_PEAK = ImportSettings.peak     # what the importer scales every clip to, and so ``peak_norm``


def to_peak(x: torch.Tensor) -> torch.Tensor:
    """[B, 1, T] -> same, each clip scaled to peak ``CLIP_PEAK`` (a near-silent clip stays near
    silent: the gain is capped at 60 dB)."""
    return x * (CLIP_PEAK / x.abs().amax(dim=-1, keepdim=True).clamp_min(CLIP_PEAK * 1e-3))


def envelope_gain(logits: torch.Tensor, range_db: float) -> torch.Tensor:
    """Envelope logits -> linear gain between 0 dB and -``range_db`` dB, uniform in dB: moving a
    tail from -40 to -80 dB is as easy for the generator as moving an attack from 0 to -40 dB."""
    return torch.pow(10.0, -range_db / 20.0 * torch.sigmoid(logits))


def style_widths(cfg: ModelConfig) -> list[int]:
    """The channel counts a style modulates: the output of every upsampling stage but the last
    (none for the inverse-STFT body)."""
    if cfg.upsample == "istft":
        return []
    return _widths(cfg.model_dim, len(strides_for(cfg.clip_length)), cfg.max_mult)[1:-1]


def style_size(cfg: ModelConfig) -> int:
    """How many numbers a style of this model holds: a gain and an offset per channel of
    :func:`style_widths` (0: the model takes no style)."""
    return 2 * sum(style_widths(cfg))


def style_parts(style: torch.Tensor, widths: list[int]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """[B, 2 * sum(widths)] -> per stage (gains, offsets), each [B, channels]: the layout of a
    style, the gains then the offsets of each stage in turn."""
    out, at = [], 0
    for c in widths:
        out.append((style[:, at:at + c], style[:, at + c:at + 2 * c]))
        at += 2 * c
    return out


def style_for(generator, style: np.ndarray | None) -> np.ndarray | None:
    """A pad's ``style`` when it fits ``generator``, else None: a training snapshot of another
    shape than the model the style was found for plays without it."""
    return style if style is not None and style.shape == (generator.style_size,) else None


def usable_style(value, size: int) -> np.ndarray | None:
    """``value`` (a list of numbers, or None) as a style of a model of ``size`` numbers when it
    is one (:func:`ganstudio.validate.style`); None otherwise."""
    if value is None or not size:
        return None
    try:
        return v.style(list(value) if isinstance(value, np.ndarray) else value, "style", size)
    except ValueError:
        return None


class Generator(nn.Module):
    """z [B, latent_dim] (+ labels [B] long) (+ style [B, style_size]) -> audio [B, 1, clip_length].

    ``cfg.upsample`` "istft" replaces the waveform upsampling stack with a frame-rate body that
    ends in an inverse STFT (:mod:`.stft_body`); the latent and class inputs are the same.

    A *style* moves the sound beyond what a latent reaches (the sound-alike search finds one,
    :mod:`.invert`): per channel of each upsampling stage but the last, ``x * (1 + gain) +
    offset`` before the nonlinearity, the gains then the offsets of each stage in turn. All zeros
    (or None) is the generator as trained. It is feature-wise modulation (FiLM, Perez et al.
    2018) of the layers whose outputs image-GAN inversion also optimises (Bau et al. 2019).
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        in_dim = cfg.latent_dim * (2 if cfg.num_classes else 1)
        self.embed = nn.Embedding(cfg.num_classes, cfg.latent_dim) if cfg.num_classes else None
        self.body = None
        if cfg.upsample == "istft":
            self.body = STFTBody(in_dim, cfg.sample_rate, cfg.clip_length, width=8 * cfg.model_dim)
            return
        self.strides = strides_for(cfg.clip_length)
        widths = _widths(cfg.model_dim, len(self.strides), cfg.max_mult)
        self.fc = nn.Linear(in_dim, START_FRAMES * widths[0])
        self.ups = nn.ModuleList(_up_block(widths[i], widths[i + 1], cfg.kernel_size, s, cfg.upsample,
                                           cfg.even_phases)
                                 for i, s in enumerate(self.strides))
        # the first ``smooth_ups`` stages are filtered before their nonlinearity (no weights: the
        # state dict is the plain generator's, so the base loads)
        self.smooth = nn.ModuleList(ImageFilter(s) for s in self.strides[:cfg.smooth_ups])
        self.width0 = widths[0]
        # The envelope comes from the layer two upsamplings before the end (1/16 of the output
        # rate for the default length): silence between and after hits is then one sigmoid away
        # instead of many cancelling kernels.
        self.env_at = max(0, len(self.strides) - 3)
        self.envelope = nn.Conv1d(widths[self.env_at + 1], 1, 1) if cfg.envelope else None
        if self.envelope is not None:
            nn.init.constant_(self.envelope.bias, -3.0)  # starts open (about -4 dB)
        self.tone = ToneFilter(in_dim, cfg.sample_rate, cfg.tone_bands, cfg.tone_db) if cfg.tone_bands else None

    @property
    def style_size(self) -> int:
        return style_size(self.cfg)

    def _styles(self, style: torch.Tensor | None, batch: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """[B, style_size] -> per modulated stage (gain, offset), each [B, channels, 1]."""
        if style is None:
            return []
        if style.shape != (batch, self.style_size):
            raise ValueError(f"style must be [{batch}, {self.style_size}], got {list(style.shape)}")
        return [(gain[..., None], offset[..., None]) for gain, offset in style_parts(style, style_widths(self.cfg))]

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None,
                style: torch.Tensor | None = None) -> torch.Tensor:
        styles = self._styles(style, z.shape[0])
        if self.embed is not None:
            if labels is None:
                raise ValueError("this generator is class-conditioned: pass labels")
            z = torch.cat([z, self.embed(labels)], dim=1)
        if self.body is not None:
            x = self.body(z)
            return to_peak(x) if self.cfg.peak_norm else x
        x = F.relu(self.fc(z)).view(z.shape[0], self.width0, START_FRAMES)
        env = None
        for i, up in enumerate(self.ups):
            x = up(x)
            if i < len(self.smooth):
                x = self.smooth[i](x)
            if i < len(styles):
                gain, offset = styles[i]
                x = x * (1 + gain) + offset
            x = torch.tanh(x) if i == len(self.ups) - 1 else F.relu(x)
            if self.envelope is not None and i == self.env_at:
                env = envelope_gain(self.envelope(x), self.cfg.envelope_db)
        if env is not None:
            x = x * F.interpolate(env, size=x.shape[-1], mode="linear", align_corners=False)
        x = x[..., : self.cfg.clip_length]
        if self.tone is not None:
            x = self.tone(z, x)
        return to_peak(x) if self.cfg.peak_norm else x


def largest_divisor(n: int, at_most: int) -> int:
    return max(d for d in range(1, max(1, min(at_most, n)) + 1) if n % d == 0)


def minibatch_std(h: torch.Tensor, group: int) -> torch.Tensor:
    """[B, F] features -> [B, F + 1]: each clip also carries the mean standard deviation of the
    features across its group of ``group`` consecutive clips (Karras et al. 2018).

    A generator that plays one sound for every latent gives a spread the real batches never have,
    so the discriminator can see mode collapse that no single clip shows. The group shrinks to the
    largest size that divides the batch; a group of 1 gives a zero feature.
    """
    b = h.shape[0]
    g = largest_divisor(b, group)
    if g < 2:
        return torch.cat([h, h.new_zeros(b, 1)], dim=1)
    spread = h.view(-1, g, h.shape[1]).float().var(dim=1, unbiased=False).add(1e-8).sqrt().mean(dim=1)
    return torch.cat([h, spread.to(h.dtype).repeat_interleave(g).unsqueeze(1)], dim=1)


class SpectralHead(nn.Module):
    """audio [B, 1, T] -> score [B] from the log-magnitude STFT through strided 2-D convolutions.

    The log scale makes a noise floor in what should be silence as visible as a wrong note,
    which a waveform discriminator barely notices early in training.
    """

    def __init__(self, width: int, n_fft: int, mbstd: bool = False, floor: float = 1e-2):
        super().__init__()
        self.n_fft, self.mbstd, self.floor = n_fft, mbstd, floor
        self.register_buffer("window", hann(n_fft), persistent=False)
        chans = [1, width, 2 * width, 4 * width, 8 * width]
        self.convs = nn.ModuleList(nn.Conv2d(chans[i], chans[i + 1], 3, 2, 1) for i in range(4))
        self.fc = nn.Linear(chans[-1] + (1 if mbstd else 0), 1)

    def forward(self, x: torch.Tensor, group: int = 1) -> torch.Tensor:
        """``group``: the minibatch-std group size, when the head was built with ``mbstd``."""
        with torch.autocast(x.device.type, enabled=False):   # the FFT and log stay in float32
            spec = torch.stft(x.squeeze(1).float(), self.n_fft, self.n_fft // 4, window=self.window,
                              return_complex=True).abs()
        # The default floor, 1e-2, is ~80 dB under a full-scale sine's bin (at n_fft 512): hiss
        # in a tail much quieter than -70 dBFS is below it (ModelConfig.spectral_floor)
        h = torch.log(spec + self.floor).unsqueeze(1)
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)
        h = h.mean(dim=(2, 3))
        if self.mbstd:
            h = minibatch_std(h, group)
        return self.fc(h).squeeze(1)


def _one_spectral_head_before(state, prefix, *_):
    """Training states saved before there could be several spectral heads name the one head
    ``spectral.*``; it is head ``spectral.0.*`` now (a resumed run keeps its discriminator)."""
    old = prefix + "spectral."
    for key in [k for k in state if k.startswith(old) and not k[len(old):].split(".")[0].isdigit()]:
        state[old + "0." + key[len(old):]] = state.pop(key)


class Discriminator(nn.Module):
    """audio [B, 1, clip_length] (+ labels [B]) -> scores [B, heads]; class projection when conditioned.

    Head 0 is the WaveGAN waveform critic; the others (when ``spectral_d`` > 0) spectrogram critics,
    one per FFT size of ``cfg.spectral_ffts``. Losses average over heads.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        strides = strides_for(cfg.clip_length)
        widths = list(reversed(_widths(cfg.d_model_dim, len(strides), cfg.max_mult)))  # 1, d, 2d, ...
        k = cfg.kernel_size
        self.pad_to = START_FRAMES
        for s in strides:
            self.pad_to *= s
        self.convs = nn.ModuleList(nn.Conv1d(widths[i], widths[i + 1], k, s, padding=(k - 1) // 2)
                                   for i, s in enumerate(reversed(strides)))
        self.shuffle = PhaseShuffle(cfg.phase_shuffle)
        feat = START_FRAMES * widths[-1]
        self.fc = nn.Linear(feat + (1 if cfg.minibatch_std else 0), 1)
        self.embed = nn.Embedding(cfg.num_classes, feat) if cfg.num_classes else None
        self.spectral = nn.ModuleList(SpectralHead(cfg.spectral_d, n, bool(cfg.minibatch_std), cfg.spectral_floor)
                                      for n in cfg.spectral_ffts)
        self.group_size = cfg.minibatch_std
        self._register_load_state_dict_pre_hook(_one_spectral_head_before)

    def set_group_size(self, batch_size: int) -> None:
        """Use minibatch-std groups that divide ``batch_size``: the trainer scores real and fake
        clips in one concatenated batch, and a group must not mix the two."""
        if self.cfg.minibatch_std:
            self.group_size = largest_divisor(batch_size, self.cfg.minibatch_std)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        audio = x
        if x.shape[-1] < self.pad_to:
            x = F.pad(x, (0, self.pad_to - x.shape[-1]))
        for i, conv in enumerate(self.convs):
            x = F.leaky_relu(conv(x), 0.2)
            if i < len(self.convs) - 1:
                x = self.shuffle(x)
        h = x.flatten(1)
        out = self.fc(minibatch_std(h, self.group_size) if self.cfg.minibatch_std else h).squeeze(1)
        if self.embed is not None:
            if labels is None:
                raise ValueError("this discriminator is class-conditioned: pass labels")
            out = out + (self.embed(labels) * h).sum(1)
        return torch.stack([out, *(head(audio, self.group_size) for head in self.spectral)], dim=1)
