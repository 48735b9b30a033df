"""Train the general bandwidth extender shipped in resources/extender, so every 16 kHz model
(the demo model included) plays full band from the first launch.

It learns only from sounds this project makes itself (ganstudio.library.air_kit: procedural
noise bursts, metals, 808-style hats, snares, shakers, plucks and sweeps at 48 kHz, plus the
demo kit rendered at 48 kHz), so the weights carry the project's own licence; see
resources/README.md.

    .venv/bin/python tools/make_extender.py [--minutes 12 | --steps N] [--threads 2] [--out resources/extender]
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganstudio.dsp.bands import band_limit                                          # noqa: E402
from ganstudio.library.air_kit import render_air                                   # noqa: E402
from ganstudio.models.extender import ExtenderConfig                                 # noqa: E402
from ganstudio.training.extender_train import ExtenderTrainConfig, ExtenderTrainer  # noqa: E402

PER_CLASS = 100         # 7 air classes x 100 + 6 kit classes x 50 = 1000 clips of 1 s
# Recorded sounds carry next to nothing above a 44.1 kHz recording's band (20.9 kHz): on the real
# full-band test sets the median level above 22.1 kHz is -105 dB (drums) and -71 dB (effects)
# under their 8-20 kHz band. The procedural corpus is rendered at 48 kHz up to 24 kHz, so it is
# band-limited as such a recording first: an extender that fills 21-24 kHz only adds what no
# recording has (docs/hifi.md, "the top of the band")
RECORDED_AT = 44100


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=12.0)
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: by minutes)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--floor-share", type=float, default=0.0,
                    help="share of inputs with a hiss floor not to continue (0.5 for the demo model's own)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--recorded-at", type=int, default=RECORDED_AT,
                    help="band-limit the corpus as a recording made at this rate (0: keep up to 24 kHz)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "resources" / "extender"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    rate = ExtenderConfig().sample_rate
    clips = render_air(per_class=PER_CLASS, seed=a.seed, rate=rate)
    if a.recorded_at:
        clips = np.stack([band_limit(c, rate, a.recorded_at) for c in clips])
    work = Path(a.out).with_name(Path(a.out).name + ".training")
    shutil.rmtree(work, ignore_errors=True)
    summary = {"source": "ganstudio.library.air_kit.render_air(per_class=%d, seed=%d)" % (PER_CLASS, a.seed),
               "clips": int(len(clips)), "sample_rate": rate, "floor_share": a.floor_share,
               "recorded_at": a.recorded_at}
    result = ExtenderTrainer(clips, work, ExtenderConfig(), ExtenderTrainConfig(
        max_minutes=0.0 if a.steps else a.minutes, max_steps=a.steps, seed=a.seed,
        floor_share=a.floor_share),
                             resume=False, data_summary=summary).run()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("extender.safetensors", "extender.json"):
        shutil.copy(work / name, out / name)
    shutil.rmtree(work)
    print(f"trained {result.step} steps in {result.elapsed_s / 60:.1f} min; extender in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
