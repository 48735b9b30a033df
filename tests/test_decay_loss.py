"""The generator's loss on tails that come back after they have decayed (training/decay_loss.py):
what it counts, its gradient, when it is weighed, and its validation. Its place in a training step
(reported, summed into g/loss, resumed bit-exactly) is tested with the level loss it goes with, in
test_mel_match.py."""
import pytest
import torch

from ganstudio.training import TrainConfig, recipe
from ganstudio.training.config import AUTO_DECAY_LOSS, decay_weight
from ganstudio.training.decay_loss import decay_loss, envelope_db, return_excess_db

RATE = 16000


def decay(tau: float = 0.05, seed: int = 0) -> torch.Tensor:
    """[1, 1, 16384] noise at 16 kHz decaying from its first sample with time constant ``tau`` s."""
    t = torch.arange(16384) / RATE
    return 0.5 * torch.randn(1, 1, 16384, generator=torch.Generator().manual_seed(seed)) * torch.exp(-t / tau)


def test_a_clean_decay_and_a_swell_cost_nothing():
    assert float(decay_loss(decay(), RATE)) == 0.0
    # a sound that rises from silence to its peak is an attack, not a return
    swell = decay().flip(-1)
    assert float(decay_loss(swell, RATE)) == 0.0


def test_a_tail_that_comes_back_after_a_gap_is_counted_from_the_gap_on():
    x = decay(0.02)                              # 60 dB down by about 0.14 s
    burst = torch.arange(16384)
    x[..., (burst >= 8000) & (burst < 8800)] += 0.05 * torch.randn(800)     # back at -20 dB at 0.5 s
    db = envelope_db(x, RATE)
    excess = return_excess_db(db)[0]
    frames = torch.nonzero(excess > 0)[:, 0]
    # the frames counted are the burst's (1 ms per frame)
    assert frames.numel() > 0 and 490 <= int(frames.min()) and int(frames.max()) <= 560
    assert float(excess.max()) > 20
    assert float(decay_loss(x, RATE)) > 0.1


def test_its_gradient_lowers_the_return_and_raises_the_gap():
    # a decay that rests 70 dB down (not at the -120 dB floor, where nothing moves) until a burst
    t = torch.arange(16384) / RATE
    noise = torch.randn(1, 1, 16384, generator=torch.Generator().manual_seed(0))
    x = 0.5 * noise * torch.clamp(torch.exp(-t / 0.02), min=10 ** (-70 / 20))
    gain = torch.ones(1, 1, 16384, requires_grad=True)
    x[..., 8000:8800] += 0.05 * torch.randn(800, generator=torch.Generator().manual_seed(3))
    loss = decay_loss(x * gain, RATE)
    loss.backward()
    g = gain.grad[0, 0]
    assert torch.isfinite(g).all()
    # a step against the gradient turns the burst down ...
    assert float((g[8000:8800] * x[0, 0, 8000:8800].abs()).sum()) > 0
    # ... and the gap before it (the running minimum) up
    assert float((g[2400:7900] * x[0, 0, 2400:7900].abs()).sum()) < 0


def test_silence_is_finite_and_costs_nothing():
    x = torch.zeros(2, 1, 4096, requires_grad=True)
    loss = decay_loss(x, RATE)
    loss.backward()
    assert loss.item() == 0.0 and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("bad", [-0.1, -2.0, 101.0, float("nan"), True])
def test_weight_is_validated(bad):
    with pytest.raises(ValueError, match="decay_loss"):
        TrainConfig(decay_loss=bad)


def test_tiny_weighs_it_for_waveform_generators_with_the_level_loss_unless_told():
    tc = recipe("tiny", conditional=True)
    assert tc.decay_loss == -1.0 and tc.mel_match > 0
    assert decay_weight(tc, "transposed", 8) == AUTO_DECAY_LOSS > 0
    assert decay_weight(tc, "istft", 8) == 0.0
    # without classes a waveform generator matches the folder's levels too (automatic level loss),
    # and so weighs the decay loss; an inverse-STFT one does neither
    assert decay_weight(recipe("tiny"), "transposed", 0) == AUTO_DECAY_LOSS
    assert decay_weight(recipe("tiny"), "istft", 0) == 0.0
    # with the level loss turned off there is nothing to hold the decay
    assert decay_weight(recipe("tiny", mel_match=0.0), "transposed", 0) == 0.0
    assert decay_weight(recipe("tiny", conditional=True, mel_match=0.0), "transposed", 8) == 0.0
    assert decay_weight(recipe("tiny", decay_loss=1.0, mel_match=0.0), "transposed", 0) == 1.0
    assert decay_weight(recipe("tiny", decay_loss=0.0), "transposed", 0) == 0.0
    assert decay_weight(recipe("tiny", decay_loss=2.5), "istft", 0) == 2.5
    # the paper's recipe (the reference) stays as it was
    assert decay_weight(recipe("wavegan"), "transposed", 0) == 0.0
