"""Model configuration and size presets (a small typed config saved beside every checkpoint)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

PRESETS = ("tiny", "standard", "large", "wavegan")


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
    upsample: str = "transposed"  # "transposed" (WaveGAN) or "nearest" (nearest + conv, no checkerboard)
    max_mult: int = 16           # widest layer is max_mult * d channels
    envelope: bool = False       # G multiplies its waveform by a learned amplitude envelope
    spectral_d: int = 0          # > 0 adds a log-spectrogram discriminator head of this base width
    spectral_fft: int = 512
    minibatch_std: int = 0       # > 0: D sees the feature spread within groups of this many clips
    class_names: tuple[str, ...] = field(default_factory=tuple)

    @property
    def num_classes(self) -> int:
        return len(self.class_names) if len(self.class_names) > 1 else 0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["class_names"] = list(self.class_names)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown model settings: {', '.join(sorted(unknown))}")
        d = dict(d)
        d["class_names"] = tuple(d.get("class_names", ()))
        cfg = cls(**d)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if self.upsample not in ("transposed", "nearest"):
            raise ValueError(f"upsample must be 'transposed' or 'nearest', not {self.upsample!r}")
        for name in ("latent_dim", "model_dim", "d_model_dim", "kernel_size", "clip_length", "max_mult"):
            v = getattr(self, name)
            if not isinstance(v, int) or not 0 < v <= (1 << 22):
                raise ValueError(f"{name} must be a positive integer, not {v!r}")
        if not 0 <= self.spectral_d <= 256 or self.spectral_fft not in (256, 512, 1024, 2048):
            raise ValueError("spectral_d must be 0-256 and spectral_fft one of 256, 512, 1024, 2048")
        if not 0 <= self.minibatch_std <= 64:
            raise ValueError("minibatch_std must be between 0 and 64")
        if not 0 <= self.phase_shuffle <= 16:
            raise ValueError("phase_shuffle must be between 0 and 16")


# Presets: widths chosen so `tiny` trains usefully on 2 CPU cores in minutes and `large` wants a GPU.
# `wavegan` is the paper's configuration (d=64), kept as the reference in benchmarks.
_PRESET_FIELDS = {
    "tiny": dict(model_dim=16, d_model_dim=16, kernel_size=25, spectral_d=16, envelope=True),
    "standard": dict(model_dim=32, d_model_dim=32, kernel_size=25, spectral_d=32, envelope=True),
    "large": dict(model_dim=64, d_model_dim=64, kernel_size=25, spectral_d=32, envelope=True),
    "wavegan": dict(model_dim=64, d_model_dim=64, kernel_size=25, latent_dim=100, phase_shuffle=2),
}


def preset(name: str, **overrides) -> ModelConfig:
    """The :class:`ModelConfig` of preset ``name`` with ``overrides`` applied."""
    if name not in _PRESET_FIELDS:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    cfg = replace(ModelConfig(preset=name, **_PRESET_FIELDS[name]), **overrides)
    cfg.validate()
    return cfg
