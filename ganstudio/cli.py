"""``ganstudio`` command line: with no command it opens the studio window; ``train``, ``generate``,
``export``, ``info``, ``pack``, ``kit``, ``devices`` and ``selftest`` work headless.

Every argument is checked (type, range, finite) before work starts, and every failure ends as one
line naming the file, the field and what is allowed; the traceback goes to the log (and to the
terminal with ``--debug``)."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path

from . import cli_parser
from .cli_parser import EXIT_FAILED, EXIT_INTERRUPTED

log = logging.getLogger("ganstudio.cli")


def _is_main_rank() -> bool:
    return os.environ.get("RANK", "0") == "0"


def _print_skips(dataset, limit: int = 20) -> None:
    from .validate import printable
    if not dataset.skipped:
        return
    print(f"skipped {len(dataset.skipped)} file(s):", file=sys.stderr)
    for s in dataset.skipped[:limit]:
        print(f"  {printable(s.path)}: {s.reason}", file=sys.stderr)
    if len(dataset.skipped) > limit:
        print(f"  ... and {len(dataset.skipped) - limit} more", file=sys.stderr)


def _stop_on_sigint(control) -> None:
    """The first Ctrl-C stops training after the current step with a checkpoint; a second aborts."""
    def on_sigint(signum, frame):
        if control.stopped:
            raise KeyboardInterrupt
        print("\nstopping after this step and saving a checkpoint (Ctrl-C again to abort)", file=sys.stderr)
        control.stop()

    signal.signal(signal.SIGINT, on_sigint)


def step_lines(detail, events=("start", "rollback", "done"), say=print):
    """A progress function for the side trainers (extender, converter): one line, ``step N, M
    min`` + ``detail(losses)`` + the message, on ``events`` and at most every 10 s otherwise."""
    last = [0.0]

    def progress(p) -> None:
        if p.event in events or p.elapsed_s - last[0] >= 10:
            last[0] = p.elapsed_s
            say(f"step {p.step}, {p.elapsed_s / 60:.1f} min" + detail(p.losses)
                + (f": {p.message}" if p.message else ""), flush=True)
    return progress


def _train_bar(preset: str, max_steps: int, main: bool):
    """A progress function for the trainer drawing a tqdm bar (steps, losses, steps/s, ETA) on
    the main rank, and writing rollbacks and the quality line under it."""
    from tqdm import tqdm
    bar = None

    def progress(p) -> None:
        nonlocal bar
        if p.event == "start":
            bar = tqdm(total=max_steps or None, initial=p.step, unit="step", dynamic_ncols=True, disable=not main,
                       desc=f"{preset} on {p.message.rsplit(' ', 1)[-1]}")
            return
        if bar is None:
            return
        if p.event == "step":
            bar.update(p.step - bar.n)
            post = {"D": f"{p.losses.get('d/loss', 0):.3f}", "G": f"{p.losses.get('g/loss', 0):.3f}",
                    "it/s": f"{p.steps_per_s:.2f}"}
            if p.eta_s is not None:
                post["eta"] = f"{p.eta_s / 60:.1f}min"
            bar.set_postfix(post, refresh=False)
        elif p.event in ("rollback", "quality"):
            bar.write(f"step {p.step}: {p.message}" if p.event == "quality" else p.message)
        elif p.event == "done":
            bar.close()
    return progress


def _train_recipe(a: argparse.Namespace, main: bool, dataset):
    """The training config ``train``'s arguments ask for (the preset's recipe with overrides) and
    the model settings it shares with the model it starts from (:func:`starting_point`)."""
    from .library.base_model import starting_point
    from .training import recipe
    from .training.extender_train import HIFI_SHARE
    overrides = {k: v for k, v in {"loss": a.loss, "batch_size": a.batch, "seed": a.seed,
                                   "device": a.device, "checkpoint_every": a.checkpoint_every,
                                   "keep_every": a.keep_every, "precision": a.precision,
                                   "class_balance": a.class_balance, "mel_match": a.mel_match,
                                   "mel_form": a.mel_form, "decay_loss": a.decay_loss}.items()
                 if v is not None}
    minutes = a.minutes or 0.0
    if a.hifi and minutes:
        minutes *= 1 - HIFI_SHARE      # the rest of the budget trains the extender afterwards
    profile = dataset.profile
    init_from, shared = starting_point(a.preset, a.start, profile["kind"], None if a.fresh else a.out)
    tc = recipe(a.preset, max_steps=a.steps or 0, max_minutes=minutes, conditional=a.conditional,
                init_from=init_from, **overrides)
    if main and tc.init_from and not (Path(a.out) / "train_state.safetensors").exists():
        why = (f" (a folder of {profile['kind']} sounds: loud for {profile['loud_seconds']:.2f} s)"
               if a.start == "base" else "")
        print(f"starting from {tc.init_from}{why}; --start scratch trains from nothing")
    if not tc.max_steps and not tc.max_minutes:
        print("note: no --steps or --minutes given; training runs until Ctrl-C", file=sys.stderr)
    return tc, shared


def _resume_as_begun(a: argparse.Namespace, dataset) -> None:
    """A run resumed without --conditional or --kinds learns the classes it began with (one
    started in the window, whose Learn classes box is on by default, has them), so that a plain
    ``train`` resumes it instead of refusing it for other model settings."""
    from .data.kinds import KIND_NAME
    from .models.modelfile import ModelFileError, read_model_config
    from .training.checkpoint import STATE_FILE
    if not (Path(a.out) / STATE_FILE).exists():
        return
    try:
        # every checkpoint writes the model (its config.json) right after the state, with the
        # same settings: read those, not the whole state the trainer is about to load
        names = read_model_config(a.out).class_names
    except ModelFileError:
        return                          # the trainer says what is wrong with the folder
    if len(names) < 2:
        return
    if dataset.num_classes < 2 and list(names) == [KIND_NAME.format(i + 1) for i in range(len(names))]:
        a.kinds = len(names)
    else:
        a.conditional = True
    if _is_main_rank():
        print(f"resuming with the {len(names)} classes it began with "
              f"({'--kinds ' + str(a.kinds) if a.kinds else '--conditional'})")


def cmd_train(a: argparse.Namespace) -> int:
    import torch

    from .data import ImportSettings, import_folder
    from .training import TrainControl, Trainer, model_config_for
    from .training.extender_train import HIFI_SHARE
    from .training.threads import training_threads
    torch.set_num_threads(a.threads or training_threads())
    length = a.length or (int(round(a.seconds * a.rate)) if a.seconds else 16384)
    main = _is_main_rank()
    dataset = import_folder(a.folder, ImportSettings(sample_rate=a.rate, clip_length=length),
                            cache_dir=False if a.no_cache else None)
    if not (a.conditional or a.kinds or a.fresh):
        _resume_as_begun(a, dataset)
    if a.kinds:
        from .data.kinds import with_kinds
        dataset = with_kinds(dataset, a.kinds)
        a.conditional = dataset.num_classes > 1
        if main and not a.conditional:
            print(f"{len(dataset)} clips are too few to find kinds of sound in (8 a kind): training without",
                  file=sys.stderr)
    if main:
        s = dataset.summary()
        print(f"imported {s['clips']} clips from {a.folder} ({s['sound_seconds']} s of sound, "
              f"{len(dataset.class_names)} class(es): {', '.join(dataset.class_names)})")
        _print_skips(dataset)
    tc, shared = _train_recipe(a, main, dataset)
    control = TrainControl()
    _stop_on_sigint(control)
    trainer = Trainer(dataset, a.out, model_config_for(dataset, a.preset, a.conditional, **shared), tc,
                      resume=not a.fresh,
                      progress_fn=_train_bar(a.preset, tc.max_steps, main), control=control)
    if main and (Path(a.out) / "train_state.safetensors").exists() and not a.fresh:
        print(f"resuming from the checkpoint in {a.out}")
    try:
        result = trainer.run()
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"training aborted; the last checkpoint in {a.out} is kept") from None
    if main:
        print(f"{'stopped' if result.stopped else 'done'} at step {result.step} after "
              f"{result.elapsed_s / 60:.1f} min of training; model in {result.out_dir}")
    if a.hifi and main and not result.stopped:
        share = None if a.hifi_steps else (a.minutes * HIFI_SHARE if a.minutes else 10.0)
        print("training its bandwidth extender for " + (f"{a.hifi_steps} steps" if a.hifi_steps else
              f"{share:.1f} min") + " on the same folder at 48 kHz")
        signal.signal(signal.SIGINT, signal.default_int_handler)
        return cmd_train_hifi(argparse.Namespace(
            folder=a.folder, model=a.out, out=None, minutes=share, steps=a.hifi_steps, rate=48000,
            seed=a.seed or 0, device=a.device or "auto", threads=a.threads, fresh=a.fresh, no_cache=a.no_cache,
            adversarial=False))
    return 0


def _full_rate_dataset(a: argparse.Namespace):
    """``train-hifi``'s folder imported at full rate, with what was skipped or left out said."""
    from .training.extender_train import import_full_rate
    from .validate import printable
    dataset = import_full_rate(a.folder, a.rate, cache_dir=False if a.no_cache else None)
    print(f"imported {dataset.summary()['clips']} clips at {a.rate} Hz from {a.folder}")
    _print_skips(dataset)
    if dataset.band_limited:
        print(f"{len(dataset.band_limited)} file(s) recorded below 44.1 kHz are band-limited and left out: "
              + ", ".join(printable(f) for f in dataset.band_limited[:5])
              + (" ..." if len(dataset.band_limited) > 5 else ""), file=sys.stderr)
    return dataset


def cmd_train_hifi(a: argparse.Namespace) -> int:
    import torch

    from .models.extender import ExtenderConfig
    from .models.extender_file import SUBFOLDER
    from .models.modelfile import load_model
    from .training import TrainControl
    from .training.extender_train import ExtenderTrainConfig, ExtenderTrainer, extender_clips
    from .training.threads import training_threads

    torch.set_num_threads(a.threads or training_threads())
    if a.model:
        model = load_model(a.model)      # refuse a damaged or foreign model before training for it
        if not Path(a.model).is_dir():
            raise ValueError(f"{a.model}: an extender is written into a model folder; unpack the "
                             ".gsm or use --out and pack it later")
        out = Path(a.model) / SUBFOLDER
        print(f"training an extender for {model.name} ({model.config.sample_rate} Hz) into {out}")
    else:
        out = Path(a.out)
    dataset = _full_rate_dataset(a)
    s = dataset.summary()
    clips = extender_clips(dataset)
    tc = ExtenderTrainConfig(max_steps=a.steps or 0, max_minutes=a.minutes or (0.0 if a.steps else 10.0),
                             seed=a.seed, device=a.device, adversarial=a.adversarial,
                             adversarial_from=0.5 if a.adversarial else 0.0)
    control = TrainControl()

    _stop_on_sigint(control)

    def detail(losses: dict) -> str:
        loss = losses.get("g/rec")
        return f", log-magnitude loss {loss:.3f}" if loss else ""

    trainer = ExtenderTrainer(clips, out, ExtenderConfig(sample_rate=a.rate), tc, resume=not a.fresh,
                              progress_fn=step_lines(detail), control=control, data_summary=s)
    try:
        result = trainer.run()
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"training aborted; the last checkpoint in {out} is kept") from None
    print(f"{'stopped' if result.stopped else 'done'} at step {result.step}; extender in {out}")
    return 0


def cmd_info(a: argparse.Namespace) -> int:
    from .models.modelfile import load_model

    model = load_model(a.model)
    m = model.meta
    if a.json:
        print(json.dumps(m, indent=2))
        return 0
    cfg = model.config
    n_params = sum(p.numel() for p in model.generator.parameters())
    lines = [
        f"model       {model.path}",
        f"preset      {cfg.preset} (d={cfg.model_dim}, {n_params / 1e6:.2f} M generator parameters)",
        f"audio       {cfg.clip_length} samples at {cfg.sample_rate} Hz ({cfg.clip_length / cfg.sample_rate:.2f} s)",
        f"latent      {cfg.latent_dim}",
        f"classes     {', '.join(cfg.class_names) if cfg.num_classes else 'none (unconditioned)'}",
        f"trained     step {m.get('training', {}).get('step', '?')}, loss {m.get('training', {}).get('loss', '?')}, "
        f"{m.get('training', {}).get('elapsed_s', 0) / 60:.1f} min",
        f"data        {m.get('data', {}).get('clips', '?')} clips from {m.get('data', {}).get('source', '?')}",
        f"hash        {model.weights_hash[:16]}",
        f"created     {m.get('created')} by GAN Studio {m.get('app_version')}",
    ]
    print("\n".join(lines))
    return 0


def cmd_pack(a: argparse.Namespace) -> int:
    from .models.modelfile import pack_gsm

    out = pack_gsm(a.model, a.out, overwrite=a.overwrite)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_kit(a: argparse.Namespace) -> int:
    from .library import write_kit
    out = write_kit(a.out, per_class=a.per_class, sample_rate=a.rate, seed=a.seed)
    print(f"wrote the demo kit ({a.per_class} sounds per class) to {out}")
    return 0


def cmd_gui(a: argparse.Namespace) -> int:
    try:
        from .ui.app import main as run_app
    except ImportError as exc:      # PySide6 or its system libraries missing
        print(f"The studio window can't start ({exc}); the headless commands still work "
              "(ganstudio --help).", file=sys.stderr)
        return EXIT_FAILED
    return run_app(sys.argv[:1])


def cmd_devices(a: argparse.Namespace) -> int:
    from .audio.engine import AudioDeviceError, output_devices
    try:
        devices = output_devices()
    except AudioDeviceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for d in devices:
        print(f"{d['index']:3d}  {d['name']}  ({d['hostapi']}, {d['channels']} ch, {d['default_rate']:.0f} Hz)")
    if not devices:
        print("no audio outputs found")
    return 0


def cmd_selftest(a: argparse.Namespace) -> int:
    from .ui.selftest import run
    device = int(a.device) if a.device and a.device.isdigit() else a.device
    return run(a.out, device, a.seconds, a.train)


def build_parser() -> argparse.ArgumentParser:
    from .cli_stems import cmd_export, cmd_generate
    return cli_parser.build_parser({"train": cmd_train, "generate": cmd_generate, "export": cmd_export,
                                    "devices": cmd_devices, "selftest": cmd_selftest, "train_hifi": cmd_train_hifi,
                                    "info": cmd_info, "pack": cmd_pack, "kit": cmd_kit})


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    if a.command is None:
        return cmd_gui(a)
    from .logs import setup_logging
    setup_logging()
    try:
        return a.func(a)
    except KeyboardInterrupt as exc:
        print(f"\n{exc or 'interrupted'}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:   # every failure is one clear line; the traceback goes to the log
        log.error("ganstudio %s failed", a.command, exc_info=True)
        if a.debug:
            import traceback
            traceback.print_exc()
        print(f"error: {describe_error(exc)}", file=sys.stderr)
        return EXIT_FAILED


def describe_error(exc: BaseException) -> str:
    """One line for a failure: our own errors carry their message; an OSError names its file;
    anything else names its type (it is a bug: the log has the traceback)."""
    from .data import DatasetError
    from .data.prepare import SkipFile
    from .export import ExportError
    from .models.modelfile import ModelFileError
    from .session import SessionError
    from .training import CheckpointError, TrainingDiverged
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename and str(exc.filename) not in (exc.strerror or "") else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, MemoryError):
        return "not enough memory for this request; ask for less (fewer clips, a smaller batch)"
    if isinstance(exc, (DatasetError, ModelFileError, CheckpointError, TrainingDiverged, ExportError,
                        SessionError, SkipFile, ValueError, RuntimeError)):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc} (this is a bug; details are in the log)"


if __name__ == "__main__":
    sys.exit(main())
