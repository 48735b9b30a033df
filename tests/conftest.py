import os
import shutil

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own clip cache and keeps library, never the user's."""
    monkeypatch.setenv("GANSTUDIO_CACHE_DIR", str(tmp_path / "clip-cache"))
    monkeypatch.setenv("GANSTUDIO_KEEPS_DIR", str(tmp_path / "keeps"))


@pytest.fixture(scope="session", autouse=True)
def _torch_threads():
    import torch
    torch.set_num_threads(2)


@pytest.fixture(scope="session")
def kit_dir(tmp_path_factory):
    """The demo kit on disk: 4 sounds in each of 6 class folders, 16 kHz 16-bit WAV."""
    from ganstudio.library import write_kit
    return write_kit(tmp_path_factory.mktemp("kit"), per_class=4, duration=0.6)


@pytest.fixture(scope="session")
def small_dataset():
    """The demo kit in memory at 16 kHz, clips of 8000 samples (0.5 s): fast to train on."""
    from ganstudio.data import Dataset, ImportSettings
    from ganstudio.library import render_kit
    return Dataset.from_arrays(render_kit(per_class=6, duration=0.6), ImportSettings(clip_length=8000))


@pytest.fixture(scope="session")
def jack_device():
    """The PortAudio device index of a JACK dummy server at 48 kHz / 256 frames (started if needed)."""
    from ganstudio.audio.jack import jack_output_device, start_dummy, stop_dummy
    if not shutil.which("jackd"):
        pytest.skip("jackd is not installed (tools/install.sh installs jackd2)")
    proc = start_dummy(48000, 256)
    yield jack_output_device()
    stop_dummy(proc)
