"""What the training loop reports and how it is steered, shared by the generator's and the
extender's trainers: progress events, the result, pause / resume / stop / hear-it-now, and the
device a run uses."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import torch


@dataclass
class Progress:
    """What the loop reports. ``event`` is one of start, step, checkpoint, rollback, paused,
    quality (``message`` is the plain-language quality line), done."""

    event: str
    step: int
    max_steps: int | None
    elapsed_s: float
    steps_per_s: float
    eta_s: float | None
    losses: dict[str, float] = field(default_factory=dict)
    message: str = ""


@dataclass
class TrainResult:
    step: int
    elapsed_s: float
    out_dir: Path
    stopped: bool          # stopped by the user / abort_fn rather than by a limit
    rollbacks: int
    losses: dict[str, float]


class TrainingDiverged(RuntimeError):
    """Training kept producing NaN / exploding losses after ``max_rollbacks`` rollbacks."""


class TrainControl:
    """Thread-safe pause / resume / stop / hear-it-now for a running loop (the UI's buttons call
    these)."""

    def __init__(self) -> None:
        self._paused = threading.Event()
        self._stopped = threading.Event()
        self._hear = threading.Event()

    def hear_now(self) -> None:
        """Ask for a snapshot at the next step (or at once while paused), not only every N steps."""
        self._hear.set()

    def take_hear_request(self) -> bool:
        """True once per :meth:`hear_now`."""
        if self._hear.is_set():
            self._hear.clear()
            return True
        return False

    def pause(self) -> None:
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    def stop(self) -> None:
        self._stopped.set()
        self._paused.clear()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """"auto" is CUDA (this process's local rank) when present, else the CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(name)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("CUDA was requested but no CUDA device is available")
        if dev.index is None:
            dev = torch.device("cuda", local_rank)
    return dev
