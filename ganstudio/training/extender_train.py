"""Training the bandwidth extender on real full-rate clips: the input is the clip band-limited as
if made at a random lower rate (Nyquist 4-11 kHz, and 8 kHz, the default model's, a third of the
time), the target is the clip itself. The loss is the multi-resolution STFT log-magnitude loss of
Parallel WaveGAN; with ``adversarial`` it gains, as in HiFi-GAN, a least-squares adversarial loss
over multi-period + multi-resolution STFT discriminators and feature matching (x2), with the
log-magnitude loss weighed x15 (HiFi-GAN weighs its mel loss x45 on a natural-log mel).

The same habits as the generator's trainer (:mod:`.loop`): an EMA copy is what gets exported,
the state is one atomic safetensors file (:mod:`.checkpoint`) and a run resumes from it, a
non-finite loss rolls back to the last checkpoint with halved learning rates, hooks report
progress and hand frozen snapshots to whoever plays them.
"""
from __future__ import annotations

import copy
import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..dsp.bands import band_limit
from ..fileio import remove_stale_temp_files
from ..models.discriminators import Discriminators, d_loss, feature_matching, g_adv_loss, multires_logmag
from ..models.extender import Extender, ExtenderConfig, band_edge
from ..models.extender_file import save_extender
from .checkpoint import CheckpointError, TrainState, load_state, save_state
from .control import Progress, TrainControl, TrainingDiverged, TrainResult, resolve_device

log = logging.getLogger(__name__)

DEFAULT_MODEL_RATE = 16000
HIFI_SHARE = 0.2        # of a `--hifi` training's time limit, the extender's part (docs/hifi.md)


@dataclass
class ExtenderTrainConfig:
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
    ema: float = 0.995
    max_steps: int = 0
    max_minutes: float = 10.0
    checkpoint_minutes: float = 2.0
    snapshot_every: int = 100
    max_rollbacks: int = 5
    seed: int = 0
    device: str = "auto"

    def to_dict(self) -> dict:
        return asdict(self)


def _segments(clips: np.ndarray, n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random [length] pieces of ``clips`` [N, L]; a piece far quieter than its clip's peak
    (a silent tail) is drawn again, up to four times, so batches hear sound, not silence."""
    out = np.zeros((n, length), np.float32)
    for i in range(n):
        clip = clips[rng.integers(len(clips))]
        peak = float(np.abs(clip).max()) or 1.0
        for _ in range(4):
            s = int(rng.integers(0, max(1, len(clip) - length + 1)))
            piece = clip[s:s + length]
            if np.abs(piece).max() > 0.05 * peak:
                break
        out[i, :len(piece)] = piece
    return out


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


class ExtenderTrainer:
    """Trains an extender on ``clips`` (float32 [N, samples] at ``cfg.sample_rate``) into ``out_dir``,
    which receives ``extender.safetensors``/``extender.json`` and ``train_state.safetensors``."""

    def __init__(self, clips: np.ndarray, out_dir: str | Path, cfg: ExtenderConfig | None = None,
                 tc: ExtenderTrainConfig | None = None, *, resume: bool = True,
                 progress_fn: Callable[[Progress], None] | None = None,
                 abort_fn: Callable[[], bool] | None = None,
                 snapshot_fn: Callable[[Extender, int], None] | None = None,
                 control: TrainControl | None = None, data_summary: dict | None = None):
        self.cfg = (cfg or ExtenderConfig()).validate()
        self.tc = tc or ExtenderTrainConfig()
        clips = np.asarray(clips, np.float32)
        if clips.ndim != 2 or len(clips) == 0:
            raise ValueError("the extender needs at least one full-rate clip")
        self.clips = clips
        self.out = Path(out_dir)
        self.progress_fn, self.abort_fn, self.snapshot_fn = progress_fn, abort_fn, snapshot_fn
        self.control = control or TrainControl()
        self.resume = resume
        self.device = resolve_device(self.tc.device)
        self.data_summary = data_summary or {"clips": int(len(clips))}
        self.step, self.elapsed_before, self.rollbacks = 0, 0.0, 0
        self.history: list = []

    # ---- state --------------------------------------------------------------------------
    def _build(self) -> None:
        torch.manual_seed(self.tc.seed)
        self.G = Extender(self.cfg).to(self.device)
        self.G_ema = copy.deepcopy(self.G).requires_grad_(False)
        self.D = Discriminators().to(self.device)
        betas = (self.tc.beta1, self.tc.beta2)
        self.opt_g = torch.optim.AdamW(self.G.parameters(), self.tc.lr, betas)
        self.opt_d = torch.optim.AdamW(self.D.parameters(), self.tc.lr, betas)
        self.restored = False
        if self.resume and (self.out / "train_state.safetensors").exists():
            self._restore(load_state(self.out))
            self.restored = True

    def _restore(self, st: TrainState) -> None:
        if st.info.get("extender_config") != self.cfg.to_dict():
            raise CheckpointError(f"{self.out} holds an extender trained with other settings; "
                                  "start fresh or pick another folder")
        self.G.load_state_dict(st.generator)
        self.G_ema.load_state_dict(st.generator_ema)
        self.D.load_state_dict(st.discriminator)
        self.opt_g.load_state_dict(st.opt_g)
        self.opt_d.load_state_dict(st.opt_d)
        torch.set_rng_state(st.rng_torch)
        self.step = st.step
        self.elapsed_before = float(st.info.get("elapsed_s", 0.0))
        self.history = list(st.info.get("history", []))

    def save_checkpoint(self, elapsed: float) -> None:
        save_state(self.out, TrainState(
            step=self.step, generator=self.G.state_dict(), generator_ema=self.G_ema.state_dict(),
            discriminator=self.D.state_dict(), opt_g=self.opt_g.state_dict(), opt_d=self.opt_d.state_dict(),
            rng_torch=torch.get_rng_state(),
            info={"extender_config": self.cfg.to_dict(), "train_config": self.tc.to_dict(),
                  "elapsed_s": elapsed, "history": self.history[-500:], "data": self.data_summary}))
        save_extender(self.out, self.G_ema, self.cfg,
                      {"step": self.step, "elapsed_s": round(elapsed, 1), "data": self.data_summary})

    # ---- one step -----------------------------------------------------------------------
    def batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(band-limited input, target) [B, segment] and the inputs' cutoffs [B] in Hz."""
        tc, rate, margin = self.tc, self.cfg.sample_rate, 512
        # drawn from (seed, step, rollbacks): a resumed run draws the batches the first one would have
        self.rng = np.random.default_rng([tc.seed, self.step, self.rollbacks])
        wide = _segments(self.clips, tc.batch_size, tc.segment + 2 * margin, self.rng)
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

    def train_step(self, adversarial: bool | None = None) -> dict[str, float]:
        x, y, cutoff = self.batch()
        fake = self.G(x, cutoff)
        losses = {}
        adversarial = self.tc.adversarial if adversarial is None else adversarial
        if adversarial:
            self.opt_d.zero_grad(set_to_none=True)
            ld = d_loss(self.D(y), self.D(fake.detach()))
            ld.backward()
            self.opt_d.step()
            losses["d/adv"] = float(ld.detach())
        rec = multires_logmag(fake, y, convergence=self.tc.convergence)
        lg = self.tc.lambda_rec * rec
        if adversarial:
            real_out, fake_out = self.D(y), self.D(fake)
            adv, fm = g_adv_loss(fake_out), feature_matching(real_out, fake_out)
            lg = lg + adv + self.tc.lambda_fm * fm
            losses.update({"g/adv": float(adv.detach()), "g/fm": float(fm.detach())})
        self.opt_g.zero_grad(set_to_none=True)
        lg.backward()
        torch.nn.utils.clip_grad_norm_(self.G.parameters(), 100.0)
        self.opt_g.step()
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
                pe.lerp_(p, 1 - self.tc.ema)
        losses.update({"g/rec": float(rec.detach()), "g/loss": float(lg.detach())})
        return losses

    def _rollback(self, losses: dict) -> None:
        self.rollbacks += 1
        if self.rollbacks > self.tc.max_rollbacks:
            raise TrainingDiverged(f"extender training diverged {self.rollbacks} times (last losses {losses})")
        before = self.elapsed_before
        self._restore(load_state(self.out))
        self.elapsed_before = before
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] *= 0.5
        torch.manual_seed(self.tc.seed + 104729 * self.rollbacks + self.step)

    def _emit(self, event: str, elapsed: float, rate: float, losses: dict, msg: str = "") -> None:
        if self.progress_fn:
            left = (self.tc.max_steps - self.step) / rate if self.tc.max_steps and rate > 0 else None
            self.progress_fn(Progress(event, self.step, self.tc.max_steps or None, elapsed, rate, left, losses, msg))

    def _frozen(self) -> Extender:
        return copy.deepcopy(self.G_ema).to("cpu").eval().requires_grad_(False)

    def _after_step(self, start: float, last_ckpt: float, rate: float, losses: dict) -> bool:
        """Record and report the step, hand out a snapshot when due; True when it also saved a
        checkpoint (time-based: every ``checkpoint_minutes``)."""
        tc = self.tc
        if self.step % 10 == 0:
            self.history.append([self.step, losses])
        self._emit("step", self.elapsed_before + time.monotonic() - start, rate, losses)
        if self.snapshot_fn and self.step % max(1, tc.snapshot_every) == 0:
            self.snapshot_fn(self._frozen(), self.step)
        if time.monotonic() - last_ckpt < tc.checkpoint_minutes * 60:
            return False
        self.save_checkpoint(self.elapsed_before + time.monotonic() - start)
        self._emit("checkpoint", self.elapsed_before + time.monotonic() - start, rate, losses,
                   f"saved step {self.step}")
        return True

    def run(self) -> TrainResult:
        """Train until ``max_steps`` / ``max_minutes`` or a stop; always ends with a checkpoint."""
        if self.out.is_dir():
            remove_stale_temp_files(self.out)
        self._build()
        tc = self.tc
        if not self.restored:
            self.save_checkpoint(0.0)
        start = time.monotonic()
        last_ckpt, rate, losses, stopped = start, 0.0, {}, False
        self._emit("start", self.elapsed_before, 0.0, {}, f"training the extender on {self.device}")
        while True:
            active = time.monotonic() - start
            if (tc.max_steps and self.step >= tc.max_steps) or (tc.max_minutes and active >= tc.max_minutes * 60):
                break
            if self.control.stopped or (self.abort_fn and self.abort_fn()):
                stopped = True
                break
            if self.control.paused:
                t = time.monotonic()
                while self.control.paused and not self.control.stopped:
                    time.sleep(0.05)
                start += time.monotonic() - t
                continue
            t0 = time.monotonic()
            losses = self.train_step(self.adversarial_now(self.elapsed_before + active))
            if not all(math.isfinite(v) for v in losses.values()):
                log.warning("extender step %d: non-finite losses %s; rolling back", self.step, losses)
                self._rollback(losses)
                self._emit("rollback", self.elapsed_before + active, rate, losses,
                           f"rolled back to step {self.step} and halved the learning rates")
                continue
            self.step += 1
            dt = time.monotonic() - t0
            rate = 1.0 / dt if rate == 0 else 0.9 * rate + 0.1 / max(dt, 1e-9)
            if self._after_step(start, last_ckpt, rate, losses):
                last_ckpt = time.monotonic()
        elapsed = self.elapsed_before + time.monotonic() - start
        self.save_checkpoint(elapsed)
        self._emit("done", elapsed, rate, losses, "stopped" if stopped else "finished")
        if self.snapshot_fn:
            self.snapshot_fn(self._frozen(), self.step)
        return TrainResult(self.step, elapsed, self.out, stopped, self.rollbacks, losses)
