"""The training loop the side models share (the bandwidth extender, the converter): the habits of
the generator's trainer (:mod:`.loop`) in one place. An EMA copy of ``G`` is what gets exported;
the state is one atomic safetensors file (:mod:`.checkpoint`) and a run resumes from it; a
non-finite loss rolls back to the last checkpoint with halved learning rates; hooks report
progress and hand frozen snapshots to whoever plays them; under ``torchrun`` the networks are
wrapped in PyTorch's DDP, every rank trains on its own batches and only rank 0 writes.

A subclass sets ``what`` (for messages) and provides :meth:`build_nets` (G and D modules),
:meth:`config_info` (the settings a checkpoint must match), :meth:`train_step` and
:meth:`export` (writes the model file beside the checkpoint).
"""
from __future__ import annotations

import copy
import logging
import math
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch

from ..fileio import remove_stale_temp_files
from . import distributed as dist
from .checkpoint import CheckpointError, TrainState, load_state, save_state
from .control import Progress, TrainControl, TrainingDiverged, TrainResult, resolve_device

log = logging.getLogger(__name__)


@dataclass
class StepTrainConfig:
    """What :class:`StepTrainer` itself reads (besides ``lr``, ``beta1`` and ``beta2``, which each
    side model sets); each side model's settings add their own."""

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


class StepTrainer:
    what = "model"

    def __init__(self, out_dir: str | Path, tc, *, resume: bool = True,
                 progress_fn: Callable[[Progress], None] | None = None,
                 abort_fn: Callable[[], bool] | None = None,
                 snapshot_fn: Callable[[torch.nn.Module, int], None] | None = None,
                 control: TrainControl | None = None, data_summary: dict | None = None):
        self.tc = tc
        self.out = Path(out_dir)
        self.progress_fn, self.abort_fn, self.snapshot_fn = progress_fn, abort_fn, snapshot_fn
        self.control = control or TrainControl()
        self.resume = resume
        self.device = resolve_device(tc.device)
        self.dist = dist.init_from_env(self.device.type)
        if self.dist.enabled and self.device.type == "cuda":
            self.device = torch.device("cuda", self.dist.local_rank)
        self.data_summary = data_summary or {}
        self.step, self.elapsed_before, self.rollbacks = 0, 0.0, 0
        self.history: list = []

    # ---- what a subclass provides --------------------------------------------------------
    def build_nets(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        raise NotImplementedError

    def config_info(self) -> dict:
        raise NotImplementedError

    def train_step(self, elapsed: float) -> dict[str, float]:
        raise NotImplementedError

    def export(self, elapsed: float) -> None:
        raise NotImplementedError

    # ---- state --------------------------------------------------------------------------
    def _build(self) -> None:
        torch.manual_seed(self.tc.seed + 7919 * self.dist.rank)
        self.G, self.D = (m.to(self.device) for m in self.build_nets())
        self.G_ema = copy.deepcopy(self.G).requires_grad_(False)
        betas = (self.tc.beta1, self.tc.beta2)
        self.opt_g = torch.optim.AdamW(self.G.parameters(), self.tc.lr, betas)
        self.opt_d = torch.optim.AdamW(self.D.parameters(), self.tc.lr, betas)
        self.restored = False
        if self.resume and (self.out / "train_state.safetensors").exists():
            self._restore(load_state(self.out))
            self.restored = True
        self.G_train, self.D_train = self.G, self.D
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel as DDP
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.G_train = DDP(self.G, device_ids=ids)
            self.D_train = DDP(self.D, device_ids=ids, find_unused_parameters=self.critics_partly_unused())

    def critics_partly_unused(self) -> bool:
        """True when a step leaves some of D's parameters out of its loss (DDP must then look
        for them each step, or it waits for their gradients forever)."""
        return False

    def _restore(self, st: TrainState) -> None:
        for key, value in self.config_info().items():
            if st.info.get(key) != value:
                raise CheckpointError(f"{self.out} holds a {self.what} trained with other settings; "
                                      "start fresh or pick another folder")
        self.G.load_state_dict(st.generator)
        self.G_ema.load_state_dict(st.generator_ema)
        self.D.load_state_dict(st.discriminator)
        self.opt_g.load_state_dict(st.opt_g)
        self.opt_d.load_state_dict(st.opt_d)
        if not self.dist.enabled:
            torch.set_rng_state(st.rng_torch)
        self.step = st.step
        self.elapsed_before = float(st.info.get("elapsed_s", 0.0))
        self.history = list(st.info.get("history", []))

    def save_checkpoint(self, elapsed: float) -> None:
        if not self.dist.is_main:
            return
        save_state(self.out, TrainState(
            step=self.step, generator=self.G.state_dict(), generator_ema=self.G_ema.state_dict(),
            discriminator=self.D.state_dict(), opt_g=self.opt_g.state_dict(), opt_d=self.opt_d.state_dict(),
            rng_torch=torch.get_rng_state(),
            info={**self.config_info(), "train_config": self.tc.to_dict(), "elapsed_s": elapsed,
                  "history": self.history[-500:], "data": self.data_summary}))
        self.export(elapsed)

    @contextmanager
    def critics_frozen(self):
        """The generator's loss through the unwrapped D with its weights frozen: no gradient
        reaches D (whose step is done), so under DDP no unsynchronised one is left behind."""
        self.D.requires_grad_(False)
        try:
            yield
        finally:
            self.D.requires_grad_(True)

    def update_ema(self) -> None:
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
                pe.lerp_(p, 1 - self.tc.ema)

    # ---- the loop -------------------------------------------------------------------------
    def _rollback(self, losses: dict) -> None:
        self.rollbacks += 1
        if self.rollbacks > self.tc.max_rollbacks:
            raise TrainingDiverged(f"{self.what} training diverged {self.rollbacks} times (last losses {losses})")
        dist.barrier(self.dist)                 # rank 0's checkpoint is the one every rank reads
        before = self.elapsed_before
        self._restore(load_state(self.out))
        self.elapsed_before = before
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] *= 0.5
        torch.manual_seed(self.tc.seed + 104729 * self.rollbacks + self.step)

    def _emit(self, event: str, elapsed: float, rate: float, losses: dict, msg: str = "") -> None:
        if self.progress_fn and self.dist.is_main:
            left = (self.tc.max_steps - self.step) / rate if self.tc.max_steps and rate > 0 else None
            self.progress_fn(Progress(event, self.step, self.tc.max_steps or None, elapsed, rate, left, losses, msg))

    def frozen(self) -> torch.nn.Module:
        return copy.deepcopy(self.G_ema).to("cpu").eval().requires_grad_(False)

    def _after_step(self, start: float, last_ckpt: float, rate: float, losses: dict) -> bool:
        """Record and report the step, hand out a snapshot when due; True when it also saved a
        checkpoint (every ``checkpoint_minutes``, as rank 0 decides for every rank)."""
        tc = self.tc
        if self.step % 10 == 0:
            self.history.append([self.step, losses])
        self._emit("step", self.elapsed_before + time.monotonic() - start, rate, losses)
        if self.snapshot_fn and self.dist.is_main and self.step % max(1, tc.snapshot_every) == 0:
            self.snapshot_fn(self.frozen(), self.step)
        due = time.monotonic() - last_ckpt >= tc.checkpoint_minutes * 60
        if not dist.any_flag(self.dist, due and self.dist.is_main, self.device):
            return False
        self.save_checkpoint(self.elapsed_before + time.monotonic() - start)
        self._emit("checkpoint", self.elapsed_before + time.monotonic() - start, rate, losses,
                   f"saved step {self.step}")
        return True

    def _should_stop(self, active: float) -> tuple[bool, bool]:
        """(end the run, because it was stopped); every rank ends on the same step."""
        tc = self.tc
        budget = bool((tc.max_steps and self.step >= tc.max_steps) or (tc.max_minutes and active >= tc.max_minutes * 60))
        stop = self.control.stopped or bool(self.abort_fn and self.abort_fn())
        budget = dist.any_flag(self.dist, budget, self.device)
        stop = dist.any_flag(self.dist, stop, self.device)
        return budget or stop, stop and not budget

    def run(self) -> TrainResult:
        """Train until ``max_steps`` / ``max_minutes`` or a stop; always ends with a checkpoint."""
        if self.out.is_dir() and self.dist.is_main:
            remove_stale_temp_files(self.out)
        self._build()
        if not self.restored:
            self.save_checkpoint(0.0)
        start = time.monotonic()
        last_ckpt, rate, losses, stopped = start, 0.0, {}, False
        self._emit("start", self.elapsed_before, 0.0, {}, f"training the {self.what} on {self.device}")
        while True:
            active = time.monotonic() - start
            end, stopped = self._should_stop(active)
            if end:
                break
            if self.control.paused and not self.dist.enabled:
                t = time.monotonic()
                while self.control.paused and not self.control.stopped:
                    if self.abort_fn and self.abort_fn():      # also how a child hears "resume"
                        self.control.stop()
                    time.sleep(0.05)
                start += time.monotonic() - t
                continue
            t0 = time.monotonic()
            losses = self.train_step(self.elapsed_before + active)
            bad = not all(math.isfinite(v) for v in losses.values())
            if dist.any_flag(self.dist, bad, self.device):
                log.warning("%s step %d: non-finite losses %s; rolling back", self.what, self.step, losses)
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
        if self.snapshot_fn and self.dist.is_main:
            self.snapshot_fn(self.frozen(), self.step)
        dist.barrier(self.dist)
        return TrainResult(self.step, elapsed, self.out, stopped, self.rollbacks, losses)
