"""The generator's mean-level loss (training/mel_match.py): its target, its gradient, per class,
its place in a training step, and its validation."""
import numpy as np
import pytest
import torch

from ganstudio.training import Trainer, load_state, recipe
from ganstudio.training.config import AUTO_MEL_MATCH, decay_weight, level_weight
from ganstudio.training.mel_match import BLOCKS, N_MELS, MelMatch

from test_training import small


def decays(n: int, seed: int, tau: float = 0.05) -> torch.Tensor:
    """[n, 1, 16384] noise bursts at 16 kHz decaying with time constant ``tau`` seconds."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(16384) / 16000.0
    return 0.5 * torch.randn(n, 1, 16384, generator=g) * torch.exp(-t / tau)


def test_target_is_the_folders_mean_level_and_a_louder_batch_is_pushed_down():
    m = MelMatch(decays(64, 0), 16000)
    assert m.target.shape == (1, N_MELS, BLOCKS) and torch.isfinite(m.target).all()
    # the onset block is loud, the last block of a 50 ms decay is at the -96 dB floor
    assert m.target[0, :, 0].mean() > -40 and m.target[0, :, -1].max() == -96.0
    same = float(m.loss(decays(16, 1)))
    fake = (2.0 * decays(16, 1)).requires_grad_(True)          # 6 dB louder
    louder = m.loss(fake)
    assert same < 0.05 and float(louder.detach()) > 5 * same
    louder.backward()
    # a gradient step lowers the batch's level: every clip moves towards less energy
    assert torch.isfinite(fake.grad).all() and float((fake.grad * fake.detach()).sum()) > 0
    # a batch whose tails ring on where the folder's have died reads far too
    assert float(m.loss(decays(16, 2, tau=0.4))) > 5 * same


def test_a_conditional_model_is_matched_per_class():
    """Each clip is judged against its own class's level: a batch of clips asked for as the loud
    class, at that class's level, is close, where one target for the whole folder (loud and quiet
    classes mixed) reads it as far too loud; the same clips 6 dB louder still read far. A class
    without clips gets the folder's mean."""
    a, b = decays(32, 6), 0.03 * decays(32, 7)                  # two classes, 30 dB apart
    real, labels = torch.cat([a, b]), torch.tensor([0] * 32 + [1] * 32)
    m = MelMatch(real, 16000, labels, num_classes=3)
    assert m.target.shape == (3, N_MELS, BLOCKS)
    torch.testing.assert_close(m.target[2], MelMatch(real, 16000).target[0], atol=1e-3, rtol=0)
    loud_class = torch.zeros(16, dtype=torch.long)
    right = float(m.loss(decays(16, 8), loud_class))
    assert right < 0.05
    assert float(MelMatch(real, 16000).loss(decays(16, 8))) > 10 * right
    assert float(m.loss(2.0 * decays(16, 8), loud_class)) > 10 * right


def noise(n: int, seed: int, db: float) -> torch.Tensor:
    """[n, 1, 16384] steady white noise at ``db`` dB RMS."""
    g = torch.Generator().manual_seed(seed)
    return 10 ** (db / 20) * torch.randn(n, 1, 16384, generator=g)


def test_the_quantile_form_also_matches_the_spread_of_levels():
    """A folder of loud and quiet clips (-10 and -50 dB): a batch with the folder's mix reads close
    in both forms; a batch of one middling level (-30 dB, the folder's mean in dB) reads close in
    the mean form and far (about 20 dB) in the quantile form; its gradient is finite."""
    real = torch.cat([noise(32, 0, -10), noise(32, 1, -50)])
    mix = torch.cat([noise(8, 2, -10), noise(8, 3, -50)])
    alike = noise(16, 4, -30)
    mean, quant = MelMatch(real, 16000), MelMatch(real, 16000, form="quantile")
    assert len(quant.sorted) == 1 and quant.sorted[0].shape == (64, N_MELS * BLOCKS)
    assert bool((quant.sorted[0][1:] >= quant.sorted[0][:-1]).all())
    assert float(mean.loss(mix)) < 0.05 and float(quant.loss(mix)) < 0.05
    assert float(mean.loss(alike)) < 0.05
    assert float(quant.loss(alike)) == pytest.approx(2.0, abs=0.1)
    fake = alike.clone().requires_grad_(True)
    quant.loss(fake).backward()
    assert torch.isfinite(fake.grad).all() and float(fake.grad.abs().sum()) > 0


def test_the_quantile_form_is_per_class_and_a_class_without_clips_takes_the_folders():
    a, b = decays(32, 6), 0.03 * decays(32, 7)
    real, labels = torch.cat([a, b]), torch.tensor([0] * 32 + [1] * 32)
    m = MelMatch(real, 16000, labels, num_classes=3, form="quantile")
    assert [s.shape[0] for s in m.sorted] == [32, 32, 64]
    right, wrong = torch.zeros(16, dtype=torch.long), torch.ones(16, dtype=torch.long)
    close = float(m.loss(decays(16, 8), right))
    assert float(m.loss(decays(16, 8), wrong)) > 10 * close
    # one clip per class is measured against that class's median
    two = torch.cat([decays(1, 9), 0.03 * decays(1, 10)])
    assert float(m.loss(two, torch.tensor([0, 1]))) < float(m.loss(two, torch.tensor([1, 0]))) / 5
    with pytest.raises(ValueError, match="form"):
        MelMatch(real, 16000, form="median")


@pytest.mark.parametrize("conditional", [False, True])
def test_training_with_the_level_loss_reports_it_and_resumes_exactly(small_dataset, tmp_path, conditional):
    form = "quantile" if conditional else "mean"
    mc, tc = small(small_dataset, mel_match=0.3, mel_form=form, conditional=conditional, max_steps=4)
    steps = []
    Trainer(small_dataset, tmp_path / "full", mc, tc,
            progress_fn=lambda p: p.event == "step" and steps.append(p.losses)).run()
    assert len(steps) == 4
    for losses in steps:
        assert {"g/adv", "g/mel", "g/loss"} <= set(losses) and all(np.isfinite(v) for v in losses.values())
        # beside the level loss a waveform generator also weighs the decay loss (training/decay_loss.py)
        assert mc.upsample != "istft" and decay_weight(tc, mc.upsample, mc.num_classes) == 1.0
        assert "g/decay" in losses and losses["g/decay"] >= 0
        decay = losses["g/decay"]
        assert losses["g/loss"] == pytest.approx(losses["g/adv"] + 0.3 * losses["g/mel"] + decay, rel=1e-4, abs=1e-6)
    assert max(abs(s["g/mel"]) for s in steps) > 0
    _, tc2 = small(small_dataset, mel_match=0.3, mel_form=form, conditional=conditional, max_steps=2)
    Trainer(small_dataset, tmp_path / "split", mc, tc2).run()
    Trainer(small_dataset, tmp_path / "split", mc, tc).run()
    full, split = load_state(tmp_path / "full"), load_state(tmp_path / "split")
    for key in full.generator:
        torch.testing.assert_close(full.generator[key], split.generator[key])
    # the loss changes what the generator learns
    _, tc0 = small(small_dataset, conditional=conditional, mel_match=0.0, max_steps=4)
    Trainer(small_dataset, tmp_path / "plain", mc, tc0).run()
    plain = load_state(tmp_path / "plain")
    assert any(not torch.equal(full.generator[k], plain.generator[k]) for k in full.generator)


def test_recipes_match_the_level_by_default_where_it_was_measured_to_help():
    # tiny: chosen by the generator (automatic); the larger recipes: only with classes
    assert recipe("tiny").mel_match == -1.0 and recipe("large").mel_match == 0.0
    assert recipe("tiny").mel_form == "quantile" and recipe("large").mel_form == "mean"
    assert level_weight(recipe("tiny"), "transposed", 0) == AUTO_MEL_MATCH == 0.3
    assert level_weight(recipe("tiny"), "istft", 0) == 0.0          # sustained folders without classes
    assert level_weight(recipe("tiny"), "istft", 3) == 0.3
    assert recipe("tiny", conditional=True).mel_match == 0.3
    assert recipe("tiny", conditional=True).mel_form == "quantile"
    assert recipe("tiny", conditional=True, mel_form="mean").mel_form == "mean"
    assert level_weight(recipe("tiny", conditional=True), "istft", 3) == 0.3
    assert recipe("standard", conditional=True).mel_match == 0.3
    assert level_weight(recipe("standard"), "transposed", 0) == 0.0
    assert recipe("tiny", conditional=True, mel_match=0.0).mel_match == 0.0
    assert level_weight(recipe("tiny", mel_match=0.0), "transposed", 0) == 0.0
    assert level_weight(recipe("tiny", mel_match=1.0), "istft", 0) == 1.0
    assert recipe("wavegan", conditional=True).mel_match == 0.0      # the paper's recipe stays the paper's


@pytest.mark.parametrize("bad", [-0.1, -2.0, 101.0, float("nan"), True])
def test_bad_weights_are_refused(bad):
    with pytest.raises(ValueError, match="mel_match"):
        recipe("tiny", mel_match=bad)


@pytest.mark.parametrize("bad", ["median", "", None, 1])
def test_bad_forms_are_refused(bad):
    with pytest.raises(ValueError, match="mel_form"):
        recipe("tiny", mel_form=bad)
