"""``ganstudio convert MODEL IN.wav --out OUT.wav``: the model's version of a sound (sound-alike,
:mod:`ganstudio.models.invert`), its variations, and the nearest clips of a training folder."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

MAX_VARIATIONS = 64


def add_parser(sub, int_in, float_in) -> None:
    c = sub.add_parser("convert", help="make the model's version of a sound (sound-alike) and its variations, "
                       "or convert a recording with a converter (train-convert)")
    c.add_argument("model", help="model folder or .gsm file (sound-alike), or a converter folder")
    c.add_argument("input", help="the sound to imitate (WAV, FLAC, OGG, ...; its first seconds are used), "
                   "or the recording to convert (up to 10 minutes)")
    c.add_argument("--out", required=True, help="WAV file to write")
    c.add_argument("--variations", type=int_in(0, MAX_VARIATIONS), default=0,
                   help="also write N variations around it as OUT-var01.wav, ...")
    c.add_argument("--amount", type=float_in(0.0, 1.0), default=0.25,
                   help="how far the variations move (0.05 subtle, 0.25 audibly different)")
    c.add_argument("--class", dest="class_name", help="search this class only (conditioned models)")
    c.add_argument("--steps", type=int_in(0, 5000), default=100, help="refinement steps (more: closer, slower)")
    c.add_argument("--seed", type=int_in(0, 2**31 - 1), default=0)
    c.add_argument("--latent-only", action="store_true",
                   help="move the latent alone, no style: a sound the model also makes at random, "
                        "usually further from the input")
    c.add_argument("--rate", default="model", choices=["model", "44100", "48000"],
                   help="output sample rate (above the model's through its bandwidth extender)")
    c.add_argument("--format", default="pcm24", choices=["pcm16", "pcm24", "float32"])
    c.add_argument("--nearest", metavar="FOLDER",
                   help="also list the 3 clips of this training folder closest to the result")
    c.add_argument("--overwrite", action="store_true")
    c.set_defaults(func=cmd_convert)


def _as_played(clips: np.ndarray, model, rate: int, problems: list) -> list[np.ndarray]:
    """Model-rate clips [n, T] as a pad plays them: at ``rate`` (full band when an extender
    exists), from the onset to where the sound has decayed, with fades."""
    from .dsp.oneshot import clean_oneshot
    from .models.extender_file import model_extender
    from .models.sampling import full_band
    sr = model.config.sample_rate
    if rate != sr:
        ext = model_extender(model) if rate > sr else None
        clips = full_band(clips, sr, rate, ext, problems=problems)
    return [clean_oneshot(c, rate) for c in clips]


def cmd_convert(a: argparse.Namespace) -> int:
    from .models.converter_file import is_converter
    if is_converter(a.model):
        from .convert_train_cli import cmd_convert_recording
        return cmd_convert_recording(a)
    from .data.decode import decode
    from .data.prepare import SkipFile
    from .export import write_wav
    from .models.invert import invert, target_clip
    from .models.modelfile import load_model
    from .models.sampling import class_index, generate

    out = Path(a.out)
    targets = [out] + [variation_path(out, i) for i in range(1, a.variations + 1)]
    if not a.overwrite:
        for p in targets:
            if p.exists():
                print(f"error: {p} exists; pass --overwrite to replace it", file=sys.stderr)
                return 1
    model = load_model(a.model)
    cfg = model.config
    label = class_index(model, a.class_name)
    audio, rate = decode(a.input, 60.0)
    try:
        target = target_clip(audio, rate, cfg.sample_rate, cfg.clip_length)
    except SkipFile as exc:
        print(f"error: {a.input} can't be used: {exc}", file=sys.stderr)
        return 1
    res = invert(model.generator, target, steps=a.steps, seed=a.seed, label=label, style=not a.latent_only)
    print(f"sound-alike: distance {res.distance:.3f} (best random latent {res.random_distance:.3f}, "
          f"{100 * res.gain:.0f}% closer) in {res.seconds:.1f} s")
    clips = res.clip[None]
    if a.variations:
        clips = np.concatenate([clips, _variations(model, res, a)])
    out_rate = cfg.sample_rate if a.rate == "model" else int(a.rate)
    problems: list = []
    played = _as_played(clips, model, out_rate, problems)
    out.parent.mkdir(parents=True, exist_ok=True)
    for i, (p, x) in enumerate(zip(targets, played)):
        if i in dict(problems):
            print(f"warning: {p.name} came out unusable; it is not written", file=sys.stderr)
            continue
        write_wav(p, x, out_rate, a.format)
    print(f"wrote {out}" + (f" and {len(played) - 1} variation(s)" if len(played) > 1 else ""))
    if len(played) - 1 < a.variations:
        print(f"note: only {len(played) - 1} of {a.variations} variations differed enough from it and each other")
    if a.nearest:
        _print_nearest(a.nearest, generate(model.generator, res.latent[None], [res.label], styles=[res.style]), cfg)
    return 0


def variation_path(out: Path, i: int) -> Path:
    return out.with_name(f"{out.stem}-var{i:02d}{out.suffix or '.wav'}")


def _variations(model, res, a) -> np.ndarray:
    from .dsp.oneshot import clean_oneshots
    from .models.variations import find_variations
    sr = model.config.sample_rate
    _, clips = find_variations(model.generator, res.latent, res.label, a.variations, a.amount,
                               np.random.default_rng(a.seed), lambda x: clean_oneshots(x, sr), res.style)
    return clips


def _print_nearest(folder: str, clip: np.ndarray, cfg) -> None:
    from .data import import_folder
    from .data.settings import ImportSettings
    from .metrics import NearestIndex
    ds = import_folder(folder, ImportSettings(sample_rate=cfg.sample_rate, clip_length=cfg.clip_length))
    if len(ds) < 2:
        print(f"note: {folder} holds fewer than two usable clips; nothing to compare with")
        return
    print(f"nearest in {folder} (1.0 = as far as real sounds are from each other):")
    for nb in NearestIndex(ds.clips, cfg.sample_rate).query(clip)[0]:
        copy = "  near-copy" if nb.near_copy else ""
        print(f"  {nb.distance:5.2f}  {ds.files[nb.index]}{copy}")
