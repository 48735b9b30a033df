"""The ``ganstudio`` command line's arguments: every one typed and ranged (finite numbers in
their range, devices by name) before any work starts. :func:`build_parser` takes the command
functions, which live in :mod:`ganstudio.cli`."""
from __future__ import annotations

import argparse
import math
import re
from typing import Callable

from . import __version__

EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130
MAX_CLIPS = 1000          # generate -n, export --random / --variations: one run's worth of stems
MAX_STEPS = 10**9
MAX_MINUTES = 7 * 24 * 60
HIFI_HELP = ("on (default): above the model's rate, the bandwidth extender adds the band the model "
             "can't make (the model's own, else the general one); off: the plain resampled sound")


def _ranged(cast, what: str, lo, hi, shown: str):
    """An argparse type: ``cast(text)``, finite, in [lo, hi]."""
    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value) or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text} is out of range; use {shown}")
        return value
    return parse


def int_in(lo: int, hi: int):
    """An argparse type: a whole number in [lo, hi]."""
    return _ranged(int, "a whole number", lo, hi, f"{lo} to {hi}")


def float_in(lo: float, hi: float):
    """An argparse type: a finite number in [lo, hi]."""
    return _ranged(float, "a number", lo, hi, f"a number from {lo:g} to {hi:g}")


def device_name(text: str) -> str:
    """An argparse type: auto, cpu, cuda or cuda:N (checked against this machine when training)."""
    if not re.fullmatch(r"auto|cpu|cuda(:\d{1,2})?", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a device; use auto, cpu, cuda or cuda:N")
    return text



def build_parser(commands: dict[str, Callable]) -> argparse.ArgumentParser:
    """The parser; ``commands`` maps each command's name (``train``, ``train_hifi``, ...) to the
    function that runs it."""
    from .data import SUPPORTED_RATES
    p = argparse.ArgumentParser(prog="ganstudio", description="GAN Studio: train a GAN on your sounds.")
    p.add_argument("--version", action="version", version=f"ganstudio {__version__}")
    p.add_argument("--debug", action="store_true", help="print the full traceback of an error")
    sub = p.add_subparsers(dest="command")

    _train(sub, commands)
    _generate(sub, commands)
    _export(sub, commands)
    from .convert_cli import add_parser as add_convert
    add_convert(sub, int_in, float_in)
    from .convert_train_cli import add_parser as add_train_convert
    add_train_convert(sub, int_in, float_in)

    dv = sub.add_parser("devices", help="list the audio outputs")
    dv.set_defaults(func=commands["devices"])

    st = sub.add_parser("selftest", help="open the studio, play the demo model's pads, record the output")
    st.add_argument("--out", help="WAV file for what the sound card played")
    st.add_argument("--device", help="output device name or index (default: the system's)")
    st.add_argument("--seconds", type=float_in(0.5, 600.0), default=3.0)
    st.add_argument("--train", action="store_true", help="also train briefly from the panel until a snapshot is heard")
    st.set_defaults(func=commands["selftest"])

    _train_hifi(sub, commands)
    i = sub.add_parser("info", help="describe a model")
    i.add_argument("model")
    i.add_argument("--json", action="store_true", help="print the whole config.json")
    i.set_defaults(func=commands["info"])

    pk = sub.add_parser("pack", help="pack a model folder into a single .gsm file to share")
    pk.add_argument("model")
    pk.add_argument("out", help="the .gsm file to write")
    pk.add_argument("--overwrite", action="store_true", help="replace an existing file")
    pk.set_defaults(func=commands["pack"])

    k = sub.add_parser("kit", help="write the built-in procedural drum kit as WAV files")
    k.add_argument("out")
    k.add_argument("--per-class", type=int_in(1, 1000), default=24)
    k.add_argument("--rate", type=int, choices=SUPPORTED_RATES, default=16000)
    k.add_argument("--seed", type=int_in(0, 2**63 - 1), default=0)
    k.set_defaults(func=commands["kit"])
    return p


def _train(sub, commands: dict) -> None:
    from .data import SUPPORTED_RATES
    from .models import PRESETS
    from .training import LOSSES
    from .training.config import MEL_FORMS, PRECISIONS
    t = sub.add_parser("train", help="train a model on a folder of sounds")
    t.add_argument("folder", help="folder of sounds (subfolders become classes)")
    t.add_argument("--out", required=True, help="model folder to write (and resume from)")
    t.add_argument("--preset", choices=PRESETS, default="tiny")
    t.add_argument("--minutes", type=float_in(0.01, MAX_MINUTES), help="stop after this many minutes of training")
    t.add_argument("--steps", type=int_in(1, MAX_STEPS), help="stop after this many steps")
    t.add_argument("--rate", type=int, choices=SUPPORTED_RATES, default=16000, help="model sample rate (Hz)")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--length", type=int_in(1, 1 << 20), help="clip length in samples (default 16384)")
    g.add_argument("--seconds", type=float_in(0.5, 4.0), help="clip length in seconds (0.5-4)")
    t.add_argument("--loss", choices=LOSSES)
    t.add_argument("--start", default="base", metavar="base|scratch|MODEL",
                   help="what a new model starts from: a pretrained base shipped with GAN Studio "
                        "(default, for the tiny preset: 2-3x closer to real sounds at equal time; one for "
                        "short sounds such as drum hits, one for sustained ones such as notes), nothing, "
                        "or another model folder, whose upsampling it takes (ignored when resuming)")
    t.add_argument("--batch", type=int_in(2, 512))
    t.add_argument("--conditional", action="store_true", help="condition on subfolder classes")
    t.add_argument("--kinds", type=int_in(2, 16), metavar="K",
                   help="for a folder without subfolders: find up to K kinds of sound in it (clusters of "
                        "their envelopes and spectra) and learn them as classes, as --conditional learns "
                        "subfolders (pads and --class ask for \"kind 1\", \"kind 2\", ...)")
    t.add_argument("--class-balance", type=float_in(0.0, 1.0), metavar="A",
                   help="with --conditional: draw a clip with weight (its class's count)^-A: 0 keeps "
                        "the folder's proportions, 1 draws every class equally often")
    t.add_argument("--mel-match", type=float_in(0.0, 100.0), metavar="W",
                   help="weight of the loss that matches the generated sounds' level per band and time "
                        "to the folder's, per class (0 = off; default 0.3 for a tiny model with classes or "
                        "with a waveform generator (short sounds), else off)")
    t.add_argument("--mel-form", choices=MEL_FORMS,
                   help="what --mel-match matches: the mean level (mean), or its spread over the clips too "
                        "(quantile, the default of tiny and of --conditional)")
    t.add_argument("--decay-loss", type=float_in(0.0, 100.0), metavar="W",
                   help="weight of the loss on tails that come back after they have decayed 60 dB "
                        "(0 = off; default 1 for a tiny model with a waveform generator that matches the "
                        "level, else off)")
    t.add_argument("--seed", type=int_in(0, 2**31 - 1))
    t.add_argument("--device", type=device_name, help="auto (default), cpu, cuda, cuda:N")
    t.add_argument("--threads", type=int_in(1, 256),
                   help="CPU threads for torch (default: leave a core for the rest of the machine)")
    t.add_argument("--precision", choices=PRECISIONS,
                   help="fp32, bf16 (mixed precision) or auto: bf16 where the CPU or GPU has it (the preset's default)")
    t.add_argument("--checkpoint-every", type=int_in(1, MAX_STEPS), help="steps between checkpoints")
    t.add_argument("--keep-every", type=int_in(0, MAX_STEPS), default=1000,
                   help="also keep a numbered snapshot in MODEL/snapshots every N steps (0 = off)")
    t.add_argument("--hifi", action="store_true",
                   help="also train the model's own bandwidth extender on the folder at 48 kHz "
                        "(with --minutes, it takes a fifth of them; else 10 minutes)")
    t.add_argument("--hifi-steps", type=int_in(1, MAX_STEPS), help="with --hifi: train the extender this many steps")
    t.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint in --out")
    t.add_argument("--no-cache", action="store_true", help="don't read or write the clip cache")
    t.set_defaults(func=commands["train"])


def _generate(sub, commands: dict) -> None:
    gen = sub.add_parser("generate", help="generate WAV clips from a model")
    gen.add_argument("model", nargs="?", help="model folder or .gsm file (with --from-sidecar: "
                     "use this model instead of the sidecar's path; its hash must match)")
    gen.add_argument("--from-sidecar", action="append", metavar="JSON",
                     help="remake the exact sound a stem's sidecar describes (repeatable)")
    gen.add_argument("-n", type=int_in(1, MAX_CLIPS), default=32, help="number of clips")
    gen.add_argument("--out", required=True, help="folder for the WAV files")
    gen.add_argument("--seed", type=int_in(0, 2**63 - 1), default=0)
    gen.add_argument("--class", dest="class_name", help="class name (conditioned models)")
    gen.add_argument("--format", choices=("pcm16", "pcm24", "float"), default="pcm24")
    gen.add_argument("--rate", choices=("model", "44100", "48000"), default="48000",
                     help="sample rate of the files (default 48000; 'model' writes the model's own)")
    gen.add_argument("--hifi", choices=("on", "off"), default="on", help=HIFI_HELP)
    gen.add_argument("--raw", action="store_true",
                     help="write the generator's clips as they come (full length, no DC removal, trim or "
                          "fades); by default each is cleaned as export cleans a one-shot")
    gen.add_argument("--overwrite", action="store_true")
    gen.add_argument("--accept-different", action="store_true",
                     help="with --from-sidecar: write the sound even if it differs from the stem the sidecar describes")
    gen.add_argument("--quiet", action="store_true")
    gen.set_defaults(func=commands["generate"])


def _export(sub, commands: dict) -> None:
    from .export.settings import DEFAULT_TEMPLATE, NORMALIZE
    e = sub.add_parser("export", help="export WAV stems with sidecars from a model or a session")
    e.add_argument("source", help="model folder / .gsm, or a session .gss (for its pads)")
    e.add_argument("--out", required=True, help="folder for the stems")
    e.add_argument("--pads", help="'all' or a list like 1,3,5 (sessions)")
    e.add_argument("--variations", type=int_in(0, MAX_CLIPS), default=0,
                   help="N mutations (of --of-pad, or of a random sound)")
    e.add_argument("--of-pad", type=int_in(1, 16), help="the pad to vary (sessions)")
    e.add_argument("--amount", type=float_in(0.0, 1.0), default=0.25, help="mutation distance 0..1")
    e.add_argument("--random", type=int_in(0, MAX_CLIPS), default=0, help="N random sounds")
    e.add_argument("--texture", type=float_in(0.0, 600.0), default=0.0, metavar="SECONDS",
                   help="record texture mode (0.1-600 s)")
    e.add_argument("--seed", type=int_in(0, 2**63 - 1), default=0)
    e.add_argument("--class", dest="class_name", help="class name (conditioned models)")
    e.add_argument("--format", choices=("pcm16", "pcm24", "float"), default="pcm24")
    e.add_argument("--rate", choices=("model", "44100", "48000"), default="48000")
    e.add_argument("--hifi", choices=("on", "off"), default="on", help=HIFI_HELP)
    e.add_argument("--stereo", action="store_true",
                   help="two channels: a session pad with a stereo width in true stereo, other sounds on both")
    e.add_argument("--no-trim", action="store_true", help="keep leading / trailing silence")
    e.add_argument("--no-clean", action="store_true",
                   help="don't make random sounds and variations clean one-shots (onset-aligned, "
                        "1 ms fade-in, ending in true silence); pads follow their own setting")
    e.add_argument("--fade-in", type=float_in(0.0, 5000.0), default=0.0, metavar="MS")
    e.add_argument("--fade-out", type=float_in(0.0, 5000.0), default=10.0, metavar="MS")
    e.add_argument("--no-dc", action="store_true", help="keep any DC offset")
    e.add_argument("--normalize", choices=NORMALIZE, default="peak")
    e.add_argument("--peak", type=float_in(-60.0, 0.0), default=-1.0, metavar="DBFS", help="peak target (-60..0)")
    e.add_argument("--lufs", type=float_in(-70.0, 0.0), default=-16.0,
                   help="loudness target (-70..0; never past -0.3 dBFS peak)")
    e.add_argument("--template", default=DEFAULT_TEMPLATE,
                   help="file name template: {model} {name} {kind} {pad} {class} {category} {catid} {index} "
                        "{seed} (UCS: '{catid}_{name}_GANStudio_{model}', {catid} being the UCS CatID "
                        "found from the class or name, e.g. MUSCPerc for a kick, DSGNSynth when nothing names it)")
    e.add_argument("--no-bwf", action="store_true",
                   help="leave out the BWF (bext) and iXML metadata: description, UCS category, origin")
    e.add_argument("--overwrite", action="store_true", help="replace stems of the same name")
    e.add_argument("--any-model", action="store_true",
                   help="export a session's pads even if its model changed since the session was saved")
    e.add_argument("--quiet", action="store_true")
    e.set_defaults(func=commands["export"])


def side_model_training(p) -> None:
    """The budget, seed, device and resume arguments of ``train-hifi`` and ``train-convert``."""
    p.add_argument("--minutes", type=float_in(0.01, MAX_MINUTES), help="stop after this many minutes (default 10)")
    p.add_argument("--steps", type=int_in(1, MAX_STEPS), help="stop after this many steps")
    p.add_argument("--seed", type=int_in(0, 2**31 - 1), default=0)
    p.add_argument("--device", type=device_name, default="auto", help="auto (default), cpu, cuda, cuda:N")
    p.add_argument("--threads", type=int_in(1, 256), help="CPU threads for torch")
    p.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")


def _train_hifi(sub, commands: dict) -> None:
    h = sub.add_parser("train-hifi", help="train a bandwidth extender on a folder of full-band sounds")
    h.add_argument("folder", help="folder of sounds at 44.1 kHz or more (subfolders are read too)")
    dest = h.add_mutually_exclusive_group(required=True)
    dest.add_argument("--model", help="the model it is for: written into MODEL/extender (a model folder)")
    dest.add_argument("--out", help="a folder for the extender alone")
    side_model_training(h)
    h.add_argument("--rate", type=int, choices=(44100, 48000), default=48000, help="output rate (Hz)")
    h.add_argument("--adversarial", action="store_true",
                   help="train the second half against multi-period and multi-resolution STFT "
                        "discriminators (HiFi-GAN); a step is about 10x slower on a CPU")
    h.add_argument("--no-cache", action="store_true", help="don't read or write the clip cache")
    h.set_defaults(func=commands["train_hifi"])
