"""One GAN training step, as a part of :class:`~.loop.Trainer`: ``n_critic`` discriminator
updates on ``fake.detach()`` (with the gradient and R1 penalties in float32), then one generator
update, the EMA and the adaptive augmentation (WaveGAN / HiFi-GAN / StyleGAN2-ADA order)."""
from __future__ import annotations

import torch
from torch.nn.parallel import DistributedDataParallel as DDP

from . import distributed as dist_util
from .augment import augment
from .decay_loss import decay_loss
from .ema import update_ema
from .losses import d_loss, g_loss, gradient_penalty, r1_penalty


def class_weights(labels: torch.Tensor, num_classes: int, balance: float) -> torch.Tensor:
    """A drawing weight per clip, float32 [N]: its class's clip count to the power ``-balance``
    (0: every clip alike, the folder's proportions; 1: every class alike, so 15 claps are drawn as
    often as 245 other hits)."""
    counts = torch.bincount(labels, minlength=num_classes).clamp_min(1).float()
    return counts[labels].pow(-balance)


def _unwrap(m: torch.nn.Module) -> torch.nn.Module:
    return m.module if isinstance(m, DDP) else m


class GanSteps:
    """The step of :class:`~.loop.Trainer`, which provides the nets, optimisers, data, configs,
    EMA, ADA state and step counter this uses."""

    def _draw(self) -> torch.Tensor:
        """Indices of ``batch_size`` training clips: uniform, or by :func:`class_weights`."""
        if self.draw_weights is None:
            return torch.randint(0, self.real.shape[0], (self.tc.batch_size,), device=self.device)
        return torch.multinomial(self.draw_weights, self.tc.batch_size, replacement=True)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        idx = self._draw()
        real = self.real[idx]
        if self.amp_dtype is not None:
            # fakes come out of G rounded to bfloat16: round the real clips alike, or the
            # spectral head (float32 FFT) could tell the two apart by their rounding noise
            real = real.to(self.amp_dtype).float()
        return real, (self.labels[idx] if self.mc.num_classes else None)

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp_dtype or torch.float32,
                              enabled=self.amp_dtype is not None)

    def _fake_labels(self) -> torch.Tensor | None:
        if not self.mc.num_classes:
            return None
        return self.labels[self._draw()]      # the classes in the proportions the real batches have

    def _z(self) -> torch.Tensor:
        return torch.randn(self.tc.batch_size, self.mc.latent_dim, device=self.device)

    def _train_step(self) -> dict[str, torch.Tensor]:
        """One step: ``n_critic`` discriminator updates, one generator update, the EMA and ADA."""
        tc = self.tc
        D_raw = _unwrap(self.D)
        D_raw.requires_grad_(True)
        out: dict[str, torch.Tensor] = {}
        penalties: dict[str, torch.Tensor] = {}   # reported even if only some critic steps had them
        for k in range(tc.n_critic):
            out = self._critic_step(k, D_raw, penalties)
        D_raw.requires_grad_(False)
        g = self._generator_step(D_raw)
        D_raw.requires_grad_(True)
        # Ramp the EMA up so a short run's average does not lag behind at its random start.
        decay = min(tc.ema_decay, (1 + self.step) / (10 + self.step))
        update_ema(self.G_ema, _unwrap(self.G), decay)
        out.update(penalties)
        out.update(g)
        if self.ada is not None:
            self.ada.step(self.step + 1, lambda t: dist_util.mean_over_ranks(self.dist, t))
            out["aug/p"] = torch.tensor(self.augment_p)
        return out

    def _critic_step(self, k: int, D_raw, penalties: dict) -> dict[str, torch.Tensor]:
        """The ``k``-th discriminator update of this step: its losses (R1 goes into ``penalties``)."""
        tc, p = self.tc, self.augment_p
        real, y_real = self._batch()
        y_fake = self._fake_labels()
        with torch.no_grad(), self._autocast():
            fake = _unwrap(self.G)(self._z(), y_fake).float()
        real_a, fake_a = augment(real, p), augment(fake, p)
        labels = torch.cat([y_real, y_fake]) if y_real is not None else None
        with self._autocast():
            scores = self.D(torch.cat([real_a, fake_a]), labels).float()
        # penalties below run in float32: their second derivatives are too fine for bfloat16
        out = d_loss(tc.loss, scores[: tc.batch_size], scores[tc.batch_size:])
        if self.ada is not None:
            self.ada.observe(scores[: tc.batch_size])
        total = out["d/adv"]
        if tc.loss == "wgan-gp":
            out["d/gp"] = gradient_penalty(lambda x: D_raw(x, y_real), real_a, fake_a)
            total = total + tc.gp_weight * out["d/gp"]
        if tc.r1_gamma > 0 and (self.step * tc.n_critic + k) % tc.r1_every == 0:
            penalties["d/r1"] = r1_penalty(lambda x: D_raw(x, y_real), real_a)
            total = total + 0.5 * tc.r1_gamma * tc.r1_every * penalties["d/r1"]
        out["d/loss"] = total
        self.opt_d.zero_grad(set_to_none=True)
        total.backward()
        if tc.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.D.parameters(), tc.grad_clip)
        self.opt_d.step()
        return out

    def _generator_step(self, D_raw) -> dict[str, torch.Tensor]:
        """The generator update against the (frozen) discriminator: its losses."""
        tc = self.tc
        y_fake = self._fake_labels()
        with self._autocast():
            fake = self.G(self._z(), y_fake).float()
            fake_score = D_raw(augment(fake, self.augment_p), y_fake).float()
        g = g_loss(tc.loss, fake_score)
        if self.mel_match is not None or self.decay_weight > 0:
            g["g/adv"] = g["g/loss"]
        if self.mel_match is not None:
            g["g/mel"] = self.mel_match.loss(fake, y_fake)
            g["g/loss"] = g["g/loss"] + self.level_weight * g["g/mel"]
        if self.decay_weight > 0:
            g["g/decay"] = decay_loss(fake, self.mc.sample_rate)
            g["g/loss"] = g["g/loss"] + self.decay_weight * g["g/decay"]
        self.opt_g.zero_grad(set_to_none=True)
        g["g/loss"].backward()
        if tc.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.G.parameters(), tc.grad_clip)
        self.opt_g.step()
        return g
