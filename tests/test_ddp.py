"""Training through PyTorch's DDP with torchrun: 2 CPU processes on the gloo backend."""
import os
import subprocess
import sys

from ganstudio.models.modelfile import load_model
from ganstudio.training import load_state


def test_torchrun_two_processes_gloo(kit_dir, tmp_path):
    out = tmp_path / "ddp-model"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29533",
           "-m", "ganstudio", "train", str(kit_dir), "--out", str(out), "--steps", "2",
           "--length", "8000", "--batch", "4", "--device", "cpu", "--no-cache"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("done at step 2") == 1          # only rank 0 reports
    assert load_state(out).step == 2
    model = load_model(out)                                  # the GUI / CLI can open DDP checkpoints
    assert model.meta["training"]["step"] == 2
    from ganstudio.audio.studio import Studio               # what the window plays a model with
    studio = Studio(model, device=999)
    studio.start()
    try:
        assert studio.audio_error and studio.worker.wait_idle(30)
        assert studio.pad_clip(0).shape == (round(8000 * 48000 / 16000),)
    finally:
        studio.close()
    # Resume under torchrun continues from the checkpoint.
    cmd[cmd.index("--steps") + 1] = "3"
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "resuming" in proc.stdout and load_state(out).step == 3


def test_train_convert_under_torchrun_two_processes_and_resume(tmp_path):
    # the side models' loop (converter, extender) uses the same DDP: rank 0 writes and reports
    import soundfile as sf
    from test_converter import _voice
    from ganstudio.models.converter_file import load_converter
    for name, f0 in (("low", 110.0), ("high", 220.0)):
        (tmp_path / name).mkdir()
        for i in range(3):
            sf.write(tmp_path / name / f"{i}.wav", _voice(f0, 1.5 + 0.5 * i, i, 800), 16000)
    out = tmp_path / "conv"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29537",
           "-m", "ganstudio", "train-convert", str(tmp_path / "low"), str(tmp_path / "high"), "--out", str(out),
           "--steps", "1", "--device", "cpu"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("done at step 1") == 1
    cmd[cmd.index("--steps") + 1] = "2"
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "resuming" in proc.stdout and load_state(out).step == 2
    assert load_converter(out).meta["training"]["step"] == 2
