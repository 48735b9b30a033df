"""GAN losses. Each returns a dict of scalar tensors with namespaced keys; ``*/loss`` is optimised.

Scores are D outputs ``[B]``; audio is ``[B, 1, T]``.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

Critic = Callable[[torch.Tensor], torch.Tensor]


def gradient_penalty(critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: mean over the batch of (||grad D(x_hat)|| - 1)^2 on random interpolates."""
    alpha = torch.rand(real.shape[0], 1, 1, device=real.device, dtype=real.dtype)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def r1_penalty(critic: Critic, real: torch.Tensor) -> torch.Tensor:
    """R1: mean squared gradient norm of D at real data."""
    real = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(real).sum(), real, create_graph=True)
    return grad.flatten(1).pow(2).sum(1).mean()


def d_loss(kind: str, real_score: torch.Tensor, fake_score: torch.Tensor) -> dict[str, torch.Tensor]:
    """The discriminator's adversarial loss (penalties are added by the caller)."""
    if kind == "wgan-gp":
        adv = fake_score.mean() - real_score.mean()
    elif kind == "hinge":
        adv = F.relu(1 - real_score).mean() + F.relu(1 + fake_score).mean()
    elif kind == "ns":
        adv = F.softplus(-real_score).mean() + F.softplus(fake_score).mean()
    else:
        raise ValueError(f"unknown loss {kind!r}")
    return {"d/adv": adv, "d/real": real_score.mean().detach(), "d/fake": fake_score.mean().detach()}


def g_loss(kind: str, fake_score: torch.Tensor) -> dict[str, torch.Tensor]:
    """The generator's adversarial loss."""
    if kind in ("wgan-gp", "hinge"):
        adv = -fake_score.mean()
    elif kind == "ns":
        adv = F.softplus(-fake_score).mean()
    else:
        raise ValueError(f"unknown loss {kind!r}")
    return {"g/loss": adv}
