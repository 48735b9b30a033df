"""Run a :class:`Trainer` in its own process, so training never competes with the audio callback
for the Python interpreter lock. Progress and generator snapshots come back through queues;
snapshots travel as plain CPU state dicts and are rebuilt into frozen generators here.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
from pathlib import Path
from typing import Callable

import torch

from ..data import Dataset
from ..models import Generator, ModelConfig
from .config import TrainConfig
from .loop import Progress, TrainControl, Trainer
from .threads import training_threads


def _child(dataset: Dataset, out_dir: str, mc: ModelConfig, tc: TrainConfig, resume: bool,
           events: mp.Queue, snapshots: mp.Queue, stop_flag, pause_flag, threads: int,
           nice: int) -> None:
    if nice and hasattr(os, "nice"):
        # the scheduler then serves the audio thread, the sound server and the GUI first; training
        # still gets every cycle they leave
        os.nice(nice)
    torch.set_num_threads(threads or training_threads())
    control = TrainControl()

    def progress(p: Progress) -> None:
        try:
            events.put_nowait(("progress", p))
        except queue.Full:
            pass    # the UI is behind: drop this one, the next step reports again

    def poll_flags() -> bool:
        # polled every step and while paused, so the parent's buttons act at once
        if pause_flag.is_set() != control.paused:
            control.pause() if pause_flag.is_set() else control.resume()
        return stop_flag.is_set()

    def snapshot(g, step: int) -> None:
        # numpy arrays pickle by value; torch tensors would travel as shared-memory handles that
        # die with the child
        state = {k: v.detach().cpu().numpy().copy() for k, v in g.state_dict().items()}
        try:
            snapshots.get_nowait()          # keep only the newest snapshot
        except queue.Empty:
            pass
        try:
            snapshots.put_nowait((step, state))
        except queue.Full:
            pass
    try:
        result = Trainer(dataset, out_dir, mc, tc, resume=resume, progress_fn=progress,
                         abort_fn=poll_flags,
                         snapshot_fn=snapshot, control=control).run()
        events.put(("done", result.step))
    except Exception as exc:  # reported to the parent as text: tracebacks don't pickle reliably
        events.put(("error", f"{type(exc).__name__}: {exc}"))


class TrainerProcess:
    """Train in a child process; ``progress_fn`` and ``snapshot_fn(generator, step)`` are called
    from a listener thread in this process."""

    def __init__(self, dataset: Dataset, out_dir: str | Path, mc: ModelConfig, tc: TrainConfig, *,
                 resume: bool = True, progress_fn: Callable[[Progress], None] | None = None,
                 snapshot_fn: Callable[[Generator, int], None] | None = None, threads: int = 0,
                 nice: int = 10):
        ctx = mp.get_context("spawn")
        self._events, self._snapshots = ctx.Queue(maxsize=64), ctx.Queue(maxsize=1)
        self._stop, self._pause = ctx.Event(), ctx.Event()
        self.mc = mc
        self.progress_fn, self.snapshot_fn = progress_fn, snapshot_fn
        self.error: str | None = None
        self.final_step: int | None = None
        self._proc = ctx.Process(target=_child, daemon=True, args=(
            dataset, str(out_dir), mc, tc, resume, self._events, self._snapshots, self._stop, self._pause, threads, nice))
        self._listener = threading.Thread(target=self._listen, daemon=True)

    def start(self) -> None:
        self._proc.start()
        self._listener.start()

    def stop(self) -> None:
        """Ask the child to stop after its current step (it saves a checkpoint)."""
        self._stop.set()
        self._pause.clear()

    def pause(self) -> None:
        self._pause.set()

    def resume(self) -> None:
        self._pause.clear()

    @property
    def running(self) -> bool:
        return self._proc.is_alive() or self._listener.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._listener.join(timeout)
        self._proc.join(timeout)

    def _listen(self) -> None:
        while True:
            try:
                kind, payload = self._events.get(timeout=0.05)
            except queue.Empty:
                self._deliver_snapshot()
                if not self._proc.is_alive() and self._events.empty():
                    if self.final_step is None and self.error is None:
                        self.error = f"the training process exited with code {self._proc.exitcode}"
                    return
                continue
            self._deliver_snapshot()
            if kind == "progress":
                if self.progress_fn:
                    self.progress_fn(payload)
                continue
            if kind == "done":
                self.final_step = payload
            else:
                self.error = payload
            self._deliver_snapshot()
            return

    def _deliver_snapshot(self) -> None:
        try:
            step, state = self._snapshots.get_nowait()
        except queue.Empty:
            return
        if self.snapshot_fn:
            g = Generator(self.mc)
            g.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
            self.snapshot_fn(g.eval().requires_grad_(False), step)
