"""Live conversion (issue 17, part 3): causal layers that stream, the live converter against
whole-file conversion, the low-latency resampler, and the sound card path through a JACK dummy
server: a probe client plays into the studio's input and records its output, which must be the
converted sound, sample for sample, at most 50 ms later than the unconverted monitor path."""
import time

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from ganstudio.dsp.stream_resample import StreamResampler
from ganstudio.models.causal import CausalConv1d
from ganstudio.models.conversion import convert_audio
from ganstudio.models.converter import Converter, ConverterConfig, receptive_frames
from ganstudio.models.live import LIVE_CONFIG, LiveConverter, latency_samples

SMALL_LIVE = ConverterConfig(sample_rate=24000, n_fft=512, hop=128, causal=True, n_mels=40, width=16, blocks=3,
                             vocoder_width=16, vocoder_blocks=2)


def random_live_converter(cfg=SMALL_LIVE, seed=0) -> Converter:
    from test_converter import _random_converter
    return _random_converter(cfg, seed)


def gated_tone(seconds: float, rate: int = 48000, seed: int = 0) -> np.ndarray:
    """A gliding, gated tone with a little noise: sound and silences for a converter to follow."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    x = 0.2 * np.sin(2 * np.pi * 220 * t * (1 + 0.1 * np.sin(2 * np.pi * 1.5 * t))) * (np.sin(2 * np.pi * 2 * t) > 0)
    return (x + 0.02 * rng.standard_normal(len(t))).astype(np.float32)


@pytest.mark.parametrize("groups,dilation", [(1, 1), (1, 4), (8, 1), (8, 2)])
def test_causal_conv_is_a_left_padded_conv_and_streams(groups, dilation):
    conv = CausalConv1d(8, 8 if groups > 1 else 16, 3, dilation, groups=groups)
    x = torch.randn(2, 8, 40)
    ref = F.conv1d(F.pad(x, (2 * dilation, 0)), conv.weight, conv.bias, dilation=dilation, groups=groups)
    assert torch.allclose(conv(x), ref, atol=1e-5)
    from ganstudio.models.causal import start_streaming, stop_streaming
    start_streaming(conv, batch=2)
    pieces = [conv(x[..., a:b]) for a, b in ((0, 1), (1, 7), (7, 8), (8, 40))]
    stop_streaming(conv)
    assert torch.allclose(torch.cat(pieces, dim=-1), ref, atol=1e-5)


def test_causal_generator_looks_back_only_and_as_far_as_it_says():
    net = random_live_converter(ConverterConfig(**{**LIVE_CONFIG.to_dict(), "width": 32, "vocoder_width": 32}))
    x = torch.randn(1, 1, 80, 200)
    bumped = x.clone()
    bumped[..., 120] += 5.0
    diff = (net.ab(bumped, torch.ones_like(x)) - net.ab(x, torch.ones_like(x))).abs().amax(dim=(0, 1, 2))
    changed = torch.nonzero(diff > 1e-6).flatten() - 120
    assert changed.min() == 0                               # nothing before the bump moves
    assert changed.max() > 20                               # and it does reach forward
    assert changed.max() <= receptive_frames(net.cfg)
    frames = torch.randn(1, 80, 100)
    later = frames.clone()
    later[..., 60:] += 3.0
    a, b = net.vocoder(frames)[0], net.vocoder(later)[0]
    first = int(torch.nonzero((a - b).abs() > 1e-7).flatten().min())
    hop, n = net.cfg.hop, net.cfg.n_fft
    assert first >= 60 * hop - n // 2                       # only samples within frame 60's window move


def test_live_converter_fed_in_pieces_equals_the_file_converted_whole():
    net = random_live_converter()
    rng = np.random.default_rng(1)
    x = gated_tone(2.0, 24000)
    whole = convert_audio(net, x, 24000, gate=False)
    live = LiveConverter(net)
    outs, i, behind = [], 0, []
    while i < len(x):
        n = int(rng.integers(1, 900))
        outs.append(live.process(x[i:i + n]))
        i = min(i + n, len(x))
        behind.append(i - live.emitted)
    y = np.concatenate(outs)
    assert len(y) >= len(x) - latency_samples(net.cfg)
    assert np.abs(whole[:len(y)] - y).max() <= 1e-5 * np.abs(whole).max()
    assert max(behind[5:]) <= latency_samples(net.cfg)      # never more than one window late
    with pytest.raises(ValueError, match="trained for it"):
        from test_converter import _random_converter
        LiveConverter(_random_converter())


@pytest.mark.parametrize("rates", [(48000, 24000), (24000, 48000), (44100, 24000), (24000, 44100)])
def test_stream_resampler_streams_without_bursts(rates):
    a, b = rates
    rng = np.random.default_rng(0)
    x = rng.standard_normal(a // 2).astype(np.float32)
    whole = StreamResampler(a, b).process(x)
    r, outs, i = StreamResampler(a, b), [], 0
    while i < len(x):
        n = int(rng.integers(1, 700))
        outs.append(r.process(x[i:i + n]))
        i += n
    assert np.allclose(np.concatenate(outs), whole, atol=1e-6)
    r, made = StreamResampler(a, b), 0
    for k in range(1, 60):                  # every output is handed back once its input is in
        made += len(r.process(np.zeros(256, np.float32)))
        assert k * 256 * b / a - made <= 2.0
    t = np.arange(a) / a
    tone = r.__class__(a, b).process(np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    ref = np.sin(2 * np.pi * 1000 * (np.arange(len(tone)) / b - r.delay_s))
    assert np.abs(tone[2000:] - ref[2000:]).max() < 1e-3 and r.delay_s < 0.001


def test_pieces_of_a_recording_with_dropouts_are_placed_and_only_the_broken_ones_fail():
    from ganstudio.audio.jack import match_pieces
    ref = gated_tone(2.0)
    rec = np.zeros(len(ref) + 20000, np.float32)
    # played 1000 samples late, then a dropout of 200 samples of silence at 30000, another at 61000
    rec[1000:31000] = ref[:30000]
    rec[31200:62200] = ref[30000:61000]
    rec[62400:62400 + len(ref) - 61000] = ref[61000:]
    got = match_pieces(rec, ref)
    bad = [i for i, ok in enumerate(got["matched"]) if not ok]
    assert got["largest_difference"] == 0.0 and len(bad) <= 2, got
    placed = [lag for lag, ok in zip(got["lags"], got["matched"]) if ok]
    assert placed[0] == 1000 and placed[-1] == 1400 and sorted(placed) == placed
    noisy = rec + 1e-3 * np.random.default_rng(1).standard_normal(len(rec)).astype(np.float32)
    assert not any(match_pieces(noisy, ref)["matched"])        # not the same samples: nothing matches


def test_pieces_may_change_candidate_only_after_one_that_broke():
    """A block lost on the way in moves the converter's phase on: the rest of the recording is
    another candidate's sound, and only the pieces the loss broke may fail."""
    from ganstudio.audio.jack import match_pieces
    a, b = gated_tone(2.0, seed=0), gated_tone(2.0, seed=1)
    rec = np.zeros(len(a) + 20000, np.float32)
    rec[1000:31000] = a[:30000]
    rec[31200:31200 + len(b) - 30000] = b[30000:]              # a gap, then the other candidate
    got = match_pieces(rec, np.stack([a, b]))
    bad = [i for i, ok in enumerate(got["matched"]) if not ok]
    assert got["largest_difference"] == 0.0 and len(bad) <= 2, got
    ok_used = [c for c, ok in zip(got["candidate"], got["matched"]) if ok]
    assert ok_used[0] == 0 and ok_used[-1] == 1 and sorted(ok_used) == ok_used
    assert sum(match_pieces(rec, a)["matched"]) < sum(got["matched"]) // 2   # one candidate: the rest fails
    # a switch with no piece broken before it is not taken at once: the first piece of it fails
    whole = np.concatenate([a[:28800], b[28800:]])
    rec = np.concatenate([np.zeros(500, np.float32), whole, np.zeros(5000, np.float32)])
    got = match_pieces(rec, np.stack([a, b]))
    i = [k for k, c in enumerate(got["candidate"]) if c == 1 and got["matched"][k]][0]
    assert not got["matched"][i - 1] and all(got["matched"][:i - 1]) and all(got["matched"][i:]), got


# ---- the sound card path -----------------------------------------------------------------------

def _run_live(audio, client, converter, signal, tmp_path, tries: int = 3) -> dict:
    """One live recording (:func:`record_live`); a run that stopped with "can't keep up" (a busy
    host) is run again."""
    from ganstudio.audio.jack import record_live
    for _ in range(tries):
        got = record_live(audio, client, converter, signal, tmp_path)
        said = got["said"]
        assert not [p for k, p in said if k == "error"], said
        assert not audio.stream_on             # it turned its stream off when it ended
        if not [p for k, p in said if k == "overload"]:
            return got
    raise AssertionError(f"the live loop couldn't keep up in {tries} runs: {said}")


def _may_break(got: dict, memory: int, piece: int = 2400) -> int:
    """How many pieces the sound lost in a live recording may break: a gap breaks the one or two
    pieces it falls in; a stretch lost on the way in also changes what the chain makes for as long
    as it remembers (``memory`` samples at 48 kHz)."""
    lost_out = got["dropouts_while_playing"] + got["output_blocks_the_card_flagged_as_underflowed"]
    lost_in = got["input_blocks_the_card_flagged_as_overflowed"] + got["probe_cycles_flagged"]
    return 2 * lost_out + (2 + -(-memory // piece)) * lost_in


@pytest.fixture
def audio_in(jack_device):
    from ganstudio.audio.jack import jack_ports
    from ganstudio.audio.process import AudioProcess
    audio = AudioProcess(pads=2, voices=4, max_frames=48000, device=jack_device)
    audio.start()
    before = jack_ports()
    audio.start_input(jack_device)
    client = next(p.split(":")[0] for p in jack_ports() - before if p.endswith(":in_0"))
    yield audio, client
    audio.close()


def test_live_conversion_through_jack_is_the_converted_sound_at_most_50_ms_later(audio_in, tmp_path):
    from ganstudio.audio.jack import match_offline
    from ganstudio.models.converter_file import save_converter
    audio, client = audio_in
    net = random_live_converter()
    with torch.no_grad():               # quieter: the engine's limiter must not touch its peaks
        net.vocoder.head.bias[:SMALL_LIVE.n_fft // 2 + 1] -= 2.0
    save_converter(tmp_path / "live", net, SMALL_LIVE, "a", "b", {})
    signal = np.concatenate([np.zeros(4800, np.float32), gated_tone(2.5)])
    # what the chain remembers: the gate's hold and release and the DC blocker's decay (100 ms),
    # and for the converter how far back it looks, in 48 kHz samples
    from ganstudio.models.vocoder import context_frames
    reach = receptive_frames(SMALL_LIVE) + context_frames(SMALL_LIVE) + 4
    memory = {"monitor": 4800, "converted": 4800 + 2 * SMALL_LIVE.hop * reach}
    lags, jack_lost = {}, {}
    for name, conv in (("monitor", None), ("converted", net)):
        run = _run_live(audio, client, conv and str(tmp_path / "live"), signal, tmp_path)
        got = match_offline(conv, signal, run["recording"])
        failed = len(got["matched"]) - sum(got["matched"])
        # the same samples, piece by piece; only what sound lost on the way may have changed
        info = {k: v for k, v in run.items() if k != "recording"}
        assert failed <= _may_break(run, memory[name]) and any(got["matched"]), (name, got["lags"], got["matched"], info)
        assert got["largest_difference"] <= 1e-4 * np.abs(got["reference"]).max()
        lags[name] = [lag for lag, ok in zip(got["lags"], got["matched"]) if ok]
        jack_lost[name] = sum(v for k, v in run.items() if "flagged" in k)
    assert 0 < (lags["converted"][0] - lags["monitor"][0]) / 48 <= 50, lags
    if not any(jack_lost.values()):     # the studio's own dropouts count towards its bound; JACK's can't
        assert (max(lags["converted"]) - lags["monitor"][0]) / 48 <= 50, lags


def test_live_says_it_cant_keep_up_instead_of_crackling(audio_in):
    from ganstudio.audio.live import LiveLoop

    class Slow:
        """A chain that takes 1.5 blocks of time per block: a machine that can't keep up."""
        algorithmic_s = 0.0

        def process(self, x):
            time.sleep(1.5 * len(x) / 48000)
            return np.zeros(len(x), np.float32)

    audio, _ = audio_in
    said = []
    loop = LiveLoop(audio._view, Slow(), lambda kind, p: said.append((kind, p)))
    t0 = time.monotonic()
    loop.run(stop=lambda: any(k == "overload" for k, _ in said) or time.monotonic() - t0 > 30)
    assert [k for k, _ in said if k == "overload"], said
    why = next(p for k, p in said if k == "overload")
    assert "can't keep up" in why and not audio.stream_on


def test_the_gate_follows_the_source_to_silence_and_streams():
    from ganstudio.dsp.gate import FollowGate
    rate, rng = 48000, np.random.default_rng(0)
    src = np.zeros(2 * rate, np.float32)
    src[24000:48000] = 0.3 * rng.standard_normal(24000)
    hiss = np.full(len(src), 0.01, np.float32)          # what a young converter makes of silence
    gate = FollowGate(rate, -55.0)
    gate.feed(src)
    whole = gate.apply(hiss)
    assert not whole[:24000 - 6 * 48].any()              # silent until 5 ms before the sound
    assert whole[24000 - 4 * 48] > 0 and np.all(whole[24000:48000] == hiss[24000:48000])
    assert not whole[48000 + 30 * 48:48000 + 40 * 48].min() < whole[48000 + 40 * 48:].max()     # it falls
    assert whole[48000 + 130 * 48:].max() < 1e-3 * 0.01 * 10          # -60 dB within 100 ms of the hold
    gate, outs, i, j = FollowGate(rate, -55.0), [], 0, 0
    while j < len(src):                                  # the source runs 800 samples ahead, in odd pieces
        n = int(rng.integers(1, 700))
        gate.feed(src[i:i + n])
        i = min(i + n, len(src))
        m = (len(src) if i == len(src) else max(j, i - 800)) - j
        outs.append(gate.apply(hiss[j:j + m]))
        j += m
    assert np.array_equal(np.concatenate(outs), whole)


def test_silence_into_the_live_chain_comes_out_silent():
    from ganstudio.audio.live import LiveChain
    chain = LiveChain(random_live_converter(), 48000)
    x = np.zeros(48000, np.float32)
    x[24000:30000] = gated_tone(1.0)[:6000] + 0.1
    y = np.concatenate([chain.process(x[i:i + 256]) for i in range(0, len(x), 256)])
    assert not y[:20000].any() and np.abs(y[24000:30000]).max() > 0
    assert np.abs(y[36000:]).max() < 1e-3 * np.abs(y).max()
