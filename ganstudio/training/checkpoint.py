"""The training state for resume: one self-contained ``train_state.safetensors`` written atomically.

Tensors: ``G.*`` (live generator), ``G_ema.*``, ``D.*``, ``opt_g.<param>.<key>``, ``opt_d.*``,
``rng.torch`` and ``rng.cuda.<i>``. Everything else (step, configs, optimiser hyper-parameters,
loss history) is JSON in the safetensors metadata. Loading never unpickles.
"""
from __future__ import annotations

import logging
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from ..fileio import atomic_write_bytes
from ..validate import read_regular_file

log = logging.getLogger(__name__)

STATE_FILE = "train_state.safetensors"
STATE_FORMAT = "ganstudio.train_state"
STATE_VERSION = 1
MAX_STATE_BYTES = 4 << 30     # G, G_ema, D and both optimisers of the largest preset fit well within


class CheckpointError(Exception):
    """A training state can't be used; the message says why."""


@dataclass
class TrainState:
    step: int
    generator: dict[str, torch.Tensor]
    generator_ema: dict[str, torch.Tensor]
    discriminator: dict[str, torch.Tensor]
    opt_g: dict
    opt_d: dict
    rng_torch: torch.Tensor
    rng_cuda: list[torch.Tensor] = field(default_factory=list)
    info: dict = field(default_factory=dict)   # model/train config, elapsed time, history, ...


def _flatten_optimizer(prefix: str, sd: dict, out: dict[str, torch.Tensor]) -> list:
    for idx, st in sd["state"].items():
        for key, val in st.items():
            t = val if torch.is_tensor(val) else torch.tensor(val)
            out[f"{prefix}.{idx}.{key}"] = t.detach().cpu().contiguous()
    return sd["param_groups"]


def _unflatten_optimizer(prefix: str, tensors: dict[str, torch.Tensor], groups: list) -> dict:
    state: dict[int, dict] = {}
    for name, t in tensors.items():
        if name.startswith(prefix + "."):
            _, idx, key = name.split(".", 2)
            state.setdefault(int(idx), {})[key] = t
    return {"state": state, "param_groups": groups}


def _cpu(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu").contiguous() for k, v in sd.items()}


def state_bytes(s: TrainState) -> bytes:
    tensors: dict[str, torch.Tensor] = {}
    for prefix, sd in (("G", s.generator), ("G_ema", s.generator_ema), ("D", s.discriminator)):
        tensors.update({f"{prefix}.{k}": v for k, v in _cpu(sd).items()})
    groups_g = _flatten_optimizer("opt_g", s.opt_g, tensors)
    groups_d = _flatten_optimizer("opt_d", s.opt_d, tensors)
    tensors["rng.torch"] = s.rng_torch.cpu()
    for i, r in enumerate(s.rng_cuda):
        tensors[f"rng.cuda.{i}"] = r.cpu()
    meta = {"format": STATE_FORMAT, "format_version": str(STATE_VERSION), "step": str(s.step),
            "json": json.dumps({"opt_g_groups": groups_g, "opt_d_groups": groups_d, "info": s.info})}
    return st_save(tensors, metadata=meta)


def read_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of safetensors bytes (an 8-byte little-endian length, then JSON)."""
    n = int.from_bytes(data[:8], "little")
    if not 0 < n <= len(data) - 8:
        raise ValueError("bad safetensors header length")
    return json.loads(data[8:8 + n]).get("__metadata__", {}) or {}


def save_state(folder: str | Path, s: TrainState) -> Path:
    """Write ``folder/train_state.safetensors`` atomically and return its path."""
    path = Path(folder) / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, state_bytes(s))
    return path


def load_state(folder: str | Path) -> TrainState:
    """Read ``folder/train_state.safetensors``; raises :class:`CheckpointError` with the reason."""
    path = Path(folder) / STATE_FILE
    try:
        data = read_regular_file(path, MAX_STATE_BYTES, "training state")
    except OSError as exc:
        raise CheckpointError(f"can't read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise CheckpointError(str(exc)) from None
    try:
        tensors = st_load(data)
        meta = read_metadata(data)
    except Exception as exc:
        raise CheckpointError(f"{path} is damaged ({exc})") from None
    if meta.get("format") != STATE_FORMAT:
        raise CheckpointError(f"{path} is not a GAN Studio training state")
    try:
        if int(meta.get("format_version", "0")) > STATE_VERSION:
            raise CheckpointError(f"{path} was written by a newer GAN Studio; please update")
        extra = json.loads(meta["json"])
        step = int(meta["step"])
        if not isinstance(extra, dict) or not isinstance(extra.get("info"), dict) or step < 0:
            raise ValueError("its metadata is incomplete")
        state = TrainState(
            step=step,
            generator=_part(tensors, "G"), generator_ema=_part(tensors, "G_ema"),
            discriminator=_part(tensors, "D"),
            opt_g=_unflatten_optimizer("opt_g", tensors, extra["opt_g_groups"]),
            opt_d=_unflatten_optimizer("opt_d", tensors, extra["opt_d_groups"]),
            rng_torch=tensors["rng.torch"],
            rng_cuda=[tensors[k] for k in sorted((k for k in tensors if k.startswith("rng.cuda.")),
                                                 key=lambda k: int(k.rsplit(".", 1)[1]))],
            info=extra["info"])
    except CheckpointError:
        raise
    except (KeyError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise CheckpointError(f"{path} is damaged (its metadata is missing or invalid: {exc!s:.100}); "
                              "start fresh (--fresh) or restore the folder") from None
    return state


def _part(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    n = len(prefix) + 1
    return {k[n:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}


# ---- numbered snapshots (``--keep-every``) ----------------------------------------------------
SNAPSHOTS = "snapshots"
_PARTIAL = ".partial-"


def snapshot_dir(root: str | Path, step: int) -> Path:
    return Path(root) / f"step_{step:07d}"


def save_snapshot(root: str | Path, step: int, generator, cfg, data_summary: dict, training: dict) -> Path:
    """Write the model of ``step`` as ``root/step_NNNNNNN`` all at once: it is written into a
    hidden partial folder and renamed, so a kill leaves either no snapshot or a complete one."""
    from ..models.modelfile import save_model
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    final = snapshot_dir(root, step)
    tmp = root / f"{_PARTIAL}{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    save_model(tmp, generator, cfg, data_summary, training)
    if final.exists():                      # the same step again after a resume: replace it
        old = root / f"{_PARTIAL}old-{final.name}-{os.getpid()}"
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)
    return final


def clean_snapshots(root: str | Path) -> int:
    """Remove what a killed run left in the snapshots folder: partial folders, and numbered
    folders without both model files (made by versions that wrote them in place). Returns how
    many were removed. Only call it where no other writer is active."""
    from ..models.modelfile import CONFIG, WEIGHTS
    root = Path(root)
    if not root.is_dir():
        return 0
    n = 0
    for p in list(root.iterdir()):
        broken = p.name.startswith(_PARTIAL) or (
            p.is_dir() and p.name.startswith("step_") and not all((p / f).is_file() for f in (CONFIG, WEIGHTS)))
        if broken and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
            log.info("removed %s, left half-written by a killed run", p)
            n += 1
        elif p.is_dir() and not p.is_symlink():
            from ..fileio import remove_stale_temp_files
            n += remove_stale_temp_files(p)
    return n
