"""Quality at equal CPU time: the `tiny` preset against the paper-size WaveGAN (d=64, WGAN-GP,
5 critic steps, batch 64), trained one after the other in this run on the same clips, on the
procedural kit and the real recordings of bench/prepare_datasets.py. For each: Fréchet distance
on log-mel frames, NDB/K, memorisation and diversity ratios at the end of each budget, the same
for real vs real (two halves of the data: the floor), and the time from which `tiny` stays at or
below the reference's final Fréchet distance, as a share of the reference's budget. Prints JSON.

    python bench/prepare_datasets.py && python bench/quality.py --tiny-minutes 5 --ref-minutes 30

Against real audio (issue 13): every dataset also scores decaying noise bursts and steady white
noise (``ganstudio.metrics.baselines``), so each figure reads as a ratio to the real split-half
floor with the baselines beside it; ``--budgets`` scores the `tiny` runs at several points of one
run, ``--seeds`` repeats them, ``--variant`` adds recipes to compare at equal CPU time, and every
generated set is scored twice: raw and as the studio plays it (``dsp.oneshot.clean_oneshot``).

    python bench/quality.py --models tiny --datasets drums,hifi_sfx --budgets 2,5,10 --seeds 3 \
        --variant nearest:upsample=nearest
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from ganstudio.data import Dataset, ImportSettings, import_folder
from ganstudio.library import render_kit
from ganstudio.dsp.oneshot import clean_oneshots
from ganstudio.metrics import (clip_embedding, diversity_ratio, logmel_frechet, memorisation_ratio, ndb_over_k,
                               noise_bursts, shape_distance, white_noise)
from ganstudio.metrics.classify import ClipClassifier, class_scores, timed_embedding
from ganstudio.metrics.spectrum import band_range_db, buzz_db
from ganstudio.models import ModelConfig
from ganstudio.models.config import setting_value
from ganstudio.models.modelfile import save_model
from ganstudio.models.sampling import labels_in_proportion
from ganstudio.training import TrainConfig, Trainer, model_config_for, recipe

N_GEN = 64


def datasets(names: list[str], data_dir: Path) -> dict[str, Dataset]:
    s = ImportSettings()
    out = {}
    for name in names:
        packed = data_dir / f"{name}.npz"
        if name == "kit":
            out[name] = Dataset.from_arrays(render_kit(per_class=24), s)
        elif packed.is_file():
            # clips already imported (``--pack``): for a machine without the audio packages
            with np.load(packed) as z:
                out[name] = Dataset(z["clips"].astype(np.float32), z["labels"], list(z["classes"]), s,
                                    source=str(packed))
        else:
            out[name] = import_folder(data_dir / name, s, cache_dir=False)
    return out


def generate(g, n: int, seed: int, counts=None) -> tuple[np.ndarray, np.ndarray | None]:
    """``n`` clips of ``g`` and the classes asked for: for a class-conditioned model, in the
    proportions of ``counts`` (the real clips per class), so its clips are a sample of the folder
    as an unconditioned model's are (before run 25 they were asked for in turn)."""
    z = torch.from_numpy(np.random.default_rng(seed).standard_normal((n, g.cfg.latent_dim)).astype(np.float32))
    labels = None
    if g.cfg.num_classes:
        labels = labels_in_proportion(counts, n, seed) if counts is not None else np.arange(n) % g.cfg.num_classes
    with torch.inference_mode():
        return g(z, None if labels is None else torch.from_numpy(labels))[:, 0].numpy(), labels


def scores(gen: np.ndarray, real: np.ndarray, sr: int) -> dict:
    eg, er = clip_embedding(gen, sr), clip_embedding(real, sr)
    return {"fd": round(logmel_frechet(gen, real, sr), 1), "ndb_k": round(ndb_over_k(er, eg), 3),
            "memorisation": round(memorisation_ratio(er, eg), 3), "diversity": round(diversity_ratio(er, eg), 3),
            "shape_kid": round(shape_distance(gen, real, sr), 4),
            "band_range_db": round(float(np.median(band_range_db(gen, sr))), 1),
            "buzz_db": round(buzz_db(gen, sr), 1)}


def scored(gen: np.ndarray, real: np.ndarray, sr: int, floor: float) -> dict:
    """Raw and as-played scores of ``gen``, each with its FD over the real floor."""
    out = {}
    for how, clips in (("raw", gen), ("played", clean_oneshots(gen, sr))):
        sc = scores(clips, real, sr)
        out[how] = {**sc, "fd_over_floor": round(sc["fd"] / floor, 2)}
    return out


def parse_overrides(items: list[str]) -> tuple[dict, dict]:
    """["field=value", ...] -> (model overrides, training overrides), by which config has the field."""
    model_fields = {f.name: f for f in dataclasses.fields(ModelConfig)}
    train_fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    model, training = {}, {}
    for item in items:
        key, _, raw = item.partition("=")
        value = setting_value(raw)
        if key == "preset":                      # a variant of another preset (its own recipe)
            training[key] = raw
        elif key in model_fields:
            model[key] = value
        elif key in train_fields:
            training[key] = value
        else:
            raise SystemExit(f"--tiny-set: no model or training setting is called {key!r}")
    return model, training


def train(ds: Dataset, preset: str, minutes: float, snapshots: int,
          overrides: tuple[dict, dict] = ({}, {})) -> tuple[list, int, list, float | None]:
    """Train for ``minutes``; returns [(training seconds, step, frozen EMA generator)] taken about
    ``snapshots`` times along the way, the steps done, any rollbacks (seconds, step, why) and the
    adaptive augmentation probability at the end (None when fixed). A ``preset`` among the
    training overrides trains that preset (its widths and its recipe) instead of ``preset``."""
    training = {k: v for k, v in overrides[1].items() if k != "preset"}
    preset = overrides[1].get("preset", preset)
    mc = model_config_for(ds, preset, bool(training.get("conditional")), **overrides[0])
    taken, clock, rollbacks = [], {"t": 0.0, "step": 0}, []
    # a snapshot every ~minutes*60/snapshots seconds, decided on the training clock
    every_s = minutes * 60 / snapshots

    def progress(p):
        clock["t"], clock["step"] = p.elapsed_s, p.step
        if "aug/p" in p.losses:
            clock["augment_p"] = round(p.losses["aug/p"], 3)
        if p.event == "rollback":
            rollbacks.append((round(p.elapsed_s, 1), p.step, p.message))

    def snapshot(g, step):
        if taken and taken[-1][1] == step:
            taken[-1] = (clock["t"], step, g)     # the final snapshot repeats the last step
        # one per interval of a fixed grid (0, every_s, 2 every_s, ...), not every_s after the last
        # one: that drifted a step late each time, and a budget's snapshot then missed it by one
        # step and fell back a whole interval (run 18's "5 minutes" were 152 s)
        elif not taken or int(clock["t"] / every_s) > int(taken[-1][0] / every_s):
            taken.append((clock["t"], step, g))
        else:
            last[0] = (clock["t"], step, g)
    last = [None]
    # checkpoints stay on as in the app: a divergence rolls back to the last one, not to step 0
    tc = recipe(preset, max_minutes=minutes, snapshot_every=1, checkpoint_every=100, checkpoint_minutes=1e9,
                **training)
    with tempfile.TemporaryDirectory() as tmp:
        Trainer(ds, Path(tmp) / "m", mc, tc, resume=False, progress_fn=progress, snapshot_fn=snapshot).run()
    if last[0] is not None and last[0][1] > taken[-1][1]:
        taken.append(last[0])                      # always end with the final generator
    return taken, clock["step"], rollbacks, clock.get("augment_p")


def pick(snaps: list, seconds: float):
    """The last snapshot taken at or before ``seconds`` of training, or within a few seconds after
    it (the first step past a grid point; the first snapshot if none was)."""
    before = [sn for sn in snaps if sn[0] <= seconds + 5.0]
    return before[-1] if before else snaps[0]


def spread(values: list[float]) -> dict:
    return {"mean": round(float(np.mean(values)), 2), "min": round(float(np.min(values)), 2),
            "max": round(float(np.max(values)), 2)}


def against_real(name: str, ds: Dataset, a, variants: list[tuple[str, tuple[dict, dict]]]) -> dict:
    """Issue 13's table for one dataset: the real floor, the baselines and each recipe at each
    budget (minutes) over ``a.seeds`` seeds, raw and as played, FD as a ratio to the floor."""
    sr, real = ds.settings.sample_rate, ds.clips
    perm = np.random.default_rng(0).permutation(len(real))
    half_a, half_b = real[perm[: len(real) // 2]], real[perm[len(real) // 2:]]
    floor = scores(half_a, half_b, sr)
    n, length = a.n_gen, real.shape[1]
    clf = None
    if ds.num_classes > 1:
        # a classifier fitted on one half scores the other (the real reference) and every
        # class-conditioned model's clips against the class each was asked for
        labels_a, labels_b = ds.labels[perm[: len(real) // 2]], ds.labels[perm[len(real) // 2:]]
        clf = ClipClassifier.fit(timed_embedding(half_a, sr), labels_a, ds.num_classes)
        floor["classes"] = class_scores(clf, timed_embedding(half_b, sr), labels_b)
    entry = {"clips": len(ds), "classes": ds.class_names, "real_vs_real": floor,
             "noise_bursts": scored(noise_bursts(n, length, sr, seed=1), real, sr, floor["fd"]),
             "white_noise": scored(white_noise(n, length, sr, seed=1), real, sr, floor["fd"])}
    budgets = [float(b) for b in a.budgets.split(",")]
    for vname, (model_over, train_over) in variants:
        runs = []
        for seed in range(a.first_seed, a.first_seed + a.seeds):
            t0 = time.monotonic()
            snaps, steps, rollbacks, _ = train(ds, "tiny", max(budgets), a.snapshots,
                                               (model_over, {**train_over, "seed": seed}))
            at = {}
            for b in budgets:
                t, step, g = pick(snaps, b * 60)
                gen, asked = generate(g, n, 1 + seed, np.bincount(ds.labels, minlength=ds.num_classes))
                at[str(b)] = {"seconds": round(t, 1), "step": step, **scored(gen, real, sr, floor["fd"])}
                if clf is not None and g.cfg.num_classes:
                    at[str(b)]["classes"] = class_scores(clf, timed_embedding(gen, sr), asked)
            if a.save:      # the last generator, to listen to and measure further
                save_model(Path(a.save) / f"{name}_{vname}_seed{seed}", snaps[-1][2], snaps[-1][2].cfg)
            runs.append({"seed": seed, "steps": steps, "rollbacks": rollbacks,
                         "wall_s": round(time.monotonic() - t0, 1), "at_minutes": at})
            print(json.dumps({name: {vname: runs[-1]}}), flush=True)
        summary = {}
        for b in budgets:
            for how in ("raw", "played"):
                vals = [r["at_minutes"][str(b)][how] for r in runs]
                summary[f"{b:g}min_{how}"] = {k: spread([v[k] for v in vals])
                                              for k in ("fd_over_floor", "ndb_k", "memorisation", "diversity")}
        entry[vname] = {"model_overrides": model_over, "train_overrides": train_over, "runs": runs, "summary": summary}
    return entry


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny-minutes", type=float, default=5.0)
    ap.add_argument("--ref-minutes", type=float, default=30.0)
    ap.add_argument("--datasets", default="kit,drums,sfx")
    ap.add_argument("--data", default=str(Path(__file__).parent / "data"))
    ap.add_argument("--snapshots", type=int, default=12)
    ap.add_argument("--models", default="wavegan,tiny", help="which of the two to train")
    ap.add_argument("--tiny-set", action="append", default=[], metavar="FIELD=VALUE",
                    help="override a model or training setting of the tiny preset (for ablations)")
    ap.add_argument("--budgets", default="", help="issue 13 mode: score tiny at these minutes (e.g. 2,5,10)")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--save", metavar="DIR", help="issue 13 mode: keep each run's last generator in DIR")
    ap.add_argument("--first-seed", type=int, default=0, help="seeds run from this one (to add seeds to a run)")
    ap.add_argument("--n-gen", type=int, default=128, help="generated clips per score (issue 13 mode)")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME:FIELD=VALUE[,FIELD=VALUE]",
                    help="issue 13 mode: also train this variant of tiny (the current recipe always runs)")
    ap.add_argument("--no-current", action="store_true", help="issue 13 mode: only the variants")
    ap.add_argument("--pack", action="store_true",
                    help="only import --datasets and write each as DATA/NAME.npz (float16 clips), then stop")
    a = ap.parse_args()
    if a.pack:
        for name, ds in datasets(a.datasets.split(","), Path(a.data)).items():
            np.savez(Path(a.data) / f"{name}.npz", clips=ds.clips.astype(np.float16), labels=ds.labels,
                     classes=np.array(ds.class_names))
        return 0
    tiny_overrides = parse_overrides(a.tiny_set)
    if a.budgets:
        variants = [] if a.no_current else [("tiny", tiny_overrides)]
        for v in a.variant:
            vname, _, sets = v.partition(":")
            variants.append((vname, parse_overrides([x for x in sets.split(",") if x])))
        report = {"budgets_minutes": a.budgets, "seeds": a.seeds, "n_gen": a.n_gen,
                  "torch_threads": torch.get_num_threads(), "variants": a.variant, "datasets": {}}
        for name, ds in datasets(a.datasets.split(","), Path(a.data)).items():
            report["datasets"][name] = against_real(name, ds, a, variants)
        print(json.dumps(report, indent=2))
        return 0
    torch.manual_seed(0)
    report = {"tiny_minutes": a.tiny_minutes, "ref_minutes": a.ref_minutes, "torch_threads": torch.get_num_threads(),
              "tiny_overrides": a.tiny_set, "datasets": {}}
    for name, ds in datasets(a.datasets.split(","), Path(a.data)).items():
        sr = ds.settings.sample_rate
        real = ds.clips
        rng = np.random.default_rng(0)
        perm = rng.permutation(len(real))
        half_a, half_b = real[perm[: len(real) // 2]], real[perm[len(real) // 2:]]
        entry = {"clips": len(ds), "classes": ds.class_names, "real_vs_real": scores(half_a, half_b, sr)}
        t0 = time.monotonic()
        for preset, minutes in (("wavegan", a.ref_minutes), ("tiny", a.tiny_minutes)):
            if preset not in a.models.split(","):
                continue
            snaps, steps, rollbacks, aug_p = train(ds, preset, minutes, a.snapshots,
                                            tiny_overrides if preset == "tiny" else ({}, {}))
            curve = [(round(t, 1), s, round(logmel_frechet(generate(g, N_GEN, 1)[0], real, sr), 1)) for t, s, g in snaps]
            entry[preset] = {"steps": steps, **scores(generate(snaps[-1][2], N_GEN, 1)[0], real, sr),
                             "rollbacks": rollbacks, "augment_p_end": aug_p, "fd_curve": curve}
        if "wavegan" not in entry or "tiny" not in entry:
            report["datasets"][name] = entry
            print(json.dumps({name: entry}), flush=True)
            continue
        ref_fd = entry["wavegan"]["fd"]
        # the first time from which tiny stays at or below the reference's final distance (an
        # untrained generator can score below a badly trained one by chance)
        curve = entry["tiny"]["fd_curve"]
        reach = next((curve[i][0] for i in range(len(curve)) if all(fd <= ref_fd for _, _, fd in curve[i:])), None)
        entry["tiny_seconds_to_reference_final_fd"] = reach
        entry["time_ratio_tiny_vs_reference"] = round(reach / (a.ref_minutes * 60), 4) if reach is not None else None
        entry["wall_s"] = round(time.monotonic() - t0, 1)
        report["datasets"][name] = entry
        print(json.dumps({name: {k: v for k, v in entry.items() if k not in ("classes",)}}), flush=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
