"""``ganstudio train-convert SOURCE_DIR TARGET_DIR --out C``: train a folder-to-folder converter
(:mod:`ganstudio.training.convert_train`), and ``ganstudio convert C IN.wav --out OUT.wav`` with it."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub, int_in, float_in) -> None:
    from .cli_parser import side_model_training
    t = sub.add_parser("train-convert", help="train a converter from one folder's sound to another's "
                       "(voices, timbres; unpaired recordings of any length)")
    t.add_argument("source", help="folder of recordings in the sound to convert from")
    t.add_argument("target", help="folder of recordings in the sound to convert to")
    t.add_argument("--out", required=True, help="folder for the converter (and its checkpoint)")
    t.add_argument("--live", action="store_true",
                   help="train a converter for live input (causal, 24 kHz, 21 ms window): the Convert tab's "
                        "Live button needs one; it converts files too")
    t.add_argument("--adversarial", action="store_true",
                   help="also train the vocoder against multi-period and multi-resolution STFT discriminators "
                        "(HiFi-GAN); each step is about 1.5x slower on a CPU: for a GPU or a long run")
    side_model_training(t)
    t.set_defaults(func=cmd_train_convert)


def _recordings(folder: str, rate: int, what: str, say=print):
    from .data.recordings import import_recordings
    from .validate import printable
    rec = import_recordings(folder, rate)
    s = rec.summary()
    say(f"{what}: {s['files']} recordings, {s['sound_seconds'] / 60:.1f} min of sound from {folder}")
    for sk in rec.skipped[:20]:
        say(f"  skipped {printable(sk.path)}: {sk.reason}", file=sys.stderr)
    if len(rec.skipped) > 20:
        say(f"  ... and {len(rec.skipped) - 20} more skipped", file=sys.stderr)
    for note in rec.notes:
        say(f"  note: {note}", file=sys.stderr)
    return rec


def cmd_train_convert(a: argparse.Namespace) -> int:
    import torch

    from .cli import _is_main_rank, _stop_on_sigint, step_lines
    from .models.converter import ConverterConfig
    from .training import TrainControl
    from .training.convert_train import ConvertTrainConfig, ConvertTrainer
    from .training.threads import training_threads
    torch.set_num_threads(a.threads or training_threads())
    from .models.live import LIVE_CONFIG, LIVE_TRAINING
    cfg = LIVE_CONFIG if a.live else ConverterConfig()
    quiet = print if _is_main_rank() else (lambda *x, **k: None)       # under torchrun rank 0 speaks
    source = _recordings(a.source, cfg.sample_rate, "source", quiet)
    target = _recordings(a.target, cfg.sample_rate, "target", quiet)
    tc = ConvertTrainConfig(max_steps=a.steps or 0, max_minutes=a.minutes or (0.0 if a.steps else 10.0),
                            seed=a.seed, device=a.device, vocoder_adversarial=a.adversarial,
                            **(LIVE_TRAINING if a.live else {}))
    control = TrainControl()
    _stop_on_sigint(control)

    def detail(losses: dict) -> str:
        return f", cycle {losses['g/cycle']:.3f}, vocoder mel {losses['vocoder/mel']:.3f}" if "g/cycle" in losses else ""
    progress = step_lines(detail, ("start", "rollback", "done", "checkpoint"), quiet)

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


def cmd_convert_recording(a: argparse.Namespace) -> int:
    """``convert C IN --out OUT`` where C is a converter folder: the whole recording, converted."""
    from .data.prepare import SkipFile
    from .data.recordings import MAX_FILE_SECONDS, read_recording
    from .export import write_wav
    from .models.conversion import convert_audio, safe_output
    from .models.converter_file import load_converter
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
    try:
        audio, rate, cut = read_recording(a.input)
    except SkipFile as exc:
        print(f"error: {a.input} can't be used: {exc}", file=sys.stderr)
        return 1
    if cut:
        print(f"note: only the first {MAX_FILE_SECONDS / 60:.0f} minutes of {a.input} are converted", file=sys.stderr)
    notes: list[str] = []
    y, out_rate = safe_output(convert_audio(conv.net, audio, rate), conv.config.sample_rate, a.rate, notes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_wav(out, y, out_rate, a.format)
    print(f"converted {a.input} ({len(audio) / rate:.1f} s) with {conv.name}; wrote {out}")
    return 0
