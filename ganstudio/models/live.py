"""Live conversion: a causal converter (``ConverterConfig(causal=True)``) run on a signal that
arrives piece by piece.

:class:`LiveConverter` keeps what each stage needs between calls: the input samples of the
frame being filled, the causal layers' past frames (:mod:`.causal`), and the overlap-add of the
vocoder's frames not yet complete. Frames are made as :class:`~.converter.MelFrames` makes them
(centred Hann windows: the signal starts after ``n_fft / 2`` zeros) and the overlap-add divides
by the summed squared window as :meth:`~.vocoder.Vocoder.overlap_add` does, so a signal fed in
pieces of any size comes out as :func:`~.conversion.convert_audio` converts it whole, only later.

How much later: output sample ``t`` is complete once the last frame overlapping it is made, and
that frame needs input up to ``t + n_fft`` (:func:`latency_samples`): 512 samples at 24 kHz, 21 ms.

Shapes: float32 [samples] at ``conv.cfg.sample_rate`` in and out.
"""
from __future__ import annotations

import copy

import numpy as np
import torch

from ..dsp.mel import mel_filterbank
from .causal import start_streaming
from .converter import Converter, ConverterConfig

# 24 kHz: hop 128 (5.3 ms) is one 256-frame block at 48 kHz, and the 512-sample window adds 21 ms.
# Narrower than the file converter (width 192, vocoder 192 x 6) to run in a third of real time on
# one CPU thread (0.34 measured, against 0.58 for the file converter's widths)
LIVE_CONFIG = ConverterConfig(sample_rate=24000, n_fft=512, hop=128, width=128, blocks=6,
                              vocoder_width=128, vocoder_blocks=4, causal=True).validate()
# the same seconds per training segment and mask as the file converter's 64 and 25 frames at hop 256
LIVE_TRAINING = {"segment_frames": 128, "mask_frames": 50}


def latency_samples(cfg) -> int:
    """The most samples (at the converter's rate) an output sample waits for input after it."""
    return cfg.n_fft


class LiveConverter:
    """Feed :meth:`process` pieces of a signal; each call returns the converted samples that are
    complete so far (in order, none twice). :meth:`reset` starts a new signal. The converter given is not changed."""

    def __init__(self, conv: Converter):
        cfg = conv.cfg
        if not cfg.causal:
            raise ValueError("live conversion needs a converter trained for it (train-convert --live): "
                             "this one looks up to a second ahead")
        # a copy of its own: streaming keeps state in the causal layers, which would otherwise
        # leak into whole-file conversions with the caller's converter
        self.conv, self.n, self.hop = copy.deepcopy(conv).eval(), cfg.n_fft, cfg.hop
        self.window = torch.hann_window(self.n)
        self.fb = torch.from_numpy(np.ascontiguousarray(
            mel_filterbank(cfg.sample_rate, cfg.n_fft, cfg.n_mels, 0.0, cfg.sample_rate / 2)))
        self.w2 = (self.window ** 2).numpy()
        self.reset()

    def reset(self) -> None:
        self.pending = np.zeros(self.n // 2, np.float32)     # input from frame ``self.frame``'s start
        self.frame = 0                                         # the next frame to make
        self.acc = np.zeros(self.n, np.float32)                # overlap-add from padded sample frame * hop
        self.env = np.zeros(self.n, np.float32)
        self.emitted = 0                                       # output samples returned so far
        start_streaming(self.conv)

    @torch.inference_mode()
    def process(self, x: np.ndarray) -> np.ndarray:
        self.pending = np.concatenate([self.pending, np.asarray(x, np.float32).ravel()])
        count = (len(self.pending) - self.n) // self.hop + 1
        if count <= 0:
            return np.zeros(0, np.float32)
        starts = np.arange(count) * self.hop
        pieces = torch.from_numpy(self.pending[starts[:, None] + np.arange(self.n)])      # [count, n]
        spec = torch.fft.rfft(pieces * self.window, dim=1)
        mel = torch.log(torch.clamp(self.fb @ (spec.real ** 2 + spec.imag ** 2).T, min=1e-5))      # [M, count]
        conv = self.conv
        src = conv.normalise(mel[None], "a")
        converted = conv.denormalise(conv.ab(src, torch.ones_like(src)), "b")
        frames = (conv.vocoder.time_frames(converted, self.frame)[0] * self.window[:, None]).numpy()      # [n, count]
        self.pending = self.pending[count * self.hop:]
        return self._overlap_add(frames)

    def _overlap_add(self, frames: np.ndarray) -> np.ndarray:
        """Add ``frames`` [n, count] (the next ones) and return the samples they complete."""
        n, hop, count = self.n, self.hop, frames.shape[1]
        total = (count - 1) * hop + n
        acc = np.zeros(total + hop, np.float32)
        env = np.zeros_like(acc)
        acc[:n], env[:n] = self.acc, self.env
        for k in range(count):
            acc[k * hop:k * hop + n] += frames[:, k]
            env[k * hop:k * hop + n] += self.w2
        done = count * hop                  # every frame overlapping these samples is in
        out, norm = acc[:done], env[:done]
        self.acc, self.env = acc[done:done + n].copy(), env[done:done + n].copy()
        first = self.frame * hop            # padded position of out[0]
        self.frame += count
        skip = max(0, self.n // 2 - first)  # the first n/2 padded samples are before the signal
        y = out[skip:] / np.maximum(norm[skip:], 1e-3)
        self.emitted += len(y)
        return y.astype(np.float32)
