"""Write the bad-input corpus: every kind of odd or broken file a user's folder may hold.

    python tests/data/make_bad_corpus.py OUT_DIR

Made by this script (never hand-edited binaries), because permissions and symbolic link loops
can't live in git. :func:`write_corpus` returns what import must make of each file: "ok" or the
start of the reason it is skipped with.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 44100


def hit(seconds: float = 0.4, rate: int = SR, channels: int = 1, freq: float = 180.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    x = 0.6 * np.sin(2 * np.pi * freq * t * (1 + 2 * np.exp(-t * 30))) * np.exp(-t * 9)
    return np.repeat(x[:, None], channels, axis=1) if channels > 1 else x


def write_corpus(folder: str | Path) -> dict[str, str]:
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    expect: dict[str, str] = {}

    def wav(name, data, rate=SR, expected="ok", **kw):
        sf.write(d / name, data, rate, **kw)
        expect[name] = expected

    wav("good.wav", hit())
    sf.write(d / "full.wav", hit(2.0), SR, subtype="PCM_16")
    blob = (d / "full.wav").read_bytes()
    (d / "full.wav").unlink()
    (d / "truncated.wav").write_bytes(blob[: len(blob) // 3])
    expect["truncated.wav"] = "damaged: truncated"
    (d / "header_only.wav").write_bytes(blob[:44])
    expect["header_only.wav"] = "damaged: truncated"
    wrong = bytearray(blob)
    wrong[8:12] = b"AVI "                       # a RIFF file that says it is not WAVE
    (d / "wrong_header.wav").write_bytes(bytes(wrong))
    expect["wrong_header.wav"] = "unreadable: damaged or unsupported audio"
    (d / "zero_length.wav").write_bytes(b"")
    expect["zero_length.wav"] = "empty: zero-byte file"
    (d / "text.wav").write_text("Not audio at all, just notes that happen to end in .wav\n" * 20)
    expect["text.wav"] = "unreadable: damaged or unsupported audio"
    (d / "notes.txt").write_text("session notes")
    expect["notes.txt"] = "not audio"
    nan = hit().astype(np.float32)
    nan[1000] = np.nan
    wav("nan_float.wav", nan, subtype="FLOAT", expected="corrupt: the file contains NaN or infinite")
    inf = hit().astype(np.float32)
    inf[2000] = np.inf
    wav("inf_float.wav", inf, subtype="FLOAT", expected="corrupt: the file contains NaN or infinite")
    wav("eight_channels.wav", hit(channels=8), subtype="PCM_24")
    wav("one_sample.wav", np.array([0.5]), expected="too short")
    wav("silent.wav", np.zeros(SR // 2), expected="silent")
    # ten minutes: only the first minute is decoded
    long = np.tile(hit(1.0, rate=8000), 600)
    wav("very_long.wav", long, rate=8000, subtype="PCM_U8")
    wav("eight_bit.wav", hit(rate=11025), rate=11025, subtype="PCM_U8")
    wav("ünïcødé näme with spaces 日本.wav", hit(freq=240.0))
    wav("unreadable.wav", hit(freq=300.0),
        expected="ok" if os.geteuid() == 0 else "unreadable: permission denied")
    os.chmod(d / "unreadable.wav", 0)
    os.symlink("loop_b.wav", d / "loop_a.wav")
    os.symlink("loop_a.wav", d / "loop_b.wav")
    expect["loop_a.wav"] = expect["loop_b.wav"] = "unreadable: symbolic link loop"
    os.symlink("does_not_exist.wav", d / "dangling.wav")
    expect["dangling.wav"] = "unreadable: broken symbolic link"
    # a pipe named like audio would block whoever opens it (hashing or decoding)
    os.mkfifo(d / "pipe.wav")
    expect["pipe.wav"] = "not a regular file: a pipe, device or socket"
    # 70 s whose only sound comes after the first 60 s (all that is read of a long file)
    late = np.zeros(70 * 8000)
    late[65 * 8000:65 * 8000 + 3200] = hit(0.4, rate=8000)
    wav("late_sound.wav", late, rate=8000, subtype="PCM_16",
        expected="silent: peak level below -80 dBFS (only the first 60 s of a long file are read)")
    return expect


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "bad-corpus")
    for name, outcome in sorted(write_corpus(out).items()):
        print(f"{name}: {outcome}")
