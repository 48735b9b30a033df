"""Converting a recording of any length with a trained :class:`~.converter.Converter`.

The frames of the whole file are made at once (cheap); the generator and then the vocoder run
over chunks of ``chunk`` frames, each with the context its layers reach on both sides
(:func:`~.converter.receptive_frames`, :func:`~.vocoder.context_frames`), and only each chunk's
own frames or samples are kept. Nothing is cross-faded: with that context a chunk's output is
the whole file's output at the same place, so there is no seam (``tests/test_converter.py``
compares both), and memory stays bounded for a file of an hour.

Shapes: audio float32 [samples] at ``rate`` in; float32 [samples'] at the converter's rate out.
"""
from __future__ import annotations

import numpy as np
import torch

from .converter import TIME_STRIDE, Converter, MelFrames, pad_frames, receptive_frames
from .vocoder import context_frames

CHUNK_FRAMES = 512          # 8 s at 16 kHz, hop 256


def _spans(total: int, chunk: int, context: int, align: int = 1):
    """(start, stop, lo, hi) per chunk: the chunk's own frames [start, stop) and the frames
    [lo, hi) fed to the network; chunk and context are multiples of ``align``."""
    chunk = max(align, chunk // align * align)
    context = -(-context // align) * align
    for start in range(0, total, chunk):
        stop = min(total, start + chunk)
        yield start, stop, max(0, start - context), min(total, stop + context)


@torch.inference_mode()
def convert_frames(conv: Converter, frames: torch.Tensor, chunk: int = CHUNK_FRAMES) -> torch.Tensor:
    """[n_mels, K] log-mel frames in the source's sound -> [n_mels, K] in the target's."""
    net = conv.ab
    x, k = pad_frames(conv.normalise(frames[None], "a"))
    out = torch.empty_like(x)
    for start, stop, lo, hi in _spans(x.shape[-1], chunk, receptive_frames(conv.cfg), TIME_STRIDE):
        piece = x[..., lo:hi]
        y = net(piece, torch.ones_like(piece))
        out[..., start:stop] = y[..., start - lo:stop - lo]
    return conv.denormalise(out[..., :k], "b")[0]


@torch.inference_mode()
def vocode(vocoder, frames: torch.Tensor, hop: int, chunk: int = CHUNK_FRAMES, context: int = 0) -> torch.Tensor:
    """[n_mels, K] frames -> [K * hop] samples, in chunks of ``chunk`` frames with ``context``."""
    k = frames.shape[-1]
    out = frames.new_empty(k * hop)
    for start, stop, lo, hi in _spans(k, chunk, context):
        audio = vocoder(frames[None, :, lo:hi], lo)[0]
        out[start * hop:stop * hop] = audio[(start - lo) * hop:(stop - lo) * hop]
    return out


GATE_BELOW_PEAK_DB = 50.0   # where the source is this far below its peak, the converted sound is silenced


def convert_audio(conv: Converter, audio: np.ndarray, rate: int, chunk: int = CHUNK_FRAMES,
                  gate: bool = True) -> np.ndarray:
    """A recording [samples] at ``rate`` -> the converted recording at ``conv.cfg.sample_rate``,
    as long as the input (resampled with soxr when the rates differ); with ``gate``, silent where
    the recording was more than 50 dB below its peak (:class:`~ganstudio.dsp.gate.FollowGate`:
    a young converter hisses in the pauses)."""
    from ..data.prepare import resample
    cfg = conv.cfg
    x = resample(np.ascontiguousarray(audio, np.float32), rate, cfg.sample_rate)
    if not len(x):
        return x
    with torch.inference_mode():
        frames = MelFrames(cfg)(torch.from_numpy(x)[None])[0]
    converted = convert_frames(conv, frames, chunk)
    y = vocode(conv.vocoder, converted, cfg.hop, chunk, context_frames(cfg))[:len(x)].numpy().astype(np.float32)
    if gate:
        from ..dsp.gate import FollowGate
        peak = float(np.abs(x).max())
        if peak > 0:
            follow = FollowGate(cfg.sample_rate, 20 * np.log10(peak) - GATE_BELOW_PEAK_DB)
            follow.feed(x)
            y = follow.apply(y)
    return y


EXTEND_MAX_SECONDS = 60.0   # the extender works on one FFT of the whole piece; longer files are resampled only
EDGE_FADE_MS = 5.0


def safe_output(y: np.ndarray, rate: int, out_rate: str | int = "model",
                notes: list | None = None) -> tuple[np.ndarray, int]:
    """A converted recording [samples] at ``rate`` made ready for a speaker or a file: at
    ``out_rate`` ("model" keeps ``rate``; 44100/48000 through the shipped bandwidth extender, up to
    :data:`EXTEND_MAX_SECONDS`), without DC, faded in and out over 5 ms, peak at most -1 dBFS.
    Raises ValueError when the samples are unusable (non-finite, stuck)."""
    from ..dsp.processing import fade, remove_dc, sound_problem
    why = sound_problem(np.asarray(y, np.float32))
    if why:
        raise ValueError(f"the converted sound has {why}")
    target = rate if out_rate == "model" else int(out_rate)
    if target != rate:
        from .extender_file import extender_for
        from .sampling import full_band
        long = len(y) > EXTEND_MAX_SECONDS * rate
        if long and notes is not None:
            notes.append(f"longer than {EXTEND_MAX_SECONDS:.0f} s: resampled to {target} Hz without the extender")
        y = full_band(y[None], rate, target, None if long else extender_for(None))[0]
    y = fade(remove_dc(np.asarray(y, np.float32)), target, EDGE_FADE_MS, EDGE_FADE_MS)
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    limit = 10 ** (-1 / 20)
    if peak > limit:
        y = y * (limit / peak)
    return y.astype(np.float32), target
