"""Multi-process training through PyTorch's own DDP, started by ``torchrun``.

``torchrun --nproc_per_node=N -m ganstudio train ...`` sets RANK / WORLD_SIZE / LOCAL_RANK;
each process trains on its own random batches and DDP averages the gradients. Only rank 0
writes checkpoints and reports progress.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_from_env(device_kind: str) -> DistInfo:
    """Join the process group torchrun describes in the environment (no-op for a single process).

    NCCL on CUDA, gloo on the CPU.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    info = DistInfo(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        backend = "nccl" if device_kind == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
    return info


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def any_flag(info: DistInfo, flag: bool, device: torch.device) -> bool:
    """True if ``flag`` is true on any rank (so every rank stops or rolls back together)."""
    if not info.enabled:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def mean_over_ranks(info: DistInfo, t: torch.Tensor) -> torch.Tensor:
    """The mean of ``t`` over all ranks (``t`` itself for a single process)."""
    if not info.enabled:
        return t
    t = t.detach().clone().float()
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t / info.world_size


def shutdown(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()
