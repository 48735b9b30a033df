import contextlib
import io
import json
import os
import subprocess
import sys

import pytest
import soundfile as sf

from ganstudio.training import load_state


def run(*args, check=True, env=None):
    """``python -m ganstudio ARGS`` in a new process."""
    proc = subprocess.run([sys.executable, "-m", "ganstudio", *map(str, args)], capture_output=True,
                          text=True, timeout=240, env={**os.environ, **(env or {})})
    return _checked(proc, check)


def cli(*args, check=True):
    """``ganstudio ARGS`` in this process: the same parsing, checks, work and messages as
    :func:`run` without a new process's start (2-3 s of importing torch on a 2-core machine).
    What only a new process shows (the entry point, the same sound in another process, signals,
    training's threads) stays with :func:`run`."""
    from ganstudio.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([str(a) for a in args])
        except SystemExit as exc:            # argparse refusing an argument
            rc = exc.code
    return _checked(subprocess.CompletedProcess(args, rc, out.getvalue(), err.getvalue()), check)


def _checked(proc, check):
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.mark.slow
def test_kit_train_generate_info(tmp_path):
    kit, model, out = tmp_path / "kit", tmp_path / "model", tmp_path / "clips"
    run("kit", kit, "--per-class", 3)
    (kit / "notes.txt").write_text("not audio")
    p = run("train", kit, "--out", model, "--steps", 2, "--length", 8000, "--batch", 4, "--threads", 2)
    assert "imported 18 clips" in p.stdout and "notes.txt: not audio" in p.stderr
    assert "done at step 2" in p.stdout
    assert "starting from" in p.stdout and "resources/base" in p.stdout      # the pretrained base (issue 13)
    p = run("train", kit, "--out", model, "--steps", 3, "--length", 8000, "--batch", 4, "--keep-every", 3)
    assert "resuming from the checkpoint" in p.stdout and "done at step 3" in p.stdout
    assert "starting from" not in p.stdout
    assert (model / "snapshots" / "step_0000003" / "generator.safetensors").exists()
    p = run("generate", model, "-n", 3, "--out", out, "--format", "pcm16", "--seed", 4)
    files = sorted(out.glob("*.wav"))
    assert len(files) == 3 and "wrote 3 clip(s)" in p.stdout
    info = sf.info(files[0])
    assert (info.samplerate, info.subtype) == (48000, "PCM_16") and info.frames <= 24000
    first = sf.read(files[0])[0]
    # cleaned as export cleans a one-shot: it starts on zero and ends in 10 ms of silence
    assert first[0] == 0.0 and not first[-480:].any()
    cli("generate", model, "-n", 1, "--out", tmp_path / "raw", "--format", "pcm16", "--seed", 4, "--raw")
    assert sf.info(next((tmp_path / "raw").glob("*.wav"))).frames == 24000
    assert cli("generate", model, "-n", 3, "--out", out, "--seed", 4, check=False).returncode == 1
    run("generate", model, "-n", 3, "--out", out, "--seed", 4, "--format", "pcm16", "--overwrite")
    # Same seed, same sound: equal to within one 16-bit step (oneDNN may pick another kernel
    # in another process, which moves float results by ~1e-6).
    assert abs(sf.read(files[0])[0] - first).max() <= 1 / 32768
    p = cli("info", model)
    assert "preset      tiny" in p.stdout and "step 3" in p.stdout and "8000 samples at 16000 Hz" in p.stdout
    p = cli("pack", model, tmp_path / "drums.gsm")
    assert "wrote" in p.stdout and "preset      tiny" in cli("info", tmp_path / "drums.gsm").stdout
    meta = json.loads(cli("info", model, "--json").stdout)
    assert meta["format"] == "ganstudio.model" and meta["training"]["step"] == 3


@pytest.mark.slow
def test_train_hifi_and_full_band_generate(tmp_path):
    from ganstudio.dsp.bands import energy_above
    from ganstudio.models.extender_file import SHIPPED, load_extender
    kit, model = tmp_path / "kit", tmp_path / "model"
    run("kit", kit, "--per-class", 2, "--rate", 48000)
    p = run("train", kit, "--out", model, "--steps", 1, "--length", 8000, "--batch", 4, "--hifi", "--hifi-steps", 1)
    assert "training its bandwidth extender" in p.stdout and "extender in" in p.stdout
    own = load_extender(model / "extender")
    assert own.weights_hash != load_extender(SHIPPED).weights_hash
    p = run("train-hifi", kit, "--model", model, "--steps", 2)
    assert "done at step 2" in p.stdout            # resumed: the first run stopped before step 2
    shares = {}
    for mode in ("on", "off"):
        out = tmp_path / mode
        cli("generate", model, "-n", 2, "--out", out, "--hifi", mode, "--format", "float")
        audio, rate = sf.read(sorted(out.glob("*.wav"))[0], dtype="float32")
        shares[mode] = energy_above(audio, rate)
    assert shares["off"] < 1e-4 < shares["on"]
    plain = tmp_path / "plain"
    cli("generate", model, "-n", 1, "--out", plain, "--rate", "model")
    assert sf.info(sorted(plain.glob("*.wav"))[0]).samplerate == 16000
    p = cli("train-hifi", kit, "--out", tmp_path / "x", "--model", model, check=False)
    assert p.returncode == 2 and "not allowed with" in p.stderr


def test_conditional_generate_by_class(tmp_path):
    kit, model = tmp_path / "kit", tmp_path / "model"
    run("kit", kit, "--per-class", 2)
    p = run("train", kit, "--out", model, "--steps", 1, "--length", 8000, "--batch", 4, "--conditional",
            "--start", "scratch")
    assert "starting from" not in p.stdout
    # a conditional model matches each class's levels and their spread unless told otherwise (run 24)
    tc = load_state(model).info["train_config"]
    assert tc["mel_match"] == 0.3 and tc["mel_form"] == "quantile"
    cli("generate", model, "-n", 2, "--out", tmp_path / "o", "--class", "snare")
    assert all("_snare_" in f.name for f in (tmp_path / "o").glob("*.wav"))
    p = cli("generate", model, "-n", 2, "--out", tmp_path / "o", "--class", "cowbell", check=False)
    assert p.returncode == 1 and "has no class 'cowbell'" in p.stderr


def test_clear_errors(tmp_path):
    p = cli("info", tmp_path / "nope", check=False)
    assert p.returncode == 1 and p.stderr.startswith("error: no model at")
    (tmp_path / "empty").mkdir()
    p = run("train", tmp_path / "empty", "--out", tmp_path / "m", "--steps", 1, check=False)
    assert p.returncode == 1 and "no usable sounds" in p.stderr
    p = cli("train", tmp_path, "--out", tmp_path / "m", "--rate", "12345", check=False)
    assert p.returncode == 2  # argparse rejects the rate
    p = cli("train", tmp_path, "--out", tmp_path / "m", "--mel-match", "nan", check=False)
    assert p.returncode == 2 and "--mel-match" in p.stderr
    p = cli("train", tmp_path, "--out", tmp_path / "m", "--mel-form", "median", check=False)
    assert p.returncode == 2 and "--mel-form" in p.stderr


def test_readme_test_command_is_what_ci_runs():
    root = os.path.dirname(os.path.dirname(__file__))
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read().splitlines()
    ci = open(os.path.join(root, ".ci", "run"), encoding="utf-8").read()
    test_line = next(line for line in readme[:6] if "pytest" in line)
    assert test_line.startswith("bash tools/install.sh && .venv/bin/python -m pytest")
    assert "grep -m1 -o 'bash tools/install.sh && .venv/bin/python -m pytest" in ci


@pytest.mark.slow
def test_ctrl_c_twice_aborts_with_one_line_and_keeps_the_checkpoint(tmp_path, kit_dir):
    import signal
    import time
    model = tmp_path / "m"
    proc = subprocess.Popen([sys.executable, "-m", "ganstudio", "train", str(kit_dir), "--out", str(model),
                             "--length", "8000", "--no-cache"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 300          # a guard only: the first checkpoint comes at step 0
    while not (model / "train_state.safetensors").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode in (0, 130), err[-2000:]
    assert "Traceback" not in err
    if proc.returncode == 130:
        assert "training aborted; the last checkpoint" in err
    from ganstudio.training.checkpoint import load_state
    assert load_state(model).step >= 0


@pytest.mark.slow
def test_a_sustained_folder_starts_from_its_own_base_and_resumes(tmp_path):
    from test_profile import swells
    folder, model = tmp_path / "swells", tmp_path / "model"
    folder.mkdir()
    for i, clip in enumerate(swells(8)):
        sf.write(folder / f"swell_{i}.wav", clip, 16000)
    p = run("train", folder, "--out", model, "--steps", 1, "--batch", 4, "--threads", 1)
    assert "resources/base_sustained (a folder of sustained sounds" in p.stdout and "done at step 1" in p.stdout
    settings = json.loads((model / "config.json").read_text())["model"]
    assert (settings["upsample"], settings["peak_norm"]) == ("istft", True)     # the base's weights fit
    p = run("train", folder, "--out", model, "--steps", 2, "--batch", 4, "--threads", 1, "--start", "scratch")
    assert "resuming from the checkpoint" in p.stdout and "done at step 2" in p.stdout
    assert json.loads((model / "config.json").read_text())["model"]["upsample"] == "istft"
