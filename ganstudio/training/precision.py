"""Mixed precision: which autocast dtype a training run uses on its device.

bfloat16 keeps float32's range, so unlike float16 it needs no loss scaling. On the CPU it only
pays where the cores have bfloat16 dot products (AVX512-BF16 or AMX; bench/precision.py measured
1.67x per step on this project's 2-core machine); elsewhere it is emulated and slower.
"""
from __future__ import annotations

import functools
from pathlib import Path

import torch


@functools.lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """True when /proc/cpuinfo lists avx512_bf16 or amx_bf16 (False where it can't be read)."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return "avx512_bf16" in flags or "amx_bf16" in flags


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``precision`` ("fp32", "bf16", "auto") on ``device``; None = float32."""
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if device.type == "cpu":
        return torch.bfloat16 if cpu_has_bf16() else None
    return None
