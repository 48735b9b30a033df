"""Train the pretrained base that `tiny` models can start from (issue 13, transfer): the `tiny`
pair trained on a broad procedural corpus of one-shots made by this project's own code (the demo
kit's kicks, snares, hats, toms, claps and sweeps, and the air corpus's noise bursts, metals,
808 hats, snares, shakers, plucks and sweeps, all at 16 kHz), kept as a model folder plus its
discriminator, so the weights carry the project's own licence (resources/README.md).

    .venv/bin/python tools/make_base.py [--minutes 10] [--out resources/base]
    # the base for folders of sustained sounds (library/base_model.py):
    .venv/bin/python tools/make_base.py --steps 1128 --set upsample=istft --set peak_norm=true \
        --out resources/base_sustained
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganstudio.data import Dataset, ImportSettings                          # noqa: E402
from ganstudio.library.air_kit import render_air                            # noqa: E402
from ganstudio.models.config import setting_value                           # noqa: E402
from ganstudio.training import Trainer, load_state, model_config_for, recipe   # noqa: E402
from ganstudio.training.warm_start import BASE_DISCRIMINATOR                      # noqa: E402

PER_CLASS = 120


def corpus(seed: int = 0) -> Dataset:
    settings = ImportSettings()
    rate, seconds = settings.sample_rate, settings.clip_length / settings.sample_rate
    # the air classes and the demo kit's, PER_CLASS of each: one unlabelled set (the base is unconditioned)
    return Dataset.from_arrays({"procedural": list(render_air(PER_CLASS, seconds, seed, rate, with_kit=True))},
                               settings)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=0, help="stop at this step instead (0: --minutes decides); "
                    "equal steps compare bases made on a busy machine")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "resources" / "base"))
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="a model setting other than the preset's, e.g. upsample=istft, peak_norm=true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ds = corpus()
    work = Path(a.out).with_name(Path(a.out).name + ".training")
    shutil.rmtree(work, ignore_errors=True)
    overrides = {k: setting_value(v) for k, v in (x.split("=", 1) for x in a.set)}
    mc = model_config_for(ds, "tiny", False, **overrides)
    limits = dict(max_steps=a.steps) if a.steps else dict(max_minutes=a.minutes)
    # the shipped bases were trained before the level and decay losses joined the recipe: without
    # them, so that they start every kind of folder alike
    result = Trainer(ds, work, mc, recipe("tiny", mel_match=0.0, decay_loss=0.0, **limits)).run()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("generator.safetensors", "config.json"):
        shutil.copy(work / name, out / name)
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in load_state(work).discriminator.items()}, str(out / BASE_DISCRIMINATOR))
    shutil.rmtree(work)
    print(f"trained {result.step} steps on {len(ds)} clips in {result.elapsed_s / 60:.1f} min; base in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
