"""The built-in procedural drum kit: deterministic one-shots to train on with no data at hand.

Every sound is float32 mono in [-1, 1] at the requested sample rate. The same
``seed`` always gives the same samples, so tests and benchmarks can rely on it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf

KIT_CLASSES = ("kick", "snare", "hat", "tom", "clap", "sweep")


def _t(n: int, sr: int) -> np.ndarray:
    return np.arange(n, dtype=np.float64) / sr


def _band_noise(rng: np.random.Generator, n: int, sr: int, lo: float, hi: float) -> np.ndarray:
    """White noise band-limited to [lo, hi] Hz by masking its spectrum (shape [n])."""
    spec = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / sr)
    spec[(freqs < lo) | (freqs > hi)] = 0.0
    out = np.fft.irfft(spec, n)
    return out / (np.max(np.abs(out)) + 1e-12)


def _kick(rng, sr, n):
    t = _t(n, sr)
    f0, f1 = rng.uniform(45, 65), rng.uniform(120, 220)
    sweep = rng.uniform(25, 60)
    freq = f0 + (f1 - f0) * np.exp(-t * sweep)
    phase = 2 * np.pi * np.cumsum(freq) / sr
    body = np.sin(phase) * np.exp(-t * rng.uniform(5, 10))
    click = _band_noise(rng, n, sr, 1000, 5000) * np.exp(-t * 400) * rng.uniform(0.1, 0.3)
    return body + click


def _snare(rng, sr, n):
    t = _t(n, sr)
    tone = np.sin(2 * np.pi * rng.uniform(160, 240) * t) * np.exp(-t * rng.uniform(15, 30))
    noise = _band_noise(rng, n, sr, rng.uniform(1000, 2000), min(sr / 2, 7000))
    noise *= np.exp(-t * rng.uniform(12, 25))
    return 0.6 * tone + rng.uniform(0.6, 1.0) * noise


def _hat(rng, sr, n):
    t = _t(n, sr)
    open_hat = rng.random() < 0.3
    decay = rng.uniform(6, 12) if open_hat else rng.uniform(40, 90)
    return _band_noise(rng, n, sr, rng.uniform(4500, 6500), sr / 2) * np.exp(-t * decay)


def _tom(rng, sr, n):
    t = _t(n, sr)
    f = rng.uniform(80, 260)
    freq = f * (1 + 0.5 * np.exp(-t * 30))
    phase = 2 * np.pi * np.cumsum(freq) / sr
    return np.sin(phase) * np.exp(-t * rng.uniform(6, 12))


def _clap(rng, sr, n):
    t = _t(n, sr)
    noise = _band_noise(rng, n, sr, 800, 3000)
    env = np.zeros(n)
    gap = rng.uniform(0.008, 0.014)
    for k in range(3):
        start = k * gap
        env += (t >= start) * np.exp(-np.clip(t - start, 0, None) * 180)
    env += (t >= 3 * gap) * np.exp(-np.clip(t - 3 * gap, 0, None) * rng.uniform(15, 30))
    return noise * env


def _sweep(rng, sr, n):
    t = _t(n, sr)
    dur = n / sr
    spec_n = n
    noise = rng.standard_normal(spec_n)
    # A moving low-pass: filter short overlapping windows with a cutoff that rises or falls.
    out = np.zeros(n)
    win = 512
    hop = win // 2
    window = np.hanning(win)
    up = rng.random() < 0.5
    f_lo, f_hi = rng.uniform(200, 600), rng.uniform(3000, sr / 2 - 500)
    freqs = np.fft.rfftfreq(win, 1.0 / sr)
    for start in range(0, n - win, hop):
        frac = start / max(1, n - win)
        frac = frac if up else 1 - frac
        cutoff = f_lo * (f_hi / f_lo) ** frac
        spec = np.fft.rfft(noise[start:start + win] * window)
        spec *= 1.0 / (1.0 + (freqs / cutoff) ** 4)
        out[start:start + win] += np.fft.irfft(spec, win)
    env = np.sin(np.pi * np.clip(t / (dur * rng.uniform(0.6, 0.95)), 0, 1)) ** 2
    return out * env


_RENDERERS: dict[str, Callable] = {
    "kick": _kick, "snare": _snare, "hat": _hat, "tom": _tom, "clap": _clap, "sweep": _sweep,
}


def render_sound(kind: str, rng: np.random.Generator, sample_rate: int = 16000,
                 duration: float = 1.0) -> np.ndarray:
    """One procedural one-shot of ``kind``: float32 [round(duration * sample_rate)], peak 0.9."""
    if kind not in _RENDERERS:
        raise ValueError(f"unknown kit sound {kind!r}; choose from {', '.join(KIT_CLASSES)}")
    n = int(round(duration * sample_rate))
    y = _RENDERERS[kind](rng, sample_rate, n)
    fade = min(n, int(0.005 * sample_rate))
    y[n - fade:] *= np.linspace(1.0, 0.0, fade)
    return (0.9 * y / (np.max(np.abs(y)) + 1e-12)).astype(np.float32)


def render_kit(per_class: int = 24, sample_rate: int = 16000, duration: float = 1.0,
               seed: int = 0, classes: tuple[str, ...] = KIT_CLASSES) -> dict[str, list[np.ndarray]]:
    """The whole kit as ``{class: [clip float32 [duration*sample_rate], ...]}``; deterministic in ``seed``."""
    kit: dict[str, list[np.ndarray]] = {}
    for ci, kind in enumerate(classes):
        rng = np.random.default_rng([seed, ci])
        kit[kind] = [render_sound(kind, rng, sample_rate, duration) for _ in range(per_class)]
    return kit


def write_kit(out_dir: str | Path, per_class: int = 24, sample_rate: int = 16000,
              duration: float = 1.0, seed: int = 0) -> Path:
    """Write the kit as ``out_dir/<class>/<class>_NNN.wav`` (16-bit PCM) and return ``out_dir``."""
    out = Path(out_dir)
    for kind, clips in render_kit(per_class, sample_rate, duration, seed).items():
        folder = out / kind
        folder.mkdir(parents=True, exist_ok=True)
        for i, clip in enumerate(clips):
            sf.write(folder / f"{kind}_{i:03d}.wav", clip, sample_rate, subtype="PCM_16")
    return out
