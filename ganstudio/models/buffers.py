"""Fixed tensors a network keeps beside its weights: analysis windows, frequency and time axes.

They are made on the CPU even while a network is built on torch's meta device to read its shapes
(``modelfile.net_shapes``, on every load of a model file): there torch would make them through
its Python decompositions, whose first use imports its compiler stack (about 2 s on a 2-core
machine). They are a few kB; ``Module.to(device)`` moves them with the weights."""
from __future__ import annotations

import torch

CPU = "cpu"


def hann(n: int) -> torch.Tensor:
    """The periodic Hann window of ``n`` samples, float32 [n]."""
    return torch.hann_window(n, device=CPU)


def rfft_freqs(n_fft: int, sample_rate: float) -> torch.Tensor:
    """The centre frequency in Hz of each of the ``n_fft // 2 + 1`` bins of an rfft, float32."""
    return torch.fft.rfftfreq(n_fft, 1.0 / sample_rate, device=CPU)


def frame_times(frames: int, hop: int, sample_rate: float) -> torch.Tensor:
    """The start in seconds of each of ``frames`` frames ``hop`` samples apart, float32 [frames]."""
    return torch.arange(frames, dtype=torch.float32, device=CPU) * (hop / sample_rate)
