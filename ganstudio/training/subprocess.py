"""Run a :class:`Trainer` in its own process, so training never competes with the audio callback
for the Python interpreter lock. Progress and generator snapshots come back through queues;
snapshots travel as plain CPU state dicts and are rebuilt into frozen generators here.

Hand-offs are drained to the end: a queue's feeder thread in the child can't finish (and so the
child can't exit) until the parent has read what it wrote, so the parent keeps reading until the
child is gone. The child never outlives the parent: it asks the kernel for SIGTERM when the parent
dies (Linux) and also watches its parent id, then stops after the current step with a checkpoint.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..data import Dataset
from ..models import Generator, ModelConfig
from .config import TrainConfig
from .control import Progress, TrainControl
from .loop import Trainer
from ..procs import watch_parent
from .threads import training_threads

log = logging.getLogger(__name__)
EXIT_GRACE_S = 60.0     # after its last word, the child has this long to flush and exit


_SIGNALLED = [False]
# an extender snapshot's kind names what its net reads (a resumed run of an older extender keeps
# reading absolute log-magnitudes), so the window rebuilds the net the child trains
EXTENDER_KINDS = {"extender": "relative", "extender-absolute": "absolute"}


def extender_kind(cfg) -> str:
    return next(k for k, v in EXTENDER_KINDS.items() if v == cfg.features)


def _die_with_parent(parent_pid: int, on_orphaned: Callable[[], None]) -> None:
    """Call ``on_orphaned`` once the parent process is gone (:func:`ganstudio.procs.watch_parent`).
    The SIGTERM the kernel sends then only sets a flag that the training loop polls: a handler
    runs between two bytecodes of the main thread, which may hold the very lock (an Event's, a
    queue's) that stopping would take."""
    def orphaned(*_args) -> None:
        _SIGNALLED[0] = True
    signal.signal(signal.SIGTERM, orphaned)
    # Ctrl-C in a terminal reaches the whole process group; the window stops training (with its
    # checkpoint) when it quits, and a KeyboardInterrupt here would end it without one
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent_pid, on_orphaned)


def _train_extender(hifi: dict, out_dir: str, resume: bool, progress, poll_flags, snapshot, control):
    """After the generator: the model's own bandwidth extender, on the same folder at full rate."""
    from ..models.extender import ExtenderConfig
    from ..models.extender_file import SUBFOLDER
    from .extender_train import ExtenderTrainConfig, ExtenderTrainer, extender_clips, import_full_rate
    rate = int(hifi.get("rate", 48000))
    data = import_full_rate(hifi["folder"], rate)
    clips = extender_clips(data)
    tc = ExtenderTrainConfig(max_minutes=float(hifi.get("minutes", 0.0)), max_steps=int(hifi.get("steps", 0)),
                             snapshot_every=int(hifi.get("snapshot_every", 100)))

    def tagged(p: Progress) -> None:
        p.losses = {f"hifi {k}": v for k, v in p.losses.items()}
        p.message = f"extender: {p.message}" if p.message else "extender"
        progress(p)
    return ExtenderTrainer(clips, Path(out_dir) / SUBFOLDER, ExtenderConfig(sample_rate=rate), tc,
                           resume=resume, progress_fn=tagged, abort_fn=poll_flags,
                           snapshot_fn=lambda net, step: snapshot(net, step, extender_kind(net.cfg)), control=control,
                           data_summary=data.summary()).run()


class _ChildLink:
    """The child's side of the hand-offs to the window: progress and snapshot queues (newest
    wins, never blocking), the stop / pause / hear flags, and what happens once the parent is gone."""

    def __init__(self, events: mp.Queue, snapshots: mp.Queue, stop_flag, pause_flag, hear_flag,
                 control: TrainControl):
        self.events, self.snapshots = events, snapshots
        self.stop_flag, self.pause_flag, self.hear_flag = stop_flag, pause_flag, hear_flag
        self.control = control
        self.orphan = threading.Event()

    def on_orphaned(self) -> None:
        # nobody reads the queues any more: don't let exit wait on flushing them
        if self.orphan.is_set():
            return
        self.orphan.set()
        self.stop_flag.set()
        self.events.cancel_join_thread()
        self.snapshots.cancel_join_thread()

    def progress(self, p: Progress) -> None:
        try:
            self.events.put_nowait(("progress", p))
        except queue.Full:
            pass    # the UI is behind: drop this one, the next step reports again

    def poll_flags(self) -> bool:
        # polled every step and while paused, so the parent's buttons act at once
        control, orphan = self.control, self.orphan
        if _SIGNALLED[0] and not orphan.is_set():
            self.on_orphaned()
        if self.pause_flag.is_set() != control.paused and not orphan.is_set():
            control.pause() if self.pause_flag.is_set() else control.resume()
        if self.hear_flag is not None and self.hear_flag.is_set():
            self.hear_flag.clear()
            control.hear_now()
        return self.stop_flag.is_set()

    def snapshot(self, g, step: int, kind: str = "generator") -> None:
        if self.orphan.is_set():
            return
        # numpy arrays pickle by value; torch tensors would travel as shared-memory handles that
        # die with the child
        state = {k: v.detach().cpu().numpy().copy() for k, v in g.state_dict().items()}
        try:
            self.snapshots.get_nowait()          # keep only the newest snapshot
        except queue.Empty:
            pass
        try:
            # a generator's classes may have been found here (kinds): the parent builds it with them
            names = tuple(g.cfg.class_names) if kind == "generator" else ()
            self.snapshots.put_nowait((kind, step, state, names))
        except queue.Full:
            pass


def _child_setup(events, snapshots, stop_flag, pause_flag, hear_flag, threads: int, nice: int,
                 parent_pid: int) -> tuple[TrainControl, _ChildLink]:
    """What every training child does first: lower its priority, set torch's threads, link the
    hand-offs and flags, and arrange to stop once the parent is gone."""
    if nice and hasattr(os, "nice"):
        # the scheduler then serves the audio thread, the sound server and the GUI first; training
        # still gets every cycle they leave
        os.nice(nice)
    torch.set_num_threads(threads or training_threads())
    control = TrainControl()
    link = _ChildLink(events, snapshots, stop_flag, pause_flag, hear_flag, control)
    _die_with_parent(parent_pid, link.on_orphaned)
    return control, link


def _child(dataset: Dataset, out_dir: str, mc: ModelConfig, tc: TrainConfig, resume: bool,
           events: mp.Queue, snapshots: mp.Queue, stop_flag, pause_flag, threads: int,
           nice: int, parent_pid: int, hifi: dict | None = None, hear_flag=None, kinds: int = 0) -> None:
    control, link = _child_setup(events, snapshots, stop_flag, pause_flag, hear_flag, threads, nice, parent_pid)
    try:
        if kinds and dataset.num_classes < 2:
            dataset, mc = _find_kinds(dataset, mc, kinds, link)
        result = Trainer(dataset, out_dir, mc, tc, resume=resume, progress_fn=link.progress,
                         abort_fn=link.poll_flags, snapshot_fn=link.snapshot, control=control).run()
        if hifi and not result.stopped:
            _train_extender(hifi, out_dir, resume, link.progress, link.poll_flags, link.snapshot, control)
        _last_word(events, link.orphan, ("done", result.step))
    except Exception as exc:  # reported to the parent as text: tracebacks don't pickle reliably
        _last_word(events, link.orphan, ("error", f"{type(exc).__name__}: {exc}"))


def _find_kinds(dataset: Dataset, mc: ModelConfig, kinds: int, link: "_ChildLink"):
    """Kinds of sound found here, in the child (seconds of work for hundreds of clips, which the
    window must not wait for); said to the parent as a progress message."""
    from ..data.kinds import kinds_for_training
    said = lambda text: link.progress(Progress("kinds", 0, None, 0.0, 0.0, None, message=text))  # noqa: E731
    said(f"finding up to {kinds} kinds of sound in {len(dataset)} clips")
    dataset, mc = kinds_for_training(dataset, mc, kinds)
    if mc.num_classes:
        counts = ", ".join(str(int(c)) for c in np.bincount(dataset.labels, minlength=mc.num_classes))
        said(f"learning {mc.num_classes} kinds of sound ({counts} clips)")
    else:
        said(f"{len(dataset)} clips are too few to find kinds of sound in (8 a kind): training without classes")
    return dataset, mc


def _last_word(events, orphan: threading.Event, message: tuple) -> None:
    """The final message, unless nobody will read it: a full queue to a dead parent must not
    keep this process alive."""
    deadline = time.monotonic() + EXIT_GRACE_S
    while not orphan.is_set() and time.monotonic() < deadline:
        try:
            events.put(message, timeout=0.5)
            return
        except queue.Full:
            continue


class TrainerProcess:
    """Train in a child process; ``progress_fn``, ``snapshot_fn(generator, step)`` and
    ``extender_fn(extender, step)`` are called from a listener thread in this process.

    ``hifi`` ({"folder", "rate", "minutes" or "steps"}) also trains the model's own bandwidth
    extender after the generator, in the same child, into ``out_dir/extender``. ``kinds`` > 0
    finds up to that many kinds of sound in a folder without subfolders, in the child, and the
    model learns them as classes (:mod:`ganstudio.data.kinds`)."""

    def __init__(self, dataset: Dataset, out_dir: str | Path, mc: ModelConfig, tc: TrainConfig, *,
                 resume: bool = True, progress_fn: Callable[[Progress], None] | None = None,
                 snapshot_fn: Callable[[Generator, int], None] | None = None, threads: int = 0,
                 nice: int = 10, hifi: dict | None = None, extender_fn: Callable | None = None,
                 kinds: int = 0):
        self.mc = mc
        self.extender_fn = extender_fn
        self.hifi_rate = int((hifi or {}).get("rate", 48000))
        self._setup(progress_fn, snapshot_fn, _child, lambda: (
            dataset, str(out_dir), mc, tc, resume, self._events, self._snapshots, self._stop, self._pause,
            threads, nice, os.getpid(), hifi, self._hear, kinds))

    def _setup(self, progress_fn, snapshot_fn, target, args) -> None:
        """The queues, flags, child process (``target(*args())``) and listener thread."""
        ctx = mp.get_context("spawn")
        self._events, self._snapshots = ctx.Queue(maxsize=64), ctx.Queue(maxsize=1)
        self._stop, self._pause, self._hear = ctx.Event(), ctx.Event(), ctx.Event()
        self.progress_fn, self.snapshot_fn = progress_fn, snapshot_fn
        self.error: str | None = None
        self.final_step: int | None = None
        self._proc = ctx.Process(target=target, daemon=True, args=args())
        self._listener = threading.Thread(target=self._listen, name="trainer-listener", daemon=True)

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

    def hear_now(self) -> None:
        """Ask the child for a snapshot of the generator at its next step (or now, when paused)."""
        self._hear.set()

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc.is_alive() or self._listener.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the child to exit and its last messages to be read; True if both are done."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self._listener.join(timeout)
        self._proc.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not self.running

    def shutdown(self, timeout: float = 30.0) -> bool:
        """Stop, wait up to ``timeout`` s for the checkpoint and a clean exit, then kill the child
        if it has not gone. True if it exited by itself."""
        self.stop()
        clean = self.join(timeout)
        if self._proc.is_alive():
            log.warning("the training process did not exit within %.0f s; killing it", timeout)
            self._proc.kill()
            self._proc.join(5.0)
        self._listener.join(5.0)
        return clean

    def _listen(self) -> None:
        finished_at = None
        while True:
            try:
                kind, payload = self._events.get(timeout=0.05)
            except queue.Empty:
                kind = None
            except (EOFError, OSError):     # the child died mid-message
                kind = None
            self._deliver_snapshot()
            if kind == "progress":
                if self.progress_fn:
                    self.progress_fn(payload)
            elif kind == "done":
                self.final_step, finished_at = payload, time.monotonic()
            elif kind == "error":
                self.error, finished_at = payload, time.monotonic()
            if kind is None and not self._proc.is_alive():
                self._drain()
                if self.final_step is None and self.error is None:
                    self.error = f"the training process exited with code {self._proc.exitcode}"
                return
            if finished_at is not None and time.monotonic() - finished_at > EXIT_GRACE_S:
                log.warning("the training process has not exited %.0f s after it finished; killing it",
                            EXIT_GRACE_S)
                self._proc.kill()
                finished_at = None

    def _drain(self) -> None:
        """Read what is left in both queues once the child is gone."""
        while True:
            try:
                kind, payload = self._events.get_nowait()
            except (queue.Empty, EOFError, OSError):
                break
            if kind == "progress" and self.progress_fn:
                self.progress_fn(payload)
            elif kind == "done":
                self.final_step = payload
            elif kind == "error":
                self.error = payload
        self._deliver_snapshot()

    def _deliver_snapshot(self) -> None:
        try:
            kind, step, state, names = self._snapshots.get_nowait()
        except (queue.Empty, EOFError, OSError):
            return
        tensors = {k: torch.from_numpy(v) for k, v in state.items()}
        if kind == "generator" and self.snapshot_fn:
            if names != tuple(self.mc.class_names):
                self.mc = replace(self.mc, class_names=names)
            g = Generator(self.mc)
            g.load_state_dict(tensors)
            self.snapshot_fn(g.eval().requires_grad_(False), step)
        elif kind == "converter" and self.snapshot_fn:
            from ..models.converter import Converter
            net = Converter(self.converter_cfg)
            net.load_state_dict(tensors)
            self.snapshot_fn(net.eval().requires_grad_(False), step)
        elif kind in EXTENDER_KINDS and self.extender_fn:
            from ..models.extender import Extender, ExtenderConfig
            from ..models.extender_file import LoadedExtender
            cfg = ExtenderConfig(sample_rate=self.hifi_rate, features=EXTENDER_KINDS[kind])
            net = Extender(cfg)
            net.load_state_dict(tensors)
            self.extender_fn(LoadedExtender(net.eval().requires_grad_(False), cfg,
                                            {"weights_sha256": None, "snapshot_step": step}, Path("snapshot")), step)


def _convert_child(source: str, target: str, out_dir: str, cfg, tc, resume: bool, events: mp.Queue,
                   snapshots: mp.Queue, stop_flag, pause_flag, threads: int, nice: int, parent_pid: int,
                   hear_flag=None) -> None:
    """The converter's trainer in the child: imports both folders here (off the window's
    process), then trains as :class:`~.convert_train.ConvertTrainer` does from the command line."""
    control, link = _child_setup(events, snapshots, stop_flag, pause_flag, hear_flag, threads, nice, parent_pid)
    try:
        from ..data.recordings import import_recordings
        from .convert_train import ConvertTrainer
        a, b = import_recordings(source, cfg.sample_rate), import_recordings(target, cfg.sample_rate)
        result = ConvertTrainer(
            a.audio, b.audio, out_dir, cfg, tc, names=(Path(source).name, Path(target).name), resume=resume,
            progress_fn=link.progress, abort_fn=link.poll_flags,
            snapshot_fn=lambda net, step: link.snapshot(net, step, "converter"), control=control,
            data_summary={"source": a.summary(), "target": b.summary()}).run()
        _last_word(events, link.orphan, ("done", result.step))
    except Exception as exc:
        _last_word(events, link.orphan, ("error", f"{type(exc).__name__}: {exc}"))


class ConvertTrainerProcess(TrainerProcess):
    """Train a converter (``source`` and ``target`` folders of recordings) in a child process;
    ``snapshot_fn(converter, step)`` gets frozen :class:`~ganstudio.models.converter.Converter`
    snapshots that can be heard at once."""

    def __init__(self, source: str | Path, target: str | Path, out_dir: str | Path, tc, *, resume: bool = True,
                 progress_fn: Callable[[Progress], None] | None = None,
                 snapshot_fn: Callable | None = None, threads: int = 0, nice: int = 10, cfg=None):
        from ..models.converter import ConverterConfig
        self.extender_fn = None
        self.converter_cfg = cfg or ConverterConfig()      # what the child trains and its snapshots rebuild
        self._setup(progress_fn, snapshot_fn, _convert_child, lambda: (
            str(source), str(target), str(out_dir), self.converter_cfg, tc, resume, self._events, self._snapshots, self._stop,
            self._pause, threads, nice, os.getpid(), self._hear))
