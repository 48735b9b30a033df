"""The generator's mean-level loss (training/mel_match.py): its target, its gradient, its place in
a training step, and its validation."""
import numpy as np
import pytest
import torch

from ganstudio.training import Trainer, load_state, recipe
from ganstudio.training.mel_match import BLOCKS, N_MELS, MelMatch

from test_training import small


def decays(n: int, seed: int, tau: float = 0.05) -> torch.Tensor:
    """[n, 1, 16384] noise bursts at 16 kHz decaying with time constant ``tau`` seconds."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(16384) / 16000.0
    return 0.5 * torch.randn(n, 1, 16384, generator=g) * torch.exp(-t / tau)


def test_target_is_the_folders_mean_level_and_a_louder_batch_is_pushed_down():
    real = decays(64, 0)
    m = MelMatch(real, 16000)
    assert m.target.shape == (N_MELS, BLOCKS) and torch.isfinite(m.target).all()
    # the onset block is loud, the last block of a 50 ms decay is at the -96 dB floor
    assert m.target[:, 0].mean() > -40 and m.target[:, -1].max() == -96.0
    # a batch of the same kind of sound is close; the same batch 6 dB louder is far
    same = float(m.loss(decays(16, 1)))
    fake = (2.0 * decays(16, 1)).requires_grad_(True)
    louder = m.loss(fake)
    assert same < 0.05 and float(louder.detach()) > 5 * same
    louder.backward()
    # one gradient step on the batch lowers its level: every sample moves towards less energy
    assert torch.isfinite(fake.grad).all() and float((fake.grad * fake).sum()) > 0
    # a batch whose tails ring on where the folder's have died is pushed down too
    ringing = decays(16, 2, tau=0.4)
    assert float(m.loss(ringing)) > 5 * same


def test_target_follows_the_drawing_weights():
    """Under class balance the target is the mean of the clips as drawn, not as stored."""
    quiet, loud = 0.1 * decays(30, 3), decays(2, 4)
    real = torch.cat([quiet, loud])
    as_stored = MelMatch(real, 16000).target
    w = torch.cat([torch.full((30,), 1 / 30), torch.full((2,), 1 / 2)])
    as_drawn = MelMatch(real, 16000, w).target
    halves = (MelMatch(quiet, 16000).target + MelMatch(loud, 16000).target) / 2
    torch.testing.assert_close(as_drawn, halves, atol=1e-3, rtol=0)
    assert float((as_drawn - as_stored)[:, 0].mean()) > 3      # the two loud clips weigh as much as 30


def test_training_with_the_level_loss_reports_it_and_resumes_exactly(small_dataset, tmp_path):
    mc, tc = small(small_dataset, mel_match=1.0, max_steps=4)
    steps = []
    Trainer(small_dataset, tmp_path / "full", mc, tc,
            progress_fn=lambda p: p.event == "step" and steps.append(p.losses)).run()
    assert len(steps) == 4
    for losses in steps:
        assert {"g/adv", "g/mel", "g/loss"} <= set(losses) and all(np.isfinite(v) for v in losses.values())
        assert losses["g/mel"] > 0
        assert losses["g/loss"] == pytest.approx(losses["g/adv"] + losses["g/mel"], rel=1e-5)
    _, tc2 = small(small_dataset, mel_match=1.0, max_steps=2)
    Trainer(small_dataset, tmp_path / "split", mc, tc2).run()
    Trainer(small_dataset, tmp_path / "split", mc, tc).run()
    full, split = load_state(tmp_path / "full"), load_state(tmp_path / "split")
    for key in full.generator:
        torch.testing.assert_close(full.generator[key], split.generator[key])
    # the loss changes what the generator learns
    _, tc0 = small(small_dataset, max_steps=4)
    Trainer(small_dataset, tmp_path / "plain", mc, tc0).run()
    plain = load_state(tmp_path / "plain")
    assert any(not torch.equal(full.generator[k], plain.generator[k]) for k in full.generator)


@pytest.mark.parametrize("bad", [-0.1, 101.0, float("nan"), True])
def test_bad_weights_are_refused(bad):
    with pytest.raises(ValueError, match="mel_match"):
        recipe("tiny", mel_match=bad)
