"""The Qt-free training loop: hooks for progress, abort and snapshots; pause / resume / stop;
EMA generator; checkpoints for resume; NaN / divergence rollback; DDP when run under torchrun.

A step (:mod:`.gan_step`) is ``n_critic`` discriminator updates (on ``fake.detach()``) followed by
one generator update, as in WaveGAN / HiFi-GAN; what the loop reports and how it is steered live in
:mod:`.control`, the start from a pretrained base's weights in :mod:`.warm_start`.
"""
from __future__ import annotations

import logging
import copy
import math
import time
from pathlib import Path
from typing import Callable

import torch
from torch.nn.parallel import DistributedDataParallel as DDP

from ..data import Dataset
from ..models import Discriminator, Generator, ModelConfig, preset
from ..fileio import remove_stale_temp_files
from ..models.modelfile import save_model
from . import distributed as dist_util
from .augment import AdaptiveProbability, auto_probability
from .checkpoint import (SNAPSHOTS, STATE_FILE, CheckpointError, TrainState, clean_snapshots, load_state,
                         save_snapshot, save_state, snapshot_dir)
from .control import Progress, TrainControl, TrainingDiverged, TrainResult, resolve_device
from .gan_step import GanSteps, _unwrap, class_weights
from .quality import QualityProbe
from .warm_start import BASE_DISCRIMINATOR, _load_matching, read_discriminator
from .config import TrainConfig, decay_weight, level_weight, recipe
from .precision import autocast_dtype
from .mel_match import MelMatch
from .spectral_start import match_spectrum

log = logging.getLogger(__name__)

HISTORY_MAX = 2000


def model_config_for(dataset: Dataset, preset_name: str, conditional: bool, **overrides) -> ModelConfig:
    """The preset's model shaped for ``dataset`` (rate, length and, if conditional, its classes)."""
    classes = tuple(dataset.class_names) if conditional and dataset.num_classes > 1 else ()
    return preset(preset_name, sample_rate=dataset.settings.sample_rate,
                  clip_length=dataset.settings.clip_length, class_names=classes, **overrides)


def _classes_differ(saved: ModelConfig, now: ModelConfig) -> str:
    """What a resume would change about the classes, for the error that refuses it ("" if nothing):
    the usual cause is "Learn classes" turned on or off since the run began."""
    if saved.class_names == now.class_names:
        return ""
    said = lambda names: f"{len(names)} classes ({', '.join(names[:4])}{', ...' if len(names) > 4 else ''})" \
        if names else "no classes"  # noqa: E731
    return f"; it learnt {said(saved.class_names)}, this run would learn {said(now.class_names)}"


class Trainer(GanSteps):
    """Trains one model into ``out_dir`` (a model folder that also holds the training state).

    Hooks: ``progress_fn(Progress)`` after every step and event (rank 0 only); ``abort_fn() -> bool``
    polled every step; ``snapshot_fn(generator, step)`` gets a frozen CPU copy of the EMA generator
    every ``snapshot_every`` steps.
    """

    def __init__(self, dataset: Dataset, out_dir: str | Path, model_cfg: ModelConfig | None = None,
                 train_cfg: TrainConfig | None = None, *, resume: bool = True,
                 progress_fn: Callable[[Progress], None] | None = None,
                 abort_fn: Callable[[], bool] | None = None,
                 snapshot_fn: Callable[[Generator, int], None] | None = None,
                 control: TrainControl | None = None):
        self.tc = train_cfg or recipe(model_cfg.preset if model_cfg else "tiny")
        self.mc = model_cfg or model_config_for(dataset, "tiny", self.tc.conditional)
        if (self.mc.sample_rate, self.mc.clip_length) != (dataset.settings.sample_rate, dataset.settings.clip_length):
            raise ValueError("the model's sample rate and clip length must match the dataset's")
        self.dataset = dataset
        self.out = Path(out_dir)
        self.progress_fn, self.abort_fn, self.snapshot_fn = progress_fn, abort_fn, snapshot_fn
        self.control = control or TrainControl()
        self._quality: QualityProbe | None = None
        self.resume = resume
        self.dist = dist_util.init_from_env(resolve_device(self.tc.device).type)
        self.device = resolve_device(self.tc.device, self.dist.local_rank)
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)
        self._fixed_p = self.tc.augment_p if self.tc.augment_p >= 0 else auto_probability(len(dataset))
        self.ada = (AdaptiveProbability(self._fixed_p, self.tc.augment_target)
                    if self.tc.augment_target > 0 else None)
        self.amp_dtype = autocast_dtype(self.tc.precision, self.device)
        self.history: list[list] = []
        self.rollbacks = 0
        self.step = 0
        self.elapsed_before = 0.0

    @property
    def augment_p(self) -> float:
        """The augmentation probability in use: adaptive (ADA) or fixed by the recipe."""
        return self.ada.p if self.ada is not None else self._fixed_p

    # ---- set-up -------------------------------------------------------------------------
    def _build(self) -> None:
        torch.manual_seed(self.tc.seed + 7919 * self.dist.rank)
        self.G = Generator(self.mc).to(self.device)
        self.D = Discriminator(self.mc).to(self.device)
        # minibatch-std groups must not straddle the real and fake halves of a D batch
        self.D.set_group_size(self.tc.batch_size)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        betas = (self.tc.beta1, self.tc.beta2)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=self.tc.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=self.tc.lr_d, betas=betas)
        state_path = self.out / STATE_FILE
        self.restored = self.resume and state_path.exists()
        if self.restored:
            self._restore(load_state(self.out), check_config=True)
        elif self.tc.init_from:
            self._start_from(Path(self.tc.init_from))
        if self.dist.enabled:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self._sync_from_rank0()
            self.G = DDP(self.G, device_ids=ids)
            self.D = DDP(self.D, device_ids=ids)
        self.real = torch.from_numpy(self.dataset.clips).unsqueeze(1).to(self.device)
        self.labels = torch.from_numpy(self.dataset.labels).to(self.device)
        self.draw_weights = class_weights(self.labels, self.mc.num_classes, self.tc.class_balance) \
            if self.mc.num_classes and self.tc.class_balance > 0 else None
        self.level_weight = level_weight(self.tc, self.mc.upsample, self.mc.num_classes)
        self.mel_match = MelMatch(self.real, self.mc.sample_rate, self.labels if self.mc.num_classes else None,
                                  self.mc.num_classes, form=self.tc.mel_form) if self.level_weight > 0 else None
        self.decay_weight = decay_weight(self.tc, self.mc.upsample, self.mc.num_classes)
        if self.mc.num_classes and list(self.mc.class_names) != list(self.dataset.class_names):
            raise ValueError(f"the model's classes {list(self.mc.class_names)} differ from the dataset's "
                             f"{self.dataset.class_names}")

    def _start_from(self, base: Path) -> None:
        """Transfer: every weight of the base model whose name and shape fit this one (a different
        class count or clip length leaves those layers fresh); its discriminator too when the base
        folder keeps a training state. The base is read as any model file is (safetensors)."""
        from ..models.modelfile import load_model
        model = load_model(base)
        loaded = _load_matching(self.G, model.generator.state_dict())
        if self.tc.spectral_start:
            match_spectrum(self.G, torch.from_numpy(self.dataset.clips), self.tc.seed)
        self.G_ema.load_state_dict(self.G.state_dict())
        if (base / BASE_DISCRIMINATOR).exists():
            loaded += _load_matching(self.D, read_discriminator(base / BASE_DISCRIMINATOR))
        elif (base / STATE_FILE).exists():
            loaded += _load_matching(self.D, load_state(base).discriminator)
        log.info("starting from %s: %d tensors fit", base, loaded)

    def _sync_from_rank0(self) -> None:
        import torch.distributed as dist
        for m in (self.G, self.D, self.G_ema):
            for t in list(m.parameters()) + list(m.buffers()):
                dist.broadcast(t.data, src=0)

    def _restore(self, st: TrainState, check_config: bool) -> None:
        saved = st.info.get("model_config")
        if check_config and saved and ModelConfig.from_dict(saved) != self.mc:
            raise CheckpointError(
                f"the training state in {self.out} was made with other model settings "
                f"(preset {saved.get('preset')}, {saved.get('clip_length')} samples at "
                f"{saved.get('sample_rate')} Hz{_classes_differ(ModelConfig.from_dict(saved), self.mc)}); "
                "choose another output folder or start fresh")
        try:
            _unwrap(self.G).load_state_dict(st.generator)
            _unwrap(self.D).load_state_dict(st.discriminator)
            self.G_ema.load_state_dict(st.generator_ema)
            self.opt_g.load_state_dict(st.opt_g)
            self.opt_d.load_state_dict(st.opt_d)
        except (RuntimeError, ValueError, KeyError) as exc:
            raise CheckpointError(f"the training state in {self.out} does not fit this model ({exc})") from None
        if self.dist.is_main:
            torch.set_rng_state(st.rng_torch)
            if self.device.type == "cuda" and st.rng_cuda:
                torch.cuda.set_rng_state(st.rng_cuda[0], self.device)
        self.step = st.step
        if self.ada is not None:
            self.ada.load(st.info.get("ada") or {"p": st.info.get("augment_p", self._fixed_p)})
        self.elapsed_before = float(st.info.get("elapsed_s", 0.0))
        self.history = st.info.get("history", [])

    # ---- checkpoints --------------------------------------------------------------------
    def _state(self, elapsed: float) -> TrainState:
        cuda = [torch.cuda.get_rng_state(self.device)] if self.device.type == "cuda" else []
        return TrainState(
            step=self.step, generator=_unwrap(self.G).state_dict(), generator_ema=self.G_ema.state_dict(),
            discriminator=_unwrap(self.D).state_dict(), opt_g=self.opt_g.state_dict(),
            opt_d=self.opt_d.state_dict(), rng_torch=torch.get_rng_state(), rng_cuda=cuda,
            info={"model_config": self.mc.to_dict(), "train_config": self.tc.to_dict(),
                  "elapsed_s": elapsed, "history": self.history, "data": self.dataset.summary(),
                  "augment_p": self.augment_p, "ada": self.ada.state() if self.ada else None})

    def save_checkpoint(self, elapsed: float) -> None:
        """Write the training state, then the exported EMA generator (rank 0 only)."""
        if not self.dist.is_main:
            return
        save_state(self.out, self._state(elapsed))
        training = self._export_model(elapsed)
        if self.tc.keep_every and self.step and self.step % self.tc.keep_every == 0:   # step 0 is noise
            save_snapshot(self.out / SNAPSHOTS, self.step, self.G_ema, self.mc, self.dataset.summary(), training)

    def _export_model(self, elapsed: float) -> dict:
        training = {"step": self.step, "preset": self.mc.preset, "loss": self.tc.loss,
                    "elapsed_s": round(elapsed, 1), "augment_p": round(self.augment_p, 4),
                    "precision": str(self.amp_dtype or torch.float32).removeprefix("torch.")}
        save_model(self.out, self.G_ema, self.mc, self.dataset.summary(), training)
        return training

    def _rollback(self, losses: dict[str, float]) -> None:
        self.rollbacks += 1
        if self.rollbacks > self.tc.max_rollbacks:
            raise TrainingDiverged(f"training diverged {self.rollbacks} times (last losses {losses}); "
                                   "try a lower learning rate or another loss")
        dist_util.barrier(self.dist)
        # the clock runs on: the restored state's own elapsed time would count this run twice
        elapsed_before = self.elapsed_before
        self._restore(load_state(self.out), check_config=False)
        self.elapsed_before = elapsed_before
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] *= 0.5
        # A different random path, so the same batch sequence does not diverge again.
        torch.manual_seed(self.tc.seed + 7919 * self.dist.rank + 104729 * self.rollbacks + self.step)

    # ---- one step -----------------------------------------------------------------------
    # ---- the loop -----------------------------------------------------------------------
    def _emit(self, event: str, elapsed: float, rate: float, losses: dict[str, float], msg: str = "") -> None:
        if not (self.progress_fn and self.dist.is_main):
            return
        tc = self.tc
        max_steps = tc.max_steps or None
        eta = None
        if max_steps and rate > 0:
            eta = max(0.0, (max_steps - self.step) / rate)
        if tc.max_minutes:
            # the time limit counts this run only; ``elapsed`` includes the runs before a resume
            left = max(0.0, tc.max_minutes * 60 - getattr(self, "_active", 0.0))
            eta = left if eta is None else min(eta, left)
        self.progress_fn(Progress(event, self.step, max_steps, elapsed, rate, eta, losses, msg))

    def _should_stop(self) -> bool:
        local = self.control.stopped or bool(self.abort_fn and self.abort_fn())
        return dist_util.any_flag(self.dist, local, self.device)

    def _wait_while_paused(self) -> None:
        announced = False
        while self.control.paused and not self._should_stop():
            if not announced:
                self._emit("paused", self.elapsed_before + self._active, 0.0, {}, "paused")
                announced = True
            self._snapshot(due=False)
            time.sleep(0.05)

    def _snapshot(self, due: bool) -> None:
        """Hand ``snapshot_fn`` a frozen EMA copy when one is ``due`` or was asked for (Hear now)."""
        wanted = self.control.take_hear_request()
        if self.snapshot_fn and self.dist.is_main and (due or wanted):
            self.snapshot_fn(frozen_copy(self.G_ema), self.step)

    def _report_quality(self, rate: float, losses: dict[str, float]) -> None:
        """The plain-language quality line (:mod:`.quality`), on the main rank, with the loss line."""
        if not (self.dist.is_main and self.progress_fn):
            return
        if self._quality is None:            # built at the first report: short runs never pay for it
            self._quality = QualityProbe(self.dataset.clips, self.dataset.settings.sample_rate, self.tc.seed)
        if self._quality.ready:
            ratio, text = self._quality.line(self.G_ema)
            log.info("step %d: %s", self.step, text)
            self._emit("quality", self.elapsed_before + self._active, rate, losses, text)

    def _record(self, losses: dict[str, float]) -> None:
        if self.step % 10 == 0 or not self.history:
            self.history.append([self.step, losses])
            if len(self.history) > HISTORY_MAX:
                self.history = self.history[::2]

    def _prepare_run(self) -> None:
        """Build the models (restoring a checkpoint), and make the files on disk whole again
        before the first step (every rank has read any state before rank 0 writes)."""
        if self.dist.is_main and self.out.is_dir():
            # what a killed run left: temp files of atomic writes, half-written numbered snapshots
            remove_stale_temp_files(self.out)
            clean_snapshots(self.out / SNAPSHOTS)
        self._build()
        dist_util.barrier(self.dist)
        if not self.restored:
            self.save_checkpoint(0.0)  # the first "last good checkpoint" to roll back to
        elif self.dist.is_main:
            # the training state is one atomic file, the model two: a process killed between the
            # model's two writes leaves them torn, so export the model again from the state;
            # a kill between the state and its numbered snapshot would lose that snapshot
            training = self._export_model(self.elapsed_before)
            if self.tc.keep_every and self.step and self.step % self.tc.keep_every == 0 and \
                    not snapshot_dir(self.out / SNAPSHOTS, self.step).exists():
                save_snapshot(self.out / SNAPSHOTS, self.step, self.G_ema, self.mc, self.dataset.summary(), training)
        dist_util.barrier(self.dist)

    def _limit_reached(self) -> bool:
        tc = self.tc
        return bool((tc.max_steps and self.step >= tc.max_steps)
                    or (tc.max_minutes and self._active >= tc.max_minutes * 60))

    def _guarded_step(self, rate: float) -> dict[str, float] | None:
        """One training step's losses, or None when they came out non-finite or exploded and the
        run was rolled back to its last checkpoint (on every rank)."""
        losses = {k: float(v.detach()) for k, v in self._train_step().items()}
        # Penalties may legitimately be large; the adversarial terms may not.
        bad = any(not math.isfinite(v) for v in losses.values()) or any(
            abs(losses.get(k, 0.0)) > self.tc.divergence_limit for k in ("d/adv", "g/loss"))
        if not dist_util.any_flag(self.dist, bad, self.device):
            return losses
        log.warning("step %d: losses non-finite or exploded (%s); rolling back", self.step, losses)
        self._rollback(losses)
        self._emit("rollback", self.elapsed_before + self._active, rate, losses,
                   f"losses became non-finite or exploded; rolled back to step {self.step} "
                   f"and halved the learning rates (rollback {self.rollbacks})")
        return None

    def _after_step(self, rate: float, losses: dict[str, float]) -> None:
        """Record and report the step; hand out a snapshot, the quality line and a checkpoint when due."""
        tc = self.tc
        self._record(losses)
        self._emit("step", self.elapsed_before + self._active, rate, losses)
        self._snapshot(due=self.step % max(1, tc.snapshot_every) == 0)
        if tc.quality_every and self.step % tc.quality_every == 0:
            self._report_quality(rate, losses)
        last_t, last_step = self._last_ckpt
        if self.step - last_step >= tc.checkpoint_every or time.monotonic() - last_t >= tc.checkpoint_minutes * 60:
            self.save_checkpoint(self.elapsed_before + self._active)
            self._last_ckpt = (time.monotonic(), self.step)
            self._emit("checkpoint", self.elapsed_before + self._active, rate, losses, f"saved step {self.step}")

    def run(self) -> TrainResult:
        """Train until a limit is reached or the user stops; always ends with a checkpoint."""
        self._prepare_run()
        start_step = self.step
        self._active = 0.0
        run_start = time.monotonic()
        self._last_ckpt = (time.monotonic(), self.step)
        rate, losses, stopped = 0.0, {}, False
        precision = "bfloat16 mixed precision" if self.amp_dtype is not None else "float32"
        self._emit("start", self.elapsed_before, 0.0, {}, f"training on {self.device} in {precision}")
        while not self._limit_reached():
            if self._should_stop():
                stopped = True
                break
            if self.control.paused:
                t_pause = time.monotonic()
                self._wait_while_paused()
                run_start += time.monotonic() - t_pause
                continue
            t0 = time.monotonic()
            step_losses = self._guarded_step(rate)
            if step_losses is None:
                continue
            losses = step_losses
            self.step += 1
            dt = time.monotonic() - t0
            rate = 1.0 / dt if rate == 0 else 0.9 * rate + 0.1 / max(dt, 1e-9)
            self._active = time.monotonic() - run_start
            self._after_step(rate, losses)
        return self._finish(start_step, rate, losses, stopped)

    def _finish(self, start_step: int, rate: float, losses: dict[str, float], stopped: bool) -> TrainResult:
        """The last checkpoint (unless this step has one), the done report and the final snapshot."""
        elapsed = self.elapsed_before + self._active
        if self.step != self._last_ckpt[1] or self.step == start_step:
            self.save_checkpoint(elapsed)
        dist_util.barrier(self.dist)
        self._emit("done", elapsed, rate, losses, "stopped" if stopped else "finished")
        log.info("training %s at step %d after %.0f s; model in %s", "stopped" if stopped else "finished",
                 self.step, elapsed, self.out)
        if self.snapshot_fn and self.dist.is_main:
            self.snapshot_fn(frozen_copy(self.G_ema), self.step)
        return TrainResult(self.step, elapsed, self.out, stopped, self.rollbacks, losses)


def frozen_copy(generator: torch.nn.Module) -> Generator:
    """A CPU copy of ``generator`` in eval mode without gradients: safe to hand to another thread."""
    return copy.deepcopy(_unwrap(generator)).to("cpu").eval().requires_grad_(False)


def train(dataset: Dataset, out_dir: str | Path, preset_name: str = "tiny", **kwargs) -> TrainResult:
    """Convenience: train preset ``preset_name`` on ``dataset``; ``kwargs`` override its recipe."""
    tc = recipe(preset_name, **kwargs)
    mc = model_config_for(dataset, preset_name, tc.conditional)
    return Trainer(dataset, out_dir, mc, tc).run()
