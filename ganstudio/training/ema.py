"""Exponential moving average of generator weights (sampling uses the EMA copy)."""
from __future__ import annotations

import torch


@torch.no_grad()
def update_ema(ema: torch.nn.Module, live: torch.nn.Module, decay: float) -> None:
    """ema <- decay * ema + (1 - decay) * live, for parameters; buffers are copied."""
    for e, p in zip(ema.parameters(), live.parameters()):
        e.lerp_(p.detach(), 1.0 - decay)
    for e, b in zip(ema.buffers(), live.buffers()):
        e.copy_(b)
