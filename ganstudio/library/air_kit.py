"""Procedural full-band one-shots (48 kHz) for training the general bandwidth extender that ships
in ``resources/``: made here, so their licence is the project's own. They cover how real sounds
carry energy above 8 kHz: noise bursts of every spectral tilt, metallic partials (cymbals, 808-style
hats from square waves), snares and shakers, bright plucks whose high harmonics die first, sweeps
through the whole band, and the demo kit rendered at 48 kHz.

Every sound is float32 mono [seconds * rate], peak 0.9, deterministic in its ``rng``.
"""
from __future__ import annotations

import numpy as np

from .demo_kit import KIT_CLASSES, render_sound

RATE = 48000
AIR_CLASSES = ("burst", "metal", "hat808", "snare", "shaker", "pluck", "sweep")


def _shaped_noise(rng, n, sr, tilt, lo, hi):
    """White noise with power falling ``tilt`` dB per octave, band-passed to [lo, hi] Hz."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / sr)
    gain = (np.maximum(f, 20.0) / 1000.0) ** (-tilt / 6.02)
    gain *= 1.0 / (1.0 + (lo / np.maximum(f, 1.0)) ** 4) / (1.0 + (f / hi) ** 8)
    y = np.fft.irfft(spec * gain, n)
    return y / (np.abs(y).max() + 1e-12)


def _env(rng, n, sr, decay, attack_ms=0.0):
    t = np.arange(n) / sr
    env = np.exp(-t * decay)
    a = int(attack_ms * sr / 1000)
    if a > 1:
        env[:a] *= np.linspace(0, 1, a)
    return env


def _burst(rng, sr, n):
    y = _shaped_noise(rng, n, sr, rng.uniform(-2, 9), rng.uniform(20, 3000), rng.uniform(9000, 30000))
    return y * _env(rng, n, sr, rng.uniform(4, 80), rng.uniform(0, 15))


def _metal(rng, sr, n):
    t = np.arange(n) / sr
    y = np.zeros(n)
    for f in np.exp(rng.uniform(np.log(300), np.log(17000), rng.integers(20, 70))):
        y += np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3)) * np.exp(-t * rng.uniform(2, 25)) * rng.uniform(0.2, 1)
    y = y / (np.abs(y).max() + 1e-12) + 0.5 * _shaped_noise(rng, n, sr, rng.uniform(0, 4), 3000, 22000)
    return y * _env(rng, n, sr, rng.uniform(2, 20))


def _hat808(rng, sr, n):
    t = np.arange(n) / sr
    base = rng.uniform(180, 420)
    y = sum(np.sign(np.sin(2 * np.pi * base * r * t)) for r in (1.0, 1.4471, 1.6170, 1.9265, 2.5028, 2.6637))
    spec = np.fft.rfft(y)
    f = np.fft.rfftfreq(n, 1.0 / sr)
    lo = rng.uniform(5000, 9000)
    y = np.fft.irfft(spec / (1.0 + (lo / np.maximum(f, 1.0)) ** 4), n)
    return y / (np.abs(y).max() + 1e-12) * _env(rng, n, sr, rng.uniform(8, 70))


def _snare(rng, sr, n):
    t = np.arange(n) / sr
    tone = np.sin(2 * np.pi * rng.uniform(150, 260) * t) * np.exp(-t * rng.uniform(15, 35))
    noise = _shaped_noise(rng, n, sr, rng.uniform(0, 6), rng.uniform(300, 2000), rng.uniform(10000, 24000))
    return rng.uniform(0.3, 0.8) * tone + noise * _env(rng, n, sr, rng.uniform(10, 30))


def _shaker(rng, sr, n):
    noise = _shaped_noise(rng, n, sr, rng.uniform(-3, 3), rng.uniform(3000, 7000), rng.uniform(14000, 24000))
    grains = np.zeros(n)
    for s in rng.integers(0, max(1, n // 3), rng.integers(5, 40)):
        grains[s:s + 400] += rng.uniform(0.3, 1)
    kernel = np.hanning(801)
    return noise * np.convolve(grains, kernel / kernel.sum(), "same") * _env(rng, n, sr, rng.uniform(2, 10))


def _pluck(rng, sr, n):
    t = np.arange(n) / sr
    f0 = np.exp(rng.uniform(np.log(80), np.log(1500)))
    bright = rng.uniform(1, 6)
    y = np.zeros(n)
    for k in range(1, int(min(60, 20000 / f0)) + 1):
        y += np.sin(2 * np.pi * f0 * k * t * (1 + 1e-4 * k * k)) / k ** (1.5 / bright) \
             * np.exp(-t * rng.uniform(2, 6) * (1 + 0.15 * k))
    return y


def _sweep(rng, sr, n):
    out = np.zeros(n)
    noise = rng.standard_normal(n)
    win, hop = 1024, 256
    w = np.hanning(win)
    f = np.fft.rfftfreq(win, 1.0 / sr)
    lo, hi = rng.uniform(200, 1000), rng.uniform(10000, 22000)
    up = rng.random() < 0.5
    for s in range(0, n - win, hop):
        frac = s / max(1, n - win)
        c = lo * (hi / lo) ** (frac if up else 1 - frac)
        spec = np.fft.rfft(noise[s:s + win] * w) / (1.0 + ((f - c) / (0.3 * c)) ** 2)
        out[s:s + win] += np.fft.irfft(spec, win) * w
    t = np.arange(n) / n
    return out * np.sin(np.pi * np.clip(t / rng.uniform(0.5, 0.95), 0, 1)) ** 2


_MAKERS = {"burst": _burst, "metal": _metal, "hat808": _hat808, "snare": _snare, "shaker": _shaker,
           "pluck": _pluck, "sweep": _sweep}


def render_air(per_class: int = 40, seconds: float = 1.0, seed: int = 0, rate: int = RATE,
               with_kit: bool = True) -> np.ndarray:
    """The corpus: ``per_class`` sounds of each :data:`AIR_CLASSES` class (and of the demo kit's
    classes when ``with_kit``), float32 [count, seconds * rate]."""
    n = int(round(seconds * rate))
    out = []
    for ci, kind in enumerate(AIR_CLASSES):
        rng = np.random.default_rng([seed, 1000 + ci])
        for _ in range(per_class):
            y = _MAKERS[kind](rng, rate, n)
            fade = int(0.005 * rate)
            y[n - fade:] *= np.linspace(1, 0, fade)
            out.append(0.9 * y / (np.abs(y).max() + 1e-12))
    if with_kit:
        for ci, kind in enumerate(KIT_CLASSES):
            rng = np.random.default_rng([seed, 2000 + ci])
            out.extend(render_sound(kind, rng, rate, seconds) for _ in range(per_class // 2))
    return np.stack(out).astype(np.float32)
