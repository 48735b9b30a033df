"""``ganstudio generate`` (clips from a model, or the exact sound of a stem's sidecar) and
``ganstudio export`` (stems with sidecars from a model or a session's pads)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli_parser import EXIT_FAILED


def cmd_generate(a: argparse.Namespace) -> int:
    import numpy as np
    from tqdm import tqdm

    from .export import write_wav
    from .models.modelfile import load_model
    from .models.sampling import class_index, latents, random_labels, render

    if a.from_sidecar:
        return _remake_sidecars(a)
    if not a.model:
        print("error: give a MODEL, or --from-sidecar FILE", file=sys.stderr)
        return EXIT_FAILED
    model = load_model(a.model)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cls = class_index(model, a.class_name)
    z = latents(a.n, model.config.latent_dim, a.seed)
    labels = np.full(a.n, cls) if cls is not None else random_labels(model, a.n, a.seed)
    problems: list = []
    audio = render(model, z, labels, problems=problems)
    rate = model.config.sample_rate if a.rate == "model" else int(a.rate)
    if rate != model.config.sample_rate:
        from .models.extender_file import model_extender
        from .models.sampling import full_band
        ext = model_extender(model) if a.hifi == "on" and rate > model.config.sample_rate else None
        audio = full_band(audio, model.config.sample_rate, rate, ext, problems=problems)
    bad = dict(problems)
    for i, why in problems:
        print(f"warning: clip {i} came out unusable ({why}); it is not written", file=sys.stderr)
    names = list(model.config.class_names)
    written = []
    for i in tqdm(range(a.n), unit="clip", desc="writing", disable=a.quiet):
        if i in bad:
            continue
        clip = audio[i] if a.raw else clean_clip(audio[i], rate)
        tag = f"_{names[labels[i]]}" if labels is not None else ""
        path = out / f"{model.name}{tag}_{a.seed}_{i:03d}.wav"
        if path.exists() and not a.overwrite:
            print(f"error: {path} exists; pass --overwrite to replace it", file=sys.stderr)
            return EXIT_FAILED
        written.append(write_wav(path, clip, rate, a.format))
    print(f"wrote {len(written)} clip(s) to {out}")
    return EXIT_FAILED if bad else 0


def clean_clip(x, rate: int):
    """A generated clip (float32 [frames] at ``rate``) as a stem: DC blocked, from its onset to
    where it has decayed with fades to zero (:func:`~ganstudio.dsp.oneshot.clean_oneshot`), a
    peak above full scale scaled down to the export ceiling, never clipped."""
    import numpy as np

    from .dsp import processing as dsp
    from .dsp.oneshot import clean_oneshot
    x = clean_oneshot(dsp.block_dc(x, rate), rate)
    if np.max(np.abs(x), initial=0.0) > 1.0:
        x = dsp.normalize_peak(x, dsp.PEAK_CEILING_DBFS)[0]
    return x


def _remake_sidecars(a: argparse.Namespace) -> int:
    from .export import remake_from_sidecar, write_wav
    from .export import safe_name
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for sc in a.from_sidecar:
        audio, rate, settings, doc = remake_from_sidecar(sc, a.model, a.accept_different)
        # the output folder and the sidecar's own file name decide where it goes, never a
        # name written inside the sidecar
        path = out / f"{safe_name(Path(sc).stem)}.wav"
        if path.exists() and not a.overwrite:
            print(f"error: {path} exists; pass --overwrite to replace it", file=sys.stderr)
            return EXIT_FAILED
        write_wav(path, audio, rate, settings.fmt)
        print(f"remade {path}")
    return 0


def _export_specs(a: argparse.Namespace):
    """The model and the stems that ``ganstudio export`` was asked for."""
    from .export.selection import Selection, select_stems
    from .models.modelfile import ModelFileError, load_model
    from .models.sampling import class_index
    from .session import SUFFIX, load_session
    from .library.demo_model import demo_model_path
    source = Path(a.source)
    pads = None
    if source.suffix == SUFFIX:
        doc = load_session(source)
        try:
            model = load_model(doc["model"] or demo_model_path())
        except ModelFileError as exc:
            raise ModelFileError(f"{source}: the session's model can't be loaded: {exc}") from None
        pads = doc["pads"]
        if doc.get("model_sha256") and doc["model_sha256"] != model.weights_hash and not a.any_model:
            raise ValueError(f"{source}: the session was saved with another model than the one now at "
                             f"{model.path} (weights hash differs), so its pads would sound different; "
                             "pass --any-model to export them anyway")
    else:
        model = load_model(source)
    label = class_index(model, a.class_name)
    if pads is None and (a.pads or a.of_pad):
        raise ValueError("pads come from a session: give a .gss file as SOURCE to use --pads or --of-pad")
    numbers = None
    if a.pads:
        numbers = list(range(1, len(pads) + 1)) if a.pads == "all" else _pad_numbers(a.pads)
    sel = Selection(pads=numbers, variations=a.variations, variations_of=a.of_pad, amount=a.amount,
                    random=a.random, texture=a.texture, seed=a.seed, label=label)
    return model, select_stems(model, pads, sel, str(source))


def _pad_numbers(text: str) -> list[int]:
    from .session import MAX_PADS
    out = []
    for part in text.split(","):
        if part.strip():
            if not part.strip().isdigit() or not 1 <= int(part) <= MAX_PADS:
                raise ValueError(f"--pads: {part.strip()!r} is not a pad number from 1 to {MAX_PADS}")
            out.append(int(part))
    return out


def cmd_export(a: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .export import ExportSettings, export_stems
    model, specs = _export_specs(a)
    settings = ExportSettings(fmt=a.format, rate=None if a.rate == "model" else int(a.rate),
                              channels=2 if a.stereo else 1, trim=not a.no_trim, fade_in_ms=a.fade_in,
                              fade_out_ms=a.fade_out, dc=not a.no_dc, normalize=a.normalize,
                              peak_dbfs=a.peak, lufs=a.lufs, template=a.template, overwrite=a.overwrite,
                              clean=not a.no_clean, hifi=a.hifi == "on", bwf=not a.no_bwf)
    bar = tqdm(total=len(specs), unit="stem", disable=a.quiet)
    done = export_stems(model, specs, a.out, settings,
                        progress_fn=lambda i, n, name: (bar.update(1), bar.set_postfix_str(name)))
    bar.close()
    limited = sum(1 for d in done if d.info.get("limited_by_peak"))
    print(f"wrote {len(done)} stem(s) with sidecars to {a.out}"
          + (f"; {limited} stayed below the loudness target to keep peaks under -0.3 dBFS" if limited else ""))
    return 0
