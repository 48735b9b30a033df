"""Training a converter (:mod:`ganstudio.models.converter`) on two unpaired folders of recordings.

Each step trains both parts:
- the converter as MaskCycleGAN-VC does: least-squares adversarial losses from a PatchGAN per
  folder, cycle-consistency (x10) and identity (x5) L1 losses on normalised log-mel frames, the
  source's frames with a random stretch hidden (the mask) as the generator's input. CycleGAN-VC2's
  second adversarial step (a critic on the cycled frames) is left out: two more critics for a
  CPU budget of minutes;
- the vocoder as HiFi-GAN / Vocos do, on the target folder's audio: log-mel L1 (x45) plus, with
  ``vocoder_adversarial`` (off by default), least-squares losses and feature matching (x2)
  against the bandwidth extender's multi-period + multi-resolution STFT discriminators.

Batches are drawn from (seed, step, rollbacks), so a resumed run draws what the first would
have. The loop, checkpoints, resume, rollback, hooks and DDP are :class:`~.step_loop.StepTrainer`'s.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..models.converter import LOG_FLOOR, ConvertCritics, Converter, ConverterConfig, MelFrames
from ..models.converter_file import save_converter
from ..models.discriminators import Discriminators, d_loss, feature_matching, g_adv_loss
from .pieces import random_pieces
from .step_loop import StepTrainConfig, StepTrainer


@dataclass
class ConvertTrainConfig(StepTrainConfig):
    batch_size: int = 4
    segment_frames: int = 64            # 1 s at 16 kHz, hop 256 (MaskCycleGAN-VC trains on 64 frames)
    mask_frames: int = 25               # the longest hidden stretch (MaskCycleGAN-VC: up to 25 of 64)
    vocoder_batch: int = 4
    vocoder_segment: int = 8192         # samples (HiFi-GAN's segment)
    # off by default: on 2 CPU cores the discriminators cost a third of each step, and at equal
    # time (10 min) the vocoder trained on log-mel L1 alone copies the target closer (MCD 14.4
    # against 20.6 dB) and keeps more words (docs/convert.md); on for a GPU or a long run
    vocoder_adversarial: bool = False
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.99
    lambda_cycle: float = 10.0
    lambda_identity: float = 5.0
    lambda_mel: float = 45.0
    lambda_fm: float = 2.0
    snapshot_every: int = 50


def frame_stats(frames: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-band mean and std [n_mels] over the frames that carry sound (any band above the floor)."""
    cat = torch.cat(frames, dim=1)
    live = cat[:, cat.max(dim=0).values > LOG_FLOOR + 1.0]
    live = live if live.shape[1] >= 2 else cat
    return live.mean(dim=1), live.std(dim=1).clamp_min(0.05)


class ConvertTrainer(StepTrainer):
    """Trains on ``source`` and ``target`` (lists of float32 [samples] arrays at ``cfg.sample_rate``)
    into ``out_dir``, which receives ``converter.safetensors``/``converter.json`` and
    ``train_state.safetensors``. ``names`` ("source", "target") are what the file calls them."""

    what = "converter"

    def __init__(self, source: list[np.ndarray], target: list[np.ndarray], out_dir: str | Path,
                 cfg: ConverterConfig | None = None, tc: ConvertTrainConfig | None = None,
                 names: tuple[str, str] = ("source", "target"), **hooks):
        self.cfg = (cfg or ConverterConfig()).validate()
        if not source or not target:
            raise ValueError("the converter needs recordings in both folders")
        self.audio_b = [np.asarray(x, np.float32) for x in target]
        self.mel = MelFrames(self.cfg)
        with torch.no_grad():
            self.frames = {"a": [self.mel(torch.from_numpy(np.asarray(x, np.float32))[None])[0] for x in source],
                           "b": [self.mel(torch.from_numpy(x)[None])[0] for x in self.audio_b]}
        self.names = names
        super().__init__(out_dir, tc or ConvertTrainConfig(), **hooks)
        self.mel = self.mel.to(self.device)

    # ---- StepTrainer ----------------------------------------------------------------------
    def build_nets(self):
        g = Converter(self.cfg)
        for domain in ("a", "b"):
            mean, std = frame_stats(self.frames[domain])
            getattr(g, f"mean_{domain}").copy_(mean)
            getattr(g, f"std_{domain}").copy_(std)
        return g, ConvertCritics(self.cfg, Discriminators())

    def critics_partly_unused(self) -> bool:
        # the vocoder's discriminators stay in D either way, so a checkpoint resumes with or
        # without them
        return not self.tc.vocoder_adversarial

    def config_info(self) -> dict:
        return {"converter_config": self.cfg.to_dict()}

    def export(self, elapsed: float) -> None:
        save_converter(self.out, self.G_ema, self.cfg, *self.names,
                       {"step": self.step, "elapsed_s": round(elapsed, 1), "data": self.data_summary})

    # ---- batches --------------------------------------------------------------------------
    def _segments(self, domain: str, rng: np.random.Generator) -> torch.Tensor:
        """[B, 1, n_mels, segment] normalised frames of ``domain``, recordings drawn by length."""
        frames, seg = self.frames[domain], self.tc.segment_frames
        weights = np.array([f.shape[1] for f in frames], np.float64)
        out = torch.full((self.tc.batch_size, self.cfg.n_mels, seg), LOG_FLOOR)
        for i, k in enumerate(rng.choice(len(frames), self.tc.batch_size, p=weights / weights.sum())):
            f = frames[k]
            s = int(rng.integers(0, max(1, f.shape[1] - seg + 1)))
            piece = f[:, s:s + seg]
            out[i, :, :piece.shape[1]] = piece
        return self.G.normalise(out.to(self.device), domain)

    def _mask(self, rng: np.random.Generator, shape) -> torch.Tensor:
        mask = torch.ones(shape)
        for i in range(shape[0]):
            n = int(rng.integers(0, min(self.tc.mask_frames, shape[-1]) + 1))
            s = int(rng.integers(0, shape[-1] - n + 1))
            mask[i, ..., s:s + n] = 0.0
        return mask.to(self.device)

    def batch(self) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.tc.seed, self.step, self.rollbacks, self.dist.rank])
        a, b = self._segments("a", rng), self._segments("b", rng)
        audio = random_pieces(self.audio_b, self.tc.vocoder_batch, self.tc.vocoder_segment, rng)
        return {"a": a, "b": b, "mask_a": self._mask(rng, a.shape), "mask_b": self._mask(rng, b.shape),
                "audio": torch.from_numpy(audio).to(self.device)}

    # ---- one step -------------------------------------------------------------------------
    def train_step(self, elapsed: float | None = None) -> dict[str, float]:
        x, tc = self.batch(), self.tc
        mel = self.mel(x["audio"])
        out = self.G_train(x["a"], x["mask_a"], x["b"], x["mask_b"], mel)
        voiced = out["voiced"][:, :x["audio"].shape[1]]
        audio = (x["audio"], voiced.detach()) if tc.vocoder_adversarial else ()
        # critics first, on detached fakes (HiFi-GAN / DAC order)
        self.opt_d.zero_grad(set_to_none=True)
        sd = self.D_train(x["a"], out["fake_a"].detach(), x["b"], out["fake_b"].detach(), *audio)
        ld_conv = _ls_d(sd["a"], sd["fake_a"]) + _ls_d(sd["b"], sd["fake_b"])
        ld = ld_conv + (d_loss(sd["audio"], sd["voiced"]) if audio else 0.0)
        ld.backward()
        self.opt_d.step()
        with self.critics_frozen():
            sg = self.D(x["a"], out["fake_a"], x["b"], out["fake_b"], *((x["audio"], voiced) if audio else ()))
        adv = ((1 - sg["fake_b"]) ** 2).mean() + ((1 - sg["fake_a"]) ** 2).mean()
        cycle = (out["cycle_a"] - x["a"]).abs().mean() + (out["cycle_b"] - x["b"]).abs().mean()
        identity = (out["same_b"] - x["b"]).abs().mean() + (out["same_a"] - x["a"]).abs().mean()
        mel_loss = (self.mel(voiced) - mel).abs().mean()
        lg = adv + tc.lambda_cycle * cycle + tc.lambda_identity * identity + tc.lambda_mel * mel_loss
        losses = {"d/convert": float(ld_conv.detach()), "g/adv": float(adv.detach()), "g/cycle": float(cycle.detach()),
                  "g/identity": float(identity.detach()), "vocoder/mel": float(mel_loss.detach())}
        if audio:
            v_adv, fm = g_adv_loss(sg["voiced"]), feature_matching(sg["audio"], sg["voiced"])
            lg = lg + v_adv + tc.lambda_fm * fm
            losses.update({"d/vocoder": float((ld - ld_conv).detach()), "vocoder/adv": float(v_adv.detach()), "vocoder/fm": float(fm.detach())})
        self.opt_g.zero_grad(set_to_none=True)
        lg.backward()
        torch.nn.utils.clip_grad_norm_(self.G.parameters(), 100.0)
        self.opt_g.step()
        self.update_ema()
        losses["g/loss"] = float(lg.detach())
        return losses


def _ls_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Least-squares critic loss on one pair of score grids."""
    return ((1 - real) ** 2).mean() + (fake ** 2).mean()
