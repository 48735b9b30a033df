"""Bandwidth extension measured on real full-band recordings, every method in one run (ratios).

For each set (``bench/prepare_datasets.py --hifi``), files are split in two by their sorted order
(even: train, odd: test). Each test clip (48 kHz, 1 s, onset-aligned by the importer) is
band-limited as a 16 kHz generator's clip is (soxr down and up), then rebuilt by:
soxr alone (no high band), spectral band replication (the non-learned baseline), the general
extender shipped in resources/, and optionally an extender trained on the set's train half for
``--minutes`` (that is "the extender trained on the folder").

Prints JSON: log-spectral distance over the whole band and above 8 kHz, the share of energy above
8 kHz against the real clip's per family, and the extender's real-time factor.

    python bench/hifi.py [--sets hifi_drums,hifi_sfx] [--minutes 0] [--threads 2]
    python bench/hifi.py --curve 6       # how fast it learns: high-band LSD against training time

``--curve M`` trains for M minutes on about 100 clips (the drums' train half) and on 1000 (the
procedural air corpus of resources/extender) and reports, from snapshots every 200 steps, the
high-band LSD on the drums' test clips against training time, and when it came within 10 % of
its final value.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganstudio.data.importer import import_folder            # noqa: E402
from ganstudio.data.settings import ImportSettings            # noqa: E402
from ganstudio.dsp.bands import band_limit, energy_above, lsd, replicate_band   # noqa: E402
from ganstudio.models.extender import band_edge               # noqa: E402
from ganstudio.models.extender_file import SHIPPED, load_extender   # noqa: E402
from ganstudio.models.sampling import extend                  # noqa: E402
from ganstudio.training.extender_train import ExtenderTrainConfig, ExtenderTrainer, import_full_rate   # noqa: E402

RATE, MODEL_RATE, HIGH, AUDIBLE = 48000, 16000, 8000.0, 20000.0


def load_set(folder: Path):
    ds = import_full_rate(folder, RATE, cache_dir=False)
    order = np.argsort(ds.files)
    train, test = order[0::2], order[1::2]
    return ds, train, test


def measure(real: np.ndarray, rebuilt: np.ndarray) -> dict:
    return {"lsd": lsd(real, rebuilt, RATE), "lsd_high": lsd(real, rebuilt, RATE, lo=HIGH),
            # the audible part of the added band: recordings hold next to nothing above 20 kHz
            "lsd_8k_20k": lsd(real, rebuilt, RATE, lo=HIGH, hi=AUDIBLE),
            "share_high": energy_above(rebuilt, RATE, HIGH)}


def summarise(rows: list[dict], real_share: np.ndarray, families: list[str]) -> dict:
    out = {k: float(np.mean([r[k] for r in rows])) for k in ("lsd", "lsd_high", "lsd_8k_20k")}
    share = np.array([r["share_high"] for r in rows])
    fam = {}
    for f in sorted(set(families)):
        idx = [i for i, g in enumerate(families) if g == f]
        fam[f] = {"clips": len(idx), "real": round(float(np.median(real_share[idx])), 4),
                  "rebuilt": round(float(np.median(share[idx])), 4),
                  "ratio": round(float(np.median(share[idx]) / max(np.median(real_share[idx]), 1e-9)), 3)}
    out["share_above_8k"] = fam
    return out


def held_out(ds, test) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """The clips at indices ``test`` of a full-rate set: (real [n, samples] at 48 kHz, their families,
    the same made as a 16 kHz model's, the real share of energy above 8 kHz [n])."""
    real = ds.clips[test]
    families = [ds.class_names[ds.labels[i]] for i in test]
    limited = np.stack([band_limit(c, RATE, MODEL_RATE) for c in real])
    return real, families, limited, np.array([energy_above(c, RATE, HIGH) for c in real])


def variant_scores(ext, sets: dict, n: int = 80) -> dict:
    """The extender experiments' scores (docs/hifi_runs/ext_exp*.py): per set of ``sets`` ({name:
    load_set(...)}), on its first ``n`` test clips made as a 16 kHz model's, high-band LSD over
    soxr's and the median share above 8 kHz over real's per family."""
    res = {}
    for name, (ds, _, test) in sets.items():
        real, fam, lim, real_share = held_out(ds, test[:n])
        soxr, reb = (summarise([measure(a, b) for a, b in zip(real, x)], real_share, fam)
                     for x in (lim, extend(ext, lim, RATE, MODEL_RATE)))
        res[name] = {"lsd_high_ratio": round(reb["lsd_high"] / soxr["lsd_high"], 4),
                     "share_ratio": {f: round(v["ratio"], 2) for f, v in reb["share_above_8k"].items()}}
    return res


def speed(ext, seconds: float = 1.0, repeats: int = 10) -> dict:
    """Seconds to extend one ``seconds``-long stem as pads render it (the fast input layer, oneDNN,
    every thread), and as exports do (exact: one thread, no oneDNN, for remakes), interleaved so
    their ratio holds on a busy machine."""
    x = np.random.default_rng(0).standard_normal((1, int(seconds * RATE))).astype(np.float32) * 0.1
    took = {False: [], True: []}
    for exact in (False, True):
        extend(ext, x, RATE, MODEL_RATE, exact=exact)
    for _ in range(repeats):
        for exact in (False, True):
            t = time.perf_counter()
            extend(ext, x, RATE, MODEL_RATE, exact=exact)
            took[exact].append(time.perf_counter() - t)
    per, exact = float(np.median(took[False])), float(np.median(took[True]))
    return {"seconds_per_1s_stem": round(per, 4), "real_time_factor": round(seconds / per, 1),
            "exact_seconds_per_1s_stem": round(exact, 4), "exact_real_time_factor": round(seconds / exact, 1)}


def learning_curve(clips: np.ndarray, real: np.ndarray, minutes: float) -> dict:
    """Train on ``clips`` for ``minutes``; high-band LSD on ``real`` of snapshots along the way."""
    import copy
    limited = np.stack([band_limit(c, RATE, MODEL_RATE) for c in real])
    clock, snaps = [0.0], []

    def progress(p):
        clock[0] = p.elapsed_s

    def snapshot(net, step):
        snaps.append((clock[0], step, copy.deepcopy(net.state_dict())))
    out = Path("/tmp/ganstudio-bench-hifi-curve")
    ExtenderTrainer(clips, out, tc=ExtenderTrainConfig(max_minutes=minutes, snapshot_every=200), resume=False,
                    progress_fn=progress, snapshot_fn=snapshot).run()
    ext = load_extender(out)
    points = []
    for t, step, state in snaps:
        ext.net.load_state_dict(state)
        rebuilt = extend(ext, limited, RATE, MODEL_RATE)
        points.append([round(t, 1), step, round(float(np.mean([lsd(r, b, RATE, lo=HIGH) for r, b in zip(real, rebuilt)])), 4)])
    final = points[-1][2]
    within = next(t for t, _, v in points if v <= 1.1 * final)
    return {"clips": int(len(clips)), "points": points, "final_lsd_high": final, "within_10pct_s": within}


def frechet_rows(model, real: np.ndarray, exts: dict, n: int = 128) -> dict:
    """Full-band (48 kHz) log-mel Fréchet distance of ``model``'s clips brought to 48 kHz plainly
    and through each extender in ``exts``, against ``real`` [M, samples at 48 kHz], with the
    real-vs-real split-half floor and decaying noise bursts as reference points."""
    from ganstudio.metrics import logmel_frechet, noise_bursts
    from ganstudio.models.sampling import full_band, latents, render
    clips = render(model, latents(n, model.config.latent_dim, 1))
    length = real.shape[1]

    def fit(x):
        out = np.zeros((len(x), length), np.float32)
        out[:, :min(length, x.shape[1])] = x[:, :length]
        return out
    rows = {"floor_real_halves": logmel_frechet(real[0::2], real[1::2], RATE),
            "noise_bursts": logmel_frechet(noise_bursts(n, length, RATE), real, RATE),
            "resampled": logmel_frechet(fit(full_band(clips, model.config.sample_rate, RATE)), real, RATE)}
    for name, ext in exts.items():
        rows[name] = logmel_frechet(fit(full_band(clips, model.config.sample_rate, RATE, ext)), real, RATE)
    return {k: round(v, 1) for k, v in rows.items()}


def train_generator_on(folder: Path, settings: ImportSettings, files: set[str], out: Path, minutes: float):
    """`tiny` trained from scratch for ``minutes`` on the ``files`` of ``folder`` imported with
    ``settings`` (the train half of a set, at another rate): (loaded model, steps)."""
    import shutil
    from ganstudio.data.importer import Dataset
    from ganstudio.models.modelfile import load_model
    from ganstudio.training import train
    full = import_folder(folder, settings, cache_dir=False)
    keep = [i for i, f in enumerate(full.files) if f in files]
    sub = Dataset(full.clips[keep], full.labels[keep], full.class_names, full.settings,
                  [full.files[i] for i in keep], [], full.source, 0)
    shutil.rmtree(out, ignore_errors=True)
    result = train(sub, out, "tiny", max_minutes=minutes, seed=0)
    return load_model(out), result.step


def native_against_extended(data: Path, minutes: float) -> dict:
    """Issue 14 item 6 at equal CPU time on the drums: `tiny` trained natively at 48 kHz for
    ``minutes``, against `tiny` at 16 kHz for 80 % of them plus its own extender for 20 %
    (what ``train --hifi`` does); full-band FD of 128 clips of each against the test clips."""
    from ganstudio.training.extender_train import HIFI_SHARE
    ds, train, test = load_set(data / "hifi_drums")
    real = ds.clips[test]
    out = {}
    for rate, length, share in ((RATE, 49152, 1.0), (MODEL_RATE, 16384, 1 - HIFI_SHARE)):
        gdir = Path(f"/tmp/ganstudio-bench-hifi-native-{rate}")
        t = time.monotonic()
        model, steps = train_generator_on(data / "hifi_drums", ImportSettings(sample_rate=rate, clip_length=length),
                                          {ds.files[j] for j in train}, gdir, minutes * share)
        exts = {}
        if rate == MODEL_RATE:
            edir = gdir / "extender"
            ExtenderTrainer(ds.clips[train], edir, tc=ExtenderTrainConfig(max_minutes=minutes * HIFI_SHARE),
                            resume=False).run()
            exts["own_extender"] = load_extender(edir)
        rows = frechet_rows(model, real, exts)
        out[f"tiny_{rate}"] = {"steps": steps, "wall_s": round(time.monotonic() - t, 1), "fd": rows}
    return out


def set_entry(a, name: str, shipped) -> dict:
    """Every method on one set's test clips (see the module docstring): the JSON entry."""
    ds, train, test = load_set(Path(a.data) / name)
    test = test[:a.max_test]
    real, families, limited, real_share = held_out(ds, test)
    methods = {"soxr": limited,
               "band_replication": np.stack([replicate_band(c, RATE, band_edge(MODEL_RATE)) for c in limited]),
               "shipped_extender": extend(shipped, limited, RATE, MODEL_RATE),
               # the flat cap of stems made before the top octave's brightness set it
               "shipped_extender_flat_cap": extend(shipped, limited, RATE, MODEL_RATE, cap=1)}
    for other in a.also:
        label, path = other.split("=", 1)
        methods[label] = extend(load_extender(path), limited, RATE, MODEL_RATE)
    entry = {"clips_train": int(len(train)), "clips_test": int(len(test))}
    exts = {"shipped_extender": shipped}
    if a.minutes > 0:
        out = Path(f"/tmp/ganstudio-bench-hifi-{name}")
        t = time.monotonic()
        ExtenderTrainer(ds.clips[train], out, tc=ExtenderTrainConfig(max_minutes=a.minutes), resume=False).run()
        entry["train_s"] = round(time.monotonic() - t, 1)
        exts["folder_extender"] = load_extender(out)
        methods["folder_extender"] = extend(exts["folder_extender"], limited, RATE, MODEL_RATE)
    if a.fd_minutes > 0:
        model, _ = train_generator_on(Path(a.data) / name, ImportSettings(), {ds.files[j] for j in train},
                                      Path(f"/tmp/ganstudio-bench-hifi-gen-{name}"), a.fd_minutes)
        entry["fd_generated_48k"] = frechet_rows(model, ds.clips[test], exts)
    for m, rebuilt in methods.items():
        entry[m] = summarise([measure(r, b) for r, b in zip(real, rebuilt)], real_share, families)
    for measure_name in ("lsd_high", "lsd_8k_20k"):
        base = entry["soxr"][measure_name]
        entry[f"{measure_name}_vs_soxr"] = {m: round(entry[m][measure_name] / base, 3) for m in methods}
    return entry


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="hifi_drums,hifi_sfx")
    ap.add_argument("--data", default=str(Path(__file__).parent / "data"))
    ap.add_argument("--minutes", type=float, default=0.0, help="train an extender on each train half")
    ap.add_argument("--shipped", default=str(SHIPPED))
    ap.add_argument("--also", action="append", default=[], metavar="NAME=PATH",
                    help="measure another extender in the same run (a previous shipped one, say)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-test", type=int, default=80)
    ap.add_argument("--curve", type=float, default=0.0, metavar="MINUTES")
    ap.add_argument("--native", type=float, default=0.0, metavar="MINUTES",
                    help="only compare a native 48 kHz tiny with tiny at 16 kHz + extender at equal time")
    ap.add_argument("--speed", action="store_true", help="only the shipped extender's speed")
    ap.add_argument("--fd-minutes", type=float, default=0.0,
                    help="also train a 16 kHz tiny generator on each set's train half this long and "
                         "compare full-band FD of its clips extended and resampled")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.native:
        print(json.dumps({"threads": a.threads, "minutes": a.native,
                          "drums": native_against_extended(Path(a.data), a.native)}, indent=1))
        return 0
    if a.curve:
        from ganstudio.library.air_kit import render_air
        ds, train, test = load_set(Path(a.data) / "hifi_drums")
        real = ds.clips[test[:24]]
        result = {"threads": a.threads, "minutes": a.curve,
                  "100": learning_curve(ds.clips[train], real, a.curve),
                  "1000": learning_curve(render_air(per_class=100)[:1000], real, a.curve)}
        print(json.dumps(result, indent=1))
        return 0
    shipped = load_extender(a.shipped)
    if a.speed:
        print(json.dumps({"threads": a.threads, "speed_shipped": speed(shipped)}, indent=1))
        return 0
    result = {"rate": RATE, "made_at": MODEL_RATE, "threads": a.threads,
              "speed_shipped": speed(shipped), "sets": {}}
    from ganstudio.library.demo_kit import render_kit
    from ganstudio.library.demo_model import load_demo_model
    demo = load_demo_model()
    kit = np.concatenate([np.stack(v) for v in render_kit(24, RATE, demo.config.clip_length / MODEL_RATE, seed=7).values()])
    result["fd_demo_model_vs_kit_48k"] = frechet_rows(demo, kit, {"shipped_extender": shipped})
    for name in a.sets.split(","):
        entry = result["sets"][name] = set_entry(a, name, shipped)
        print(json.dumps({name: entry["lsd_high_vs_soxr"]}), file=sys.stderr)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
