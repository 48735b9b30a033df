"""Training the bandwidth extender on real full-rate clips: the input is the clip band-limited as
if made at a random lower rate (Nyquist 4-11 kHz, and 8 kHz, the default model's, a third of the
time), the target is the clip itself. The loss is the multi-resolution STFT log-magnitude loss of
Parallel WaveGAN; with ``adversarial`` it gains, as in HiFi-GAN, a least-squares adversarial loss
over multi-period + multi-resolution STFT discriminators and feature matching (x2), with the
log-magnitude loss weighed x15 (HiFi-GAN weighs its mel loss x45 on a natural-log mel).

The loop, checkpoints, resume, rollback, hooks and DDP are the side models' shared
:class:`~.step_loop.StepTrainer`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from ..dsp.bands import band_limit
from ..models.discriminators import Discriminators, d_loss, feature_matching, g_adv_loss, multires_logmag
from ..models.extender import Extender, ExtenderConfig, band_edge
from ..models.extender_file import save_extender
from .pieces import random_pieces
from .step_loop import StepTrainConfig, StepTrainer

log = logging.getLogger(__name__)

DEFAULT_MODEL_RATE = 16000
HIFI_SHARE = 0.2        # of a `--hifi` training's time limit, the extender's part (docs/hifi.md)


@dataclass
class ExtenderTrainConfig(StepTrainConfig):
    batch_size: int = 8
    segment: int = 8192              # samples at the output rate (170 ms at 48 kHz), as HiFi-GAN
    lr: float = 1e-3
    beta1: float = 0.8
    beta2: float = 0.99
    # the discriminators (multi-period + multi-resolution STFT, feature matching) make a step 10x
    # slower on a CPU and gave no lower LSD at equal CPU time (docs/hifi.md): off by default
    adversarial: bool = False
    adversarial_from: float = 0.0    # they join after this share of the budget (steps or minutes)
    lambda_rec: float = 15.0
    lambda_fm: float = 2.0
    convergence: float = 0.0         # weight of spectral convergence inside the reconstruction loss
    min_nyquist: float = 4000.0
    max_nyquist: float = 11000.0
    # a young generator leaves noise in its top band; this share of inputs carries a hiss floor
    # (white noise, band-limited like the input, at floor_db below the piece's peak) that the
    # target keeps below the cutoff but not above it, so the extender learns not to continue
    # quiet noise into a broadband layer over a decaying body. It also takes air from the decaying
    # tails of real hats (docs/hifi.md, "hiss"), so only the demo model's own extender uses it
    floor_share: float = 0.0
    floor_db: tuple[float, float] = (-55.0, -30.0)


CLIP_SECONDS = 1.0      # the full-rate clips an extender learns from (it trains on 8192-sample pieces)


def import_full_rate(folder, rate: int, cache_dir=None):
    """``folder`` imported as an extender learns from it: 1 s clips at ``rate`` (44.1/48 kHz), cached
    beside the model-rate clips, band-limited sources flagged (:func:`extender_clips`)."""
    from ..data import ImportSettings, import_folder
    return import_folder(folder, ImportSettings.for_seconds(CLIP_SECONDS, rate), cache_dir=cache_dir)


def extender_clips(dataset) -> np.ndarray:
    """A full-rate import's clips an extender may learn from: files recorded below 44.1 kHz are
    band-limited (they would teach it that highs don't exist) and are left out, with a note."""
    from ..validate import printable
    if dataset.band_limited:
        names = ", ".join(printable(f) for f in dataset.band_limited[:5])
        more = f" and {len(dataset.band_limited) - 5} more" if len(dataset.band_limited) > 5 else ""
        log.warning("%d band-limited file(s) (recorded below 44.1 kHz) left out of the extender's "
                    "training: %s%s", len(dataset.band_limited), names, more)
    clips = dataset.full_band_clips()
    if not len(clips):
        raise ValueError(f"every file in {dataset.source} was recorded below 44.1 kHz: an extender "
                         "needs full-band recordings to learn what lies above")
    return clips


class ExtenderTrainer(StepTrainer):
    """Trains an extender on ``clips`` (float32 [N, samples] at ``cfg.sample_rate``) into ``out_dir``,
    which receives ``extender.safetensors``/``extender.json`` and ``train_state.safetensors``."""

    what = "extender"

    def __init__(self, clips: np.ndarray, out_dir: str | Path, cfg: ExtenderConfig | None = None,
                 tc: ExtenderTrainConfig | None = None, **hooks):
        self.cfg = (cfg or ExtenderConfig()).validate()
        clips = np.asarray(clips, np.float32)
        if clips.ndim != 2 or len(clips) == 0:
            raise ValueError("the extender needs at least one full-rate clip")
        self.clips = clips
        hooks.setdefault("data_summary", None)
        hooks["data_summary"] = hooks["data_summary"] or {"clips": int(len(clips))}
        super().__init__(out_dir, tc or ExtenderTrainConfig(), **hooks)

    def build_nets(self):
        return Extender(self.cfg), Discriminators()

    def config_info(self) -> dict:
        return {"extender_config": self.cfg.to_dict()}

    def _restore(self, st) -> None:
        """A checkpoint of an extender that read absolute log-magnitudes (made before "features"
        existed, or asked for) resumes as one: the setting changes no weight's shape."""
        saved = st.info.get("extender_config")
        if isinstance(saved, dict) and "features" not in saved and self.cfg.features != "absolute":
            legacy = replace(self.cfg, features="absolute")
            if legacy.to_dict() == saved:
                self.cfg = self.G.cfg = self.G_ema.cfg = legacy
        super()._restore(st)

    def export(self, elapsed: float) -> None:
        save_extender(self.out, self.G_ema, self.cfg,
                      {"step": self.step, "elapsed_s": round(elapsed, 1), "data": self.data_summary})

    # ---- one step -----------------------------------------------------------------------
    def batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(band-limited input, target) [B, segment] and the inputs' cutoffs [B] in Hz."""
        tc, rate, margin = self.tc, self.cfg.sample_rate, 512
        # drawn from (seed, step, rollbacks): a resumed run draws the batches the first one would have
        self.rng = np.random.default_rng([tc.seed, self.step, self.rollbacks])
        wide = random_pieces(self.clips, tc.batch_size, tc.segment + 2 * margin, self.rng)
        inputs, targets, cutoffs = [], [], []
        for piece in wide:
            nyquist = DEFAULT_MODEL_RATE / 2 if self.rng.random() < 1 / 3 else \
                float(self.rng.uniform(tc.min_nyquist, tc.max_nyquist))
            floor = self._floor(piece, rate, 2 * nyquist)
            inputs.append((band_limit(piece, rate, 2 * nyquist) + floor)[margin:margin + tc.segment])
            targets.append((piece + floor)[margin:margin + tc.segment])
            cutoffs.append(band_edge(2 * nyquist))
        target = torch.from_numpy(np.stack(targets))
        return (torch.from_numpy(np.stack(inputs)).to(self.device), target.to(self.device),
                torch.tensor(cutoffs, dtype=torch.float32, device=self.device))

    def _floor(self, piece: np.ndarray, rate: int, made_at: float) -> np.ndarray:
        """A steady band-limited hiss floor for ``piece`` [samples] (``floor_share`` of the time),
        else zeros; drawn from the batch's rng, so resumed runs draw the same."""
        tc = self.tc
        if self.rng.random() >= tc.floor_share:
            return np.zeros_like(piece)
        level = float(np.abs(piece).max()) * 10 ** (self.rng.uniform(*tc.floor_db) / 20)
        noise = band_limit(self.rng.standard_normal(len(piece)).astype(np.float32), rate, made_at)
        return (noise * level / max(float(np.sqrt(np.mean(noise ** 2))), 1e-9)).astype(np.float32)

    def adversarial_now(self, elapsed: float) -> bool:
        """Whether this step trains against the discriminators (see ``adversarial_from``)."""
        tc = self.tc
        if not tc.adversarial:
            return False
        if tc.max_steps:
            return self.step >= tc.adversarial_from * tc.max_steps
        return elapsed >= tc.adversarial_from * tc.max_minutes * 60

    def train_step(self, elapsed: float | None = None) -> dict[str, float]:
        """One step; against the discriminators once ``adversarial_now(elapsed)`` (always, with
        ``elapsed`` None and ``adversarial`` set)."""
        x, y, cutoff = self.batch()
        fake = self.G_train(x, cutoff)
        losses = {}
        adversarial = self.tc.adversarial if elapsed is None else self.adversarial_now(elapsed)
        if adversarial:
            self.opt_d.zero_grad(set_to_none=True)
            ld = d_loss(self.D_train(y), self.D_train(fake.detach()))
            ld.backward()
            self.opt_d.step()
            losses["d/adv"] = float(ld.detach())
        rec = multires_logmag(fake, y, convergence=self.tc.convergence)
        lg = self.tc.lambda_rec * rec
        if adversarial:
            with self.critics_frozen():
                real_out, fake_out = self.D(y), self.D(fake)
            adv, fm = g_adv_loss(fake_out), feature_matching(real_out, fake_out)
            lg = lg + adv + self.tc.lambda_fm * fm
            losses.update({"g/adv": float(adv.detach()), "g/fm": float(fm.detach())})
        self.opt_g.zero_grad(set_to_none=True)
        lg.backward()
        torch.nn.utils.clip_grad_norm_(self.G.parameters(), 100.0)
        self.opt_g.step()
        self.update_ema()
        losses.update({"g/rec": float(rec.detach()), "g/loss": float(lg.detach())})
        return losses
