"""``ganstudio train-convert SOURCE_DIR TARGET_DIR --out C``: train a folder-to-folder converter
(:mod:`ganstudio.training.convert_train`), and ``ganstudio convert C IN.wav --out OUT.wav`` with it."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub, int_in, float_in) -> None:
    from .cli_parser import MAX_MINUTES, MAX_STEPS, device_name
    t = sub.add_parser("train-convert", help="train a converter from one folder's sound to another's "
                       "(voices, timbres; unpaired recordings of any length)")
    t.add_argument("source", help="folder of recordings in the sound to convert from")
    t.add_argument("target", help="folder of recordings in the sound to convert to")
    t.add_argument("--out", required=True, help="folder for the converter (and its checkpoint)")
    t.add_argument("--minutes", type=float_in(0.01, MAX_MINUTES), help="stop after this many minutes (default 10)")
    t.add_argument("--steps", type=int_in(1, MAX_STEPS), help="stop after this many steps")
    t.add_argument("--seed", type=int_in(0, 2**31 - 1), default=0)
    t.add_argument("--device", type=device_name, default="auto", help="auto (default), cpu, cuda, cuda:N")
    t.add_argument("--threads", type=int_in(1, 256), help="CPU threads for torch")
    t.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    t.set_defaults(func=cmd_train_convert)


def _recordings(folder: str, rate: int, what: str):
    from .data.recordings import import_recordings
    from .validate import printable
    rec = import_recordings(folder, rate)
    s = rec.summary()
    print(f"{what}: {s['files']} recordings, {s['sound_seconds'] / 60:.1f} min of sound from {folder}")
    for sk in rec.skipped[:20]:
        print(f"  skipped {printable(sk.path)}: {sk.reason}", file=sys.stderr)
    if len(rec.skipped) > 20:
        print(f"  ... and {len(rec.skipped) - 20} more skipped", file=sys.stderr)
    for note in rec.notes:
        print(f"  note: {note}", file=sys.stderr)
    return rec


def cmd_train_convert(a: argparse.Namespace) -> int:
    import torch

    from .cli import _stop_on_sigint
    from .models.converter import ConverterConfig
    from .training import TrainControl
    from .training.convert_train import ConvertTrainConfig, ConvertTrainer
    from .training.distributed import init_from_env
    from .training.threads import training_threads
    torch.set_num_threads(a.threads or training_threads())
    cfg = ConverterConfig()
    main = init_from_env("cpu" if a.device == "cpu" else "cuda" if torch.cuda.is_available() else "cpu").is_main
    quiet = (lambda *x, **k: None) if not main else print
    source = _recordings(a.source, cfg.sample_rate, "source") if main else _quiet(a.source, cfg.sample_rate)
    target = _recordings(a.target, cfg.sample_rate, "target") if main else _quiet(a.target, cfg.sample_rate)
    tc = ConvertTrainConfig(max_steps=a.steps or 0, max_minutes=a.minutes or (0.0 if a.steps else 10.0),
                            seed=a.seed, device=a.device)
    control = TrainControl()
    _stop_on_sigint(control)
    last = [-1e9]

    def progress(p) -> None:
        if p.event in ("start", "rollback", "done", "checkpoint") or p.elapsed_s - last[0] >= 10:
            last[0] = p.elapsed_s
            l = p.losses
            detail = (f", cycle {l['g/cycle']:.3f}, vocoder mel {l['vocoder/mel']:.3f}" if "g/cycle" in l else "")
            quiet(f"step {p.step}, {p.elapsed_s / 60:.1f} min{detail}" + (f": {p.message}" if p.message else ""),
                  flush=True)

    out = Path(a.out)
    if (out / "train_state.safetensors").exists() and not a.fresh:
        quiet(f"resuming from the checkpoint in {out}")
    trainer = ConvertTrainer(source.audio, target.audio, out, cfg, tc, names=(Path(a.source).name, Path(a.target).name),
                             resume=not a.fresh, progress_fn=progress, control=control,
                             data_summary={"source": source.summary(), "target": target.summary()})
    try:
        result = trainer.run()
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"training aborted; the last checkpoint in {out} is kept") from None
    quiet(f"{'stopped' if result.stopped else 'done'} at step {result.step} after "
          f"{result.elapsed_s / 60:.1f} min of training; converter in {out}")
    return 0


def _quiet(folder: str, rate: int):
    from .data.recordings import import_recordings
    return import_recordings(folder, rate)


def cmd_convert_recording(a: argparse.Namespace) -> int:
    """``convert C IN --out OUT`` where C is a converter folder: the whole recording, converted."""
    from .data.decode import decode
    from .data.prepare import to_mono
    from .export import write_wav
    from .models.conversion import convert_audio, safe_output
    from .models.converter_file import load_converter
    from .data.recordings import MAX_FILE_SECONDS
    out = Path(a.out)
    if out.exists() and not a.overwrite:
        print(f"error: {out} exists; pass --overwrite to replace it", file=sys.stderr)
        return 1
    for flag in ("variations", "class_name", "nearest"):
        if getattr(a, flag):
            print(f"error: --{flag.replace('_name', '')} is for a generator model's sound-alike, "
                  "not a converter", file=sys.stderr)
            return 2
    conv = load_converter(a.model)
    audio, rate = decode(a.input, MAX_FILE_SECONDS)
    y = convert_audio(conv.net, to_mono(audio), rate)
    y, out_rate = safe_output(y, conv.config.sample_rate, a.rate)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_wav(out, y, out_rate, a.format)
    print(f"converted {a.input} ({len(audio) / rate:.1f} s) with {conv.name}; wrote {out}")
    return 0
