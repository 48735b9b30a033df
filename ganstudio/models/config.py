"""Model configuration and size presets (a small typed config saved beside every checkpoint)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from .. import validate as v

PRESETS = ("tiny", "standard", "large", "wavegan")
MAX_CLASSES = 256
MAX_WIDTH = 256        # model_dim / d_model_dim: the large preset uses 64
UPSAMPLERS = ("transposed", "nearest", "istft")
MAX_CHANNELS = 4096    # widest layer; with MAX_PARAMETERS in modelfile this bounds what a file can ask for


@dataclass(frozen=True)
class ModelConfig:
    """Shapes of a WaveGAN-family generator/discriminator pair.

    The generator maps a latent ``[B, latent_dim]`` (and class ids ``[B]`` when ``num_classes`` > 0)
    to audio ``[B, 1, clip_length]`` in [-1, 1] at ``sample_rate`` Hz.
    """

    preset: str = "tiny"
    sample_rate: int = 16000
    clip_length: int = 16384
    latent_dim: int = 100
    model_dim: int = 16          # WaveGAN's d: channel widths are multiples of it
    d_model_dim: int = 16        # the discriminator's d
    kernel_size: int = 25
    phase_shuffle: int = 2       # discriminator phase shuffle radius in samples (0 = off)
    upsample: str = "transposed"  # "transposed" (WaveGAN), "nearest" (nearest + conv, no checkerboard) or
                                  # "istft" (frame-rate body ending in an inverse STFT: models/stft_body.py)
    max_mult: int = 16           # widest layer is max_mult * d channels
    even_phases: bool = False    # "transposed": each kernel's phases sum alike (half the buzz at the strides' rates)
    smooth_ups: int = 0          # "transposed"/"nearest": the first this many upsampling stages low-pass their
                                 # output before the nonlinearity (no images, so no comb from them)
    envelope: bool = False       # G multiplies its waveform by a learned amplitude envelope
    envelope_db: float = 80.0    # ... reaching this far down (dB): how quiet a tail can be made
    tone_bands: int = 0          # > 0: G also filters its waveform with a learned tone (models/tone.py)
    tone_db: float = 80.0        # ... cutting a band at most this far down (dB)
    peak_norm: bool = False      # G scales every clip to the importer's peak (data.prepare.PEAK), as the
                                 # training clips are: level is never something G must learn or D can use
    spectral_d: int = 0          # > 0 adds a log-spectrogram discriminator head of this base width
    spectral_fft: int = 512
    spectral_res: int = 1        # spectral heads at this many FFT sizes around spectral_fft (x0.5, x1, x2, ...)
    spectral_floor: float = 1e-2  # the spectral heads hear log(|STFT| + this): the quietest hiss they notice
    minibatch_std: int = 0       # > 0: D sees the feature spread within groups of this many clips
    class_names: tuple[str, ...] = field(default_factory=tuple)

    @property
    def num_classes(self) -> int:
        return len(self.class_names) if len(self.class_names) > 1 else 0

    @property
    def spectral_ffts(self) -> tuple[int, ...]:
        """The spectral heads' FFT sizes: 512 -> (512,); 3 -> (256, 512, 1024); 4 -> (128, ..., 1024)."""
        if not self.spectral_d:
            return ()
        low = self.spectral_res // 2
        return tuple(int(self.spectral_fft * 2.0 ** k) for k in range(-low, self.spectral_res - low))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["class_names"] = list(self.class_names)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        """A config from a model file's ``model`` entry: every field typed and ranged before
        anything is built from it (raises ValueError naming the field)."""
        if not isinstance(d, dict):
            raise ValueError("the model settings must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown model settings: {', '.join(sorted(map(str, unknown)))[:200]}")
        d = dict(d)
        d["class_names"] = tuple(v.text_list(d.get("class_names", []), "class_names", MAX_CLASSES))
        cfg = cls(**d)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        """Raise ValueError naming the first field out of its type or range."""
        from ..data.settings import MAX_SECONDS, MIN_SECONDS, SUPPORTED_RATES
        v.choice(self.preset, "preset", PRESETS)
        v.choice(self.sample_rate, "sample_rate", SUPPORTED_RATES)
        v.integer(self.clip_length, "clip_length", int(MIN_SECONDS * 16000) - 16,
                  int(MAX_SECONDS * max(SUPPORTED_RATES)) + 4800)
        v.integer(self.latent_dim, "latent_dim", 1, v.MAX_LATENT_DIM)
        v.integer(self.model_dim, "model_dim", 1, MAX_WIDTH)
        v.integer(self.d_model_dim, "d_model_dim", 1, MAX_WIDTH)
        v.integer(self.kernel_size, "kernel_size", 2, 101)
        v.integer(self.max_mult, "max_mult", 1, 64)
        v.integer(self.phase_shuffle, "phase_shuffle", 0, 16)
        v.choice(self.upsample, "upsample", UPSAMPLERS)
        v.boolean(self.even_phases, "even_phases")
        if self.even_phases and self.kernel_size < 4:
            raise ValueError("even_phases needs a kernel_size of at least 4 (the widest stride)")
        v.integer(self.smooth_ups, "smooth_ups", 0, 8)
        if self.smooth_ups:
            from .wavegan import strides_for
            stages = len(strides_for(self.clip_length))
            if self.upsample == "istft" or self.smooth_ups >= stages:
                raise ValueError(f"smooth_ups filters upsampling stages before the last: at most {stages - 1} "
                                 f"for this clip length, and not with upsample istft")
        v.boolean(self.envelope, "envelope")
        v.number(self.envelope_db, "envelope_db", 20.0, 160.0)
        v.integer(self.tone_bands, "tone_bands", 0, 64)
        if self.tone_bands == 1:
            raise ValueError("tone_bands must be 0 (off) or at least 2")
        if self.tone_bands and self.upsample == "istft":
            raise ValueError("tone_bands filters a waveform generator's output: not with upsample istft")
        v.number(self.tone_db, "tone_db", 6.0, 160.0)
        v.boolean(self.peak_norm, "peak_norm")
        v.integer(self.spectral_d, "spectral_d", 0, 256)
        v.choice(self.spectral_fft, "spectral_fft", (256, 512, 1024, 2048))
        v.integer(self.spectral_res, "spectral_res", 1, 4)
        v.number(self.spectral_floor, "spectral_floor", 1e-6, 1.0)
        if min(self.spectral_ffts, default=128) < 128 or max(self.spectral_ffts, default=0) > 4096:
            raise ValueError(f"spectral_res {self.spectral_res} around spectral_fft {self.spectral_fft} asks for "
                             f"FFT sizes {list(self.spectral_ffts)}; they must lie in 128-4096")
        v.integer(self.minibatch_std, "minibatch_std", 0, 64)
        v.text_list(list(self.class_names), "class_names", MAX_CLASSES)
        if len(set(self.class_names)) != len(self.class_names):
            raise ValueError("class_names must not repeat a name")
        widest = self.max_mult * max(self.model_dim, self.d_model_dim)
        if widest > MAX_CHANNELS:
            raise ValueError(f"max_mult x model_dim asks for {widest} channels; at most {MAX_CHANNELS} are allowed")


# Presets: widths chosen so `tiny` trains usefully on 2 CPU cores in minutes and `large` wants a GPU.
# `wavegan` is the paper's configuration (d=64), kept as the reference in benchmarks.
_PRESET_FIELDS = {
    "tiny": dict(model_dim=16, d_model_dim=16, kernel_size=25, spectral_d=16, envelope=True, tone_bands=32,
                 tone_db=40.0),
    "standard": dict(model_dim=32, d_model_dim=32, kernel_size=25, spectral_d=32, envelope=True),
    "large": dict(model_dim=64, d_model_dim=64, kernel_size=25, spectral_d=32, envelope=True),
    "wavegan": dict(model_dim=64, d_model_dim=64, kernel_size=25, latent_dim=100, phase_shuffle=2),
}


def preset(name: str, **overrides) -> ModelConfig:
    """The :class:`ModelConfig` of preset ``name`` with ``overrides`` applied."""
    if name not in _PRESET_FIELDS:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    fields_ = dict(_PRESET_FIELDS[name])
    if overrides.get("upsample") == "istft":
        fields_.pop("tone_bands", None)          # the tone filter is for waveform generators
        fields_.pop("tone_db", None)
    cfg = replace(ModelConfig(preset=name, **fields_), **overrides)
    cfg.validate()
    return cfg


def setting_value(text: str):
    """A setting given as text on a command line (``FIELD=VALUE``): JSON where it parses
    ('true' -> True, '3' -> 3, '[1, 2]' -> [1, 2]), else the text itself ('istft',
    'transposed'); the config's own validation then checks it."""
    import json
    try:
        return json.loads(text)
    except ValueError:
        return text
