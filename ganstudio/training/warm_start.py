"""Starting a new model from a pretrained base: its discriminator's weights read safely
(safetensors, size-capped, finite), and whatever tensors match a network copied into it."""
from __future__ import annotations

import logging
from pathlib import Path

import torch

log = logging.getLogger(__name__)

BASE_DISCRIMINATOR = "discriminator.safetensors"    # beside a base model's generator (resources/base)


def read_discriminator(path: Path) -> dict:
    """A base's discriminator weights: safetensors only (never pickle), size-capped; what is not
    a finite float tensor is left out (and so stays fresh)."""
    from safetensors.torch import load as st_load

    from ..models.modelfile import MAX_WEIGHTS_BYTES
    from ..validate import read_regular_file
    try:
        state = st_load(read_regular_file(path, MAX_WEIGHTS_BYTES, "discriminator"))
    except Exception as exc:      # a damaged file: say so, start the discriminator fresh
        log.warning("%s can't be read (%s); the discriminator starts fresh", path, exc)
        return {}
    return {k: v for k, v in state.items() if v.is_floating_point() and bool(torch.isfinite(v).all())}


def _load_matching(net: torch.nn.Module, state: dict) -> int:
    """Copy the tensors of ``state`` whose names and shapes match ``net``'s; how many did."""
    own = net.state_dict()
    fit = {k: v.to(own[k].dtype) for k, v in state.items() if k in own and own[k].shape == v.shape}
    own.update(fit)
    net.load_state_dict(own)
    return len(fit)
