"""Training configuration (saved beside every checkpoint)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

LOSSES = ("wgan-gp", "hinge", "ns")
PRECISIONS = ("fp32", "bf16", "auto")
MEL_FORMS = ("mean", "quantile")     # the forms of training/mel_match.py


@dataclass(frozen=True)
class TrainConfig:
    """How to train. ``loss``: "wgan-gp" (the WaveGAN reference), "hinge" or "ns" (non-saturating);
    ``r1_gamma`` adds an R1 penalty on real data (used with hinge / ns)."""

    loss: str = "wgan-gp"
    batch_size: int = 32
    lr_g: float = 1e-4
    lr_d: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.9
    n_critic: int = 5
    gp_weight: float = 10.0
    r1_gamma: float = 0.0
    r1_every: int = 4            # lazy R1: penalise every k-th D step, scaled by k
    ema_decay: float = 0.999
    augment_p: float = -1.0      # probability of each augmentation; < 0 = chosen from dataset size
    augment_target: float = 0.0  # > 0: adapt the probability so E[sign D(real)] stays near this (ADA)
    grad_clip: float = 0.0       # 0 = off
    precision: str = "fp32"      # "fp32", "bf16" (autocast) or "auto" (bf16 where the hardware has it)
    max_steps: int = 0           # 0 = no step limit
    max_minutes: float = 0.0     # 0 = no time limit
    checkpoint_every: int = 200  # steps between writes of `latest` (also every checkpoint_minutes)
    checkpoint_minutes: float = 2.0
    keep_every: int = 0          # also keep a numbered snapshot every k steps (0 = off)
    snapshot_every: int = 50     # steps between frozen EMA snapshots handed to snapshot_fn
    quality_every: int = 200     # steps between quality lines (training/quality.py; 0 = off)
    seed: int = 0
    device: str = "auto"         # "auto", "cpu", "cuda", "cuda:1", ...
    divergence_limit: float = 1e4  # |loss| above this counts as divergence
    max_rollbacks: int = 5
    conditional: bool = False    # condition on subfolder classes
    class_balance: float = 0.0   # conditional: a clip is drawn with weight (its class's count) ** -this,
                                 # so 0 keeps the folder's proportions and 1 draws every class equally
    init_from: str = ""          # a model folder to start from (transfer): its generator's weights, and its
                                 # discriminator's from a discriminator.safetensors or a training state
    mel_match: float = 0.0       # > 0: weight of the generator's loss on the batch's mean log-mel level
                                 # per band and time block against the folder's (training/mel_match.py);
                                 # -1: chosen by level_weight
    mel_form: str = "mean"       # "mean": match the mean level; "quantile": its spread over clips too
    decay_loss: float = 0.0      # > 0: weight of the generator's loss on tails that come back after they
                                 # have decayed 60 dB (training/decay_loss.py); -1: chosen by decay_weight
    spectral_start: bool = True  # with init_from: an inverse-STFT generator starts with the folder's mean
                                 # spectrum (training/spectral_start.py)

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose from {', '.join(LOSSES)}")
        if self.batch_size < 1 or self.n_critic < 1:
            raise ValueError("batch_size and n_critic must be at least 1")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; choose from {', '.join(PRECISIONS)}")
        if not 0.0 <= self.augment_target < 1.0:
            raise ValueError("augment_target must be in [0, 1)")
        if isinstance(self.class_balance, bool) or not 0.0 <= self.class_balance <= 1.0:
            raise ValueError("class_balance must be a number in [0, 1]")
        for name in ("mel_match", "decay_loss"):      # loss weights, or -1: chosen for the generator
            w = getattr(self, name)
            if isinstance(w, bool) or not (0.0 <= w <= 100.0 or w == -1.0):
                raise ValueError(f"{name} must be a number in [0, 100], or -1 (chosen by the generator)")
        if self.mel_form not in MEL_FORMS:
            raise ValueError(f"unknown mel_form {self.mel_form!r}; choose from {', '.join(MEL_FORMS)}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


# Training recipes that go with the model presets. `wavegan` is the paper's: WGAN-GP, 5 critic
# steps, batch 64, Adam(1e-4, 0.5, 0.9).
# `tiny` trades the paper's 5 critic steps and batch 64 for one critic step on batch 16 with the
# non-saturating loss, R1 and a higher learning rate: on 2 CPU cores that reaches drum-like
# sounds in minutes (bench/train_speed.py measures it against the paper's recipe). Adaptive
# augmentation stopped its divergences after ~800 steps and widened what it makes (docs/quality.md).
_RECIPES = {
    "tiny": dict(loss="ns", batch_size=16, n_critic=1, r1_gamma=1.0, lr_g=5e-4, lr_d=5e-4, augment_target=0.6,
                 mel_match=-1.0, mel_form="quantile", decay_loss=-1.0),
    "standard": dict(loss="ns", batch_size=32, n_critic=1, r1_gamma=1.0, lr_g=3e-4, lr_d=3e-4, augment_target=0.6),
    "large": dict(loss="ns", batch_size=64, n_critic=1, r1_gamma=1.0, lr_g=2e-4, lr_d=2e-4, augment_target=0.6),
    "wavegan": dict(loss="wgan-gp", batch_size=64, n_critic=5, lr_g=1e-4, lr_d=1e-4, ema_decay=0.0),
}


# A conditional model of the ns recipes also matches the levels of each class (mel_match), in the
# quantile form: the spread of levels over a class's clips, not only their mean. The mean form
# (run 23 in docs/quality.md) brought digits and notes closer and made the class asked for heard
# far more often, but shortened every drum's decay (played 10.3x -> 15.4x the floor); the quantile
# form (run 24) keeps those gains and brings the drums closer as played (9.8x); 84-99 % of drums
# and digits, 65 % of notes are heard as the class asked for. `tiny` also matches the level of a
# folder without classes when its generator is a waveform one (short sounds: mel_match -1, see
# level_weight), where it goes with the decay loss: alone, the mean form made every drum alike and the
# quantile form read further as played (run 24); with the decay loss, drums without classes played
# 1.3-1.7x closer (3 seeds), another set of drums 1.0x and 1.4x (2 seeds), digits as without (run 28).
# Inverse-STFT generators (sustained folders) without classes train without it, as before (not
# measured with it).
AUTO_MEL_MATCH = 0.3
AUTO_MEL_FORM = "quantile"
# The decay loss (training/decay_loss.py) of `tiny` waveform generators that match the folder's
# levels (mel_match). Their tails came back after a gap every 1 024 samples, so the one-shot rule
# cut them short; with it, 3 seeds of drums with 8 kinds read 1.8-2.1x closer as played
# (docs/quality.md, run 27). Without the level loss it shortened every hit instead (nothing held
# the decay: drums without classes 1.7-2.2x further as played), and inverse-STFT generators
# (sustained folders) come back as often as their real clips do (8-13 % of clips against 10 % on
# effects): both train without it.
AUTO_DECAY_LOSS = 1.0


def level_weight(tc: TrainConfig, upsample: str, num_classes: int) -> float:
    """The level loss's weight for a generator of ``upsample`` with ``num_classes`` classes:
    ``tc.mel_match``, or when that is -1 (automatic) AUTO_MEL_MATCH for a model with
    classes or a waveform generator, and 0 for an inverse-STFT generator without classes."""
    if tc.mel_match >= 0:
        return tc.mel_match
    return AUTO_MEL_MATCH if num_classes or upsample != "istft" else 0.0


def decay_weight(tc: TrainConfig, upsample: str, num_classes: int) -> float:
    """The decay loss's weight for a generator of ``upsample`` with ``num_classes`` classes:
    ``tc.decay_loss``, or when that is -1 (automatic) AUTO_DECAY_LOSS for a waveform generator
    trained with the level loss (which keeps its decays from shortening) and 0 otherwise."""
    if tc.decay_loss >= 0:
        return tc.decay_loss
    return AUTO_DECAY_LOSS if upsample != "istft" and level_weight(tc, upsample, num_classes) > 0 else 0.0


def recipe(preset: str, **overrides) -> TrainConfig:
    """The :class:`TrainConfig` that goes with model preset ``preset``, with ``overrides``."""
    if preset not in _RECIPES:
        raise ValueError(f"unknown preset {preset!r}")
    base = dict(_RECIPES[preset])
    if overrides.get("conditional") and base["loss"] == "ns":
        base["mel_match"] = AUTO_MEL_MATCH
        base["mel_form"] = AUTO_MEL_FORM
    return replace(TrainConfig(**base), **overrides)
