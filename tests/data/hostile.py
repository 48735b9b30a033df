"""Hostile files and arguments for every command, run in one process under a memory limit.

    python tests/data/hostile.py WORK_DIR RESULTS.json

Writes model files, sessions, sidecars and folders a stranger (or a typo) could hand the app into
WORK_DIR, runs ``ganstudio.cli.main`` on each case with an alarm as a hang guard, and writes one
JSON record per case: its kind, exit code, stderr, whether it hung or printed a traceback, the
process's peak memory after it, and what the case expects. ``tests/test_hostile.py`` runs it as
a child under ``RLIMIT_AS`` and asserts every outcome; the README's reliability table counts them.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import signal
import sys
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors.torch import save as st_save

HANG_S = 30


class Hang(BaseException):
    """Raised by the alarm: not an Exception, so the CLI's handler can't mistake it for an error."""


@dataclass
class Case:
    kind: str                       # model, session, sidecar, argument, import, state, pack
    name: str
    argv: list[str]
    expect: list[str]               # substrings of stderr (or stdout for ok cases)
    ok: bool = False                # the command should succeed
    rc: int | None = None
    stderr: str = ""
    stdout: str = ""
    hung: bool = False
    traceback: bool = False
    maxrss_mb: float = 0.0
    outside: list[str] = field(default_factory=list)


def _sha(b: bytes) -> str:
    import hashlib
    return hashlib.sha256(b).hexdigest()


def _model_variant(src: Path, dst: Path, change=None, tensors=None) -> Path:
    """Copy the model folder ``src`` to ``dst`` with its config changed by ``change(meta)`` and/or
    its weights replaced by ``tensors`` (hash updated, so only the content is hostile)."""
    shutil.copytree(src, dst)
    meta = json.loads((dst / "config.json").read_text())
    if tensors is not None:
        blob = st_save(tensors)
        (dst / "generator.safetensors").write_bytes(blob)
        meta["weights_sha256"] = _sha(blob)
    if change:
        change(meta)
    (dst / "config.json").write_text(json.dumps(meta))
    return dst


def build(work: Path) -> list[Case]:
    from ganstudio.export import export_stems, random_specs, ExportSettings
    from ganstudio.library import write_kit
    from ganstudio.models.modelfile import load_model, pack_gsm, save_model
    from ganstudio.models import Generator, preset
    from ganstudio.session import save_session

    work.mkdir(parents=True, exist_ok=True)
    out = work / "out"
    torch.manual_seed(0)
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000)
    good = work / "good-model"
    save_model(good, Generator(cfg).eval(), cfg, {"source": "kit"}, {"step": 1})
    model = load_model(good)
    sd = {k: v.clone() for k, v in model.generator.state_dict().items()}
    cases: list[Case] = []

    def add(kind, name, argv, expect, ok=False):
        cases.append(Case(kind, name, [str(a) for a in argv], expect, ok))

    # ---- model files: each with info and generate --------------------------------------------
    def model_case(name, path, expect):
        add("model", f"{name} (info)", ["info", path], expect)
        add("model", f"{name} (generate)", ["generate", path, "-n", "2", "--out", out / name], expect)

    bomb = work / "bomb.gsm"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", (good / "config.json").read_text())
        z.writestr("generator.safetensors", b"\0" * (64 << 20))      # 64 MB of zeros in ~64 kB
    model_case("zip-bomb", bomb, ["bomb.gsm", "would unpack to"])
    sparse = _model_variant(good, work / "sparse-model")
    with open(sparse / "generator.safetensors", "r+b") as f:
        f.truncate(20 << 30)                                         # 20 GB, no blocks on disk
    model_case("sparse-20GB", sparse, ["generator.safetensors", "MB"])
    fifo = work / "fifo.gsm"
    os.mkfifo(fifo)
    model_case("fifo", fifo, ["fifo.gsm", "not a regular file"])
    model_case("dev-zero", "/dev/zero", ["/dev/zero", "not a regular file"])
    for field_, value, expect in (("model_dim", 4194304, "model_dim"), ("model_dim", 256, "parameters"),
                                  ("sample_rate", 0, "sample_rate"), ("sample_rate", -16000, "sample_rate"),
                                  ("sample_rate", 1e12, "sample_rate"), ("sample_rate", "16000", "sample_rate"),
                                  ("latent_dim", True, "latent_dim"), ("class_names", "abc", "class_names"),
                                  ("kernel_size", float("nan"), "kernel_size"), ("clip_length", -1, "clip_length"),
                                  ("upsample", None, "upsample")):
        name = f"config-{field_}-{value!s:.12}"
        p = _model_variant(good, work / name, lambda m, f=field_, v=value: m["model"].update({f: v}))
        model_case(name, p, [name, expect])
    p = _model_variant(good, work / "top-rate-differs", lambda m: m.update(sample_rate=44100))
    model_case("top-rate-differs", p, ["top-rate-differs", "sample_rate"])
    nan = {k: v.clone() for k, v in sd.items()}
    next(iter(nan.values())).view(-1)[0] = float("nan")
    model_case("nan-weights", _model_variant(good, work / "nan-weights", tensors=nan), ["nan-weights", "NaN"])
    ints = {k: v.to(torch.int32) for k, v in sd.items()}
    model_case("int-weights", _model_variant(good, work / "int-weights", tensors=ints),
               ["int-weights", "not floating-point"])
    model_case("bad-hash", _model_variant(good, work / "bad-hash", lambda m: m.update(weights_sha256=12)),
               ["bad-hash", "weights hash"])
    deep = work / "deep-json"
    shutil.copytree(good, deep)
    (deep / "config.json").write_text("[" * 100000 + "]" * 100000)
    model_case("deep-json", deep, ["deep-json", "not valid JSON"])

    # ---- sessions: export SESSION ----------------------------------------------------------------
    z = [0.1] * cfg.latent_dim

    def session(name, pads, model_path=good, model_hash=None, raw=None):
        p = work / f"{name}.gss"
        if raw is not None:
            p.write_text(raw)
        else:
            save_session(p, model_path=str(model_path), model_hash=model_hash or model.weights_hash, pads=pads)
        add("session", name, ["export", p, "--out", out / name], [f"{name}.gss"] + session_expect.pop())
        return p

    def raw_session(pads_json: str, model_path=good) -> str:
        return ('{"format": "ganstudio-session", "version": 1, "model": %s, "model_sha256": "%s", '
                '"pads": %s, "settings": {}}' % (json.dumps(str(model_path)), model.weights_hash, pads_json))
    session_expect = [["latent"]]
    session("nan-latent", None, raw=raw_session('[{"latent": [NaN, %s]}]' % ", ".join(["0.1"] * (cfg.latent_dim - 1))))
    session_expect = [["gain"]]
    session("inf-gain", None, raw=raw_session('[{"gain": Infinity, "latent": %s}]' % json.dumps(z)))
    session_expect = [["latent must hold only numbers"]]
    session("nested-latent", [{"latent": [[0.1, 0.2]] * cfg.latent_dim}])
    session_expect = [["pitch"]]
    session("pitch-1e6", [{"latent": z, "pitch": 1e6}])
    session_expect = [["pitch"]]
    session("pitch-minus-120", [{"latent": z, "pitch": -120}])
    session_expect = [["at most 16"]]
    session("100000-pads", [{"latent": [0.0]}] * 100000)
    session_expect = [["--any-model"]]
    session("other-model", [{"latent": z}], model_hash="0" * 64)
    session_expect = [["/dev/zero", "not a regular file"]]
    session("model-dev-zero", [{"latent": z}], model_path="/dev/zero")
    session_expect = [["latent", "values"]]
    session("latent-wrong-size", [{"latent": [0.1] * 7}])
    session_expect = [["label"]]
    session("label-bool", [{"latent": z, "label": True}])
    big = work / "huge.gss"
    big.write_text(raw_session(json.dumps([{"name": "x" * 200}] * 30000)))   # 6 MB
    add("session", "huge-session", ["export", big, "--out", out / "huge"], ["huge.gss", "MB"])
    sfifo = work / "fifo.gss"
    os.mkfifo(sfifo)
    add("session", "fifo-session", ["export", sfifo, "--out", out / "fifo-s"], ["fifo.gss", "not a regular file"])
    add("session", "pads-without-session", ["export", good, "--pads", "all", "--out", out / "nopads"],
        ["give a .gss"])

    # ---- sidecars: generate --from-sidecar ---------------------------------------------------
    stems = work / "stems"
    made = export_stems(model, random_specs(model, 1, seed=3), stems, ExportSettings(rate=None))[0]
    doc = json.loads(made.sidecar.read_text())
    victim = work / "victim.txt"
    victim.write_text("precious")

    def sidecar(name, change, expect, ok=False, extra=()):
        d = json.loads(json.dumps(doc))
        change(d)
        p = stems / f"{name}.json"
        p.write_text(json.dumps(d))
        add("sidecar", name, ["generate", "--from-sidecar", p, "--out", out / "remade", *extra], expect, ok)
    sidecar("wav-traversal", lambda d: d.update(wav="../../victim.txt"), ["remade"], ok=True, extra=["--overwrite"])
    sidecar("wav-absolute", lambda d: d.update(wav=str(victim)), ["remade"], ok=True, extra=["--overwrite"])
    sidecar("tampered-latent", lambda d: d["source"]["latent"].__setitem__(0, 2.5), ["differs"])
    sidecar("missing-model", lambda d: d.pop("model"), ["model must be"])
    sidecar("hash-is-number", lambda d: d["model"].update(weights_sha256=5), ["weights_sha256"])
    sidecar("rate-is-string", lambda d: d["processing"].update(rate="48000"), ["sample rate"])
    sidecar("trim-db-1000", lambda d: d["processing"].update(trim_db=1000), ["trim threshold"])
    sidecar("nan-latent", lambda d: d["source"]["latent"].__setitem__(0, float("nan")), ["invalid JSON"])
    sidecar("texture-1e9-s", lambda d: d.update(source={"type": "texture", "seconds": 1e9, "seed": 1, "speed": 0.1}),
            ["texture length"])
    sidecar("texture-speed-nan", lambda d: d.update(source={"type": "texture", "seconds": 1, "seed": 1,
                                                           "speed": float("nan")}), ["invalid JSON"])
    sidecar("pad-pitch-90", lambda d: d.update(pad={"pitch": 90}), ["pitch"])
    rel = json.loads(json.dumps(doc))
    rel["model"]["path"] = os.path.relpath(good, stems)
    (stems / "relative.json").write_text(json.dumps(rel))
    add("sidecar", "relative-model-path", ["generate", "--from-sidecar", stems / "relative.json", "--out",
                                           out / "rel"], ["remade"], ok=True)

    # ---- arguments ----------------------------------------------------------------------------
    kit = write_kit(work / "kit", per_class=1, duration=0.5)
    for argv, expect in (
            (["export", good, "--variations", "10000000", "--out", out], ["--variations", "out of range"]),
            (["export", good, "--random", "-5", "--out", out], ["--random", "out of range"]),
            (["export", good, "--peak", "nan", "--out", out], ["--peak", "out of range"]),
            (["export", good, "--peak", "-1000", "--out", out], ["--peak", "out of range"]),
            (["export", good, "--fade-in", "inf", "--out", out], ["--fade-in", "out of range"]),
            (["export", good, "--amount", "nan", "--out", out], ["--amount", "out of range"]),
            (["export", good, "--texture", "1e9", "--out", out], ["--texture", "out of range"]),
            (["generate", good, "-n", "1000000", "--out", out], ["-n", "out of range"]),
            (["train", kit, "--out", out / "t", "--minutes", "nan"], ["--minutes", "out of range"]),
            (["train", kit, "--out", out / "t", "--steps", "-5"], ["--steps", "out of range"]),
            (["train", kit, "--out", out / "t", "--threads", "-1"], ["--threads", "out of range"]),
            (["train", kit, "--out", out / "t", "--batch", "1000000"], ["--batch", "out of range"]),
            (["train", kit, "--out", out / "t", "--device", "bogus"], ["--device", "not a device"]),
            (["kit", out / "k", "--per-class", "-1"], ["--per-class", "out of range"])):
        add("argument", " ".join(map(str, argv[:1] + argv[2:4])), argv, expect)
    if not torch.cuda.is_available():
        add("argument", "train --device cuda without CUDA",
            ["train", kit, "--out", out / "t", "--device", "cuda", "--steps", "1", "--length", "8000"], ["CUDA"])
    afile = work / "a-file"
    afile.write_text("x")
    add("argument", "out below a file", ["generate", good, "-n", "1", "--out", afile / "sub"], ["a-file"])

    # ---- pack ---------------------------------------------------------------------------------
    add("pack", "pack into the model's own config", ["pack", good, good / "config.json"], [".gsm"])
    add("pack", "pack over the model's own file", ["pack", good, good / "x.gsm"], ["part of the model"])
    pack_gsm(good, work / "exists.gsm")
    add("pack", "pack over an existing file", ["pack", good, work / "exists.gsm"], ["exists", "--overwrite"])
    add("pack", "pack from a .gsm", ["pack", work / "exists.gsm", work / "again.gsm"], ["wrote"], ok=True)

    # ---- training state and import -------------------------------------------------------------
    from ganstudio.training.checkpoint import STATE_FILE
    broken = work / "broken-state"
    shutil.copytree(good, broken)
    (broken / STATE_FILE).write_bytes(st_save({"x": torch.zeros(1)}, metadata={"format": "ganstudio.train_state"}))
    add("state", "train state without its JSON", ["train", kit, "--out", broken, "--steps", "1", "--length", "8000",
                                                   "--no-cache"], ["train_state", "damaged"])
    odd = work / "odd-folder"
    shutil.copytree(kit, odd)
    os.mkfifo(odd / "x.wav")
    (odd / "evil\nforged: ok.wav").write_text("not audio, and a name that tries to forge a report line")
    add("import", "FIFO and a newline in names", ["train", odd, "--out", out / "odd", "--steps", "1", "--length",
                                                   "8000", "--batch", "2", "--no-cache"],
        ["x.wav: not a regular file", "evil\\nforged: ok.wav: unreadable"], ok=True)
    return cases


def run(case: Case, work: Path) -> None:
    from ganstudio import cli
    err, outb = io.StringIO(), io.StringIO()
    before = {p: p.stat().st_mtime_ns for p in work.parent.glob("*") if p.is_file()}
    signal.alarm(HANG_S)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(outb):
            case.rc = cli.main(case.argv)
    except Hang:
        case.hung = True
    except SystemExit as exc:          # argparse
        case.rc = exc.code if isinstance(exc.code, int) else 2
    except BaseException:              # noqa: BLE001 - a crash is what this records
        import traceback
        case.traceback = True
        err.write(traceback.format_exc())
        case.rc = -1
    finally:
        signal.alarm(0)
    case.stderr, case.stdout = err.getvalue()[-4000:], outb.getvalue()[-4000:]
    case.traceback = case.traceback or "Traceback (most recent call last)" in case.stderr
    case.maxrss_mb = peak_rss_mb()
    # anything outside the work folder that changed (e.g. a file a sidecar named)
    case.outside = [str(p) for p, t in before.items() if not p.exists() or p.stat().st_mtime_ns != t]


def peak_rss_mb() -> float:
    """This process's peak resident memory. Not ``getrusage``: Linux carries ``ru_maxrss`` over
    ``execve`` from the process that forked it, so under a big pytest process it reported the
    test runner's size; ``VmHWM`` belongs to this program's own address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    work, results = Path(sys.argv[1]), Path(sys.argv[2])
    (work.parent / "outside-sentinel.txt").write_text("must not change")
    torch.set_num_threads(1)

    def on_alarm(*_):
        raise Hang()
    signal.signal(signal.SIGALRM, on_alarm)
    os.environ.setdefault("GANSTUDIO_CACHE_DIR", str(work / "cache"))
    cases = build(work)
    for c in cases:
        run(c, work)
    results.write_text(json.dumps([asdict(c) for c in cases], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
