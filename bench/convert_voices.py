"""Folder-to-folder conversion measured on two synthetic voices (issue 17, part 2). Prints JSON.

Data: ``python bench/prepare_datasets.py --convert`` (espeak-ng ``en-us`` is the source voice,
flite ``slt`` the target; the converter trains on different sentences from each: unpaired). On
30 held-out sentences both voices said (parallel, never trained on), all in one run:

- **MCD** (dB) of the converted source against the target voice saying the same sentence, after
  DTW alignment, against the unconverted source. Mel-cepstra here are the DCT of a 40-band
  log-mel amplitude (coefficients 1-24; MFCC-style, not SPTK's all-pass mel-cepstrum, so the
  figures are not comparable with papers' MCD: the ratio is the measure), with the usual
  10 / ln 10 * sqrt(2 * sum of squares) per frame, averaged along the DTW path.
- **speaker**: logistic regression on each utterance's mean and spread of those cepstra, fitted
  on the training recordings of both voices; the share of converted sentences it calls the target.
- **words**: the ten digits by each voice at 5 speeds; a DTW word recogniser (:func:`dtw_words`)
  labels all 50 converted digits, each against the templates said at the other 4 speeds by the
  source voice (and by both voices). Also, as before, a classifier on time-segmented log-mel
  means (fitted on 3 speeds, scoring the other 2), floored 40 dB below each clip's peak and at
  an absolute floor (a faint noise floor throws the latter: see :func:`content_embedding`); it
  only recognises the voices it was fitted on. Controls: the real target, the real target with noise 50 dB down,
  and white noise (chance: 10 %). A recogniser is valid only where it knows the real target's
  words.
- **the vocoder alone**: the target's own sentences and digits through the vocoder (copy
  synthesis), to tell what the vocoder loses from what the converter does.
- **speed**: seconds to convert a 10 s recording on 2 threads (real-time factor).

    python bench/convert_voices.py --converter C        # a converter trained beforehand
    python bench/convert_voices.py --minutes 10 --out C # train one first (train-convert's defaults)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganstudio.data.recordings import import_recordings          # noqa: E402
from ganstudio.dsp import log_mel                                  # noqa: E402
from ganstudio.metrics.classify import ClipClassifier, timed_embedding  # noqa: E402
from ganstudio.models.conversion import convert_audio             # noqa: E402
from ganstudio.models.converter_file import load_converter        # noqa: E402

DATA = ROOT / "bench" / "data" / "vc"
RATE = 16000            # the measures' rate; a converter at another (a live one: 24 kHz) is resampled to it
N_CEPS = 24


def cepstra(x: np.ndarray) -> np.ndarray:
    """[samples] at 16 kHz -> [frames, 24] MFCC-style cepstra: c1..c24 of the orthonormal DCT of a
    40-band log-mel amplitude (natural log), the clip peak-normalised and floored 80 dB under it."""
    x = x / max(float(np.abs(x).max()), 1e-9)
    mel = log_mel(x, RATE, n_mels=40, floor_db=-80.0) * (np.log(10) / 20)
    return mel @ _dct(40)[:, 1:N_CEPS + 1]


def _dct(n: int) -> np.ndarray:
    """Orthonormal DCT-II as a matrix [n, n]: y = x @ M."""
    k, i = np.meshgrid(np.arange(n), np.arange(n))
    m = np.cos(np.pi * (i + 0.5) * k / n) * np.sqrt(2.0 / n)
    m[:, 0] /= np.sqrt(2.0)
    return m


def dtw_mcd(a: np.ndarray, b: np.ndarray) -> float:
    """MCD (dB) of cepstra a [N, D] against b [M, D] along their DTW path."""
    return dtw_mean(a, b) * np.sqrt(2.0) * (10.0 / np.log(10))


def dtw_mean(a: np.ndarray, b: np.ndarray) -> float:
    """The mean Euclidean distance between frames of a [N, D] and b [M, D] along their DTW path."""
    return float(dtw_batch(a, [b])[0])


WORD_CEPS = 12          # the envelope's coarse shape says the word; the finer cepstra say more of the voice


def word_features(x: np.ndarray) -> np.ndarray:
    """[frames, 12] cepstra c1..c12 of the word alone (frames within 40 dB of the loudest: the
    pauses around it left out), less their mean over the word (cepstral mean normalisation: a
    fixed timbre, a voice's or a channel's, is a constant offset in the cepstrum)."""
    c = cepstra(x)[:, :WORD_CEPS]
    loud = log_mel(x / max(float(np.abs(x).max()), 1e-9), RATE, n_mels=40, floor_db=-80.0).max(axis=1)
    idx = np.flatnonzero(loud >= loud.max() - CONTENT_DEPTH_DB)
    c = c[idx[0]:idx[-1] + 1]
    return c - c.mean(axis=0)


def dtw_batch(a: np.ndarray, refs: list[np.ndarray]) -> np.ndarray:
    """The mean Euclidean distance between frames along the DTW path of a [N, D] and each of
    ``refs`` ([M_k, D]), all at once (the templates padded to the longest, a padded frame out of
    reach): [K]."""
    k, m = len(refs), max(len(r) for r in refs)
    pad = np.zeros((k, m, a.shape[1]))
    for i, r in enumerate(refs):
        pad[i, :len(r)] = r
    cost = np.sqrt(((a[None, :, None, :] - pad[:, None, :, :]) ** 2).sum(-1))      # [K, N, M]
    for i, r in enumerate(refs):
        cost[i, :, len(r):] = np.inf
    n = len(a)
    acc = np.full((k, n + 1, m + 1), np.inf)
    steps = np.zeros((k, n + 1, m + 1))
    acc[:, 0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            moves = np.stack([acc[:, i - 1, j - 1], acc[:, i - 1, j], acc[:, i, j - 1]])
            best = moves.argmin(0)
            before = np.stack([steps[:, i - 1, j - 1], steps[:, i - 1, j], steps[:, i, j - 1]])
            acc[:, i, j] = cost[:, i - 1, j - 1] + moves[best, np.arange(k)]
            steps[:, i, j] = before[best, np.arange(k)] + 1
    ends = np.array([len(r) for r in refs])
    return acc[np.arange(k), n, ends] / steps[np.arange(k), n, ends]


def dtw_words(templates: list[np.ndarray], labels: np.ndarray, speeds: np.ndarray,
              xs: list[np.ndarray], x_speeds: np.ndarray) -> np.ndarray:
    """Isolated-word recognition by template matching: each clip of ``xs`` gets the label of the
    template its :func:`word_features` are nearest to along a DTW path, among the templates said
    at other speeds than it (as speaker-independent digit recognisers did before statistical
    models: timing is free, a fixed timbre is removed)."""
    ref = [word_features(t) for t in templates]
    out = []
    for x, s in zip(xs, x_speeds):
        others = np.flatnonzero(speeds != s)
        out.append(labels[others[int(np.argmin(dtw_batch(word_features(x), [ref[i] for i in others])))]])
    return np.array(out)


def speaker_embedding(x: np.ndarray) -> np.ndarray:
    c = cepstra(x)
    return np.concatenate([c.mean(0), c.std(0)])


def fixed(x: np.ndarray, seconds: float = 1.2) -> np.ndarray:
    n = int(seconds * RATE)
    return np.pad(x[:n], (0, max(0, n - len(x))))


def digits(voice: str) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """(audio, digit label, speed index) of ``digits_<voice>``."""
    rec = import_recordings(DATA / f"digits_{voice}", RATE)
    labels = np.array([int(_DIGITS.index(Path(f).parts[0])) for f in rec.files])
    speeds = np.array([int(Path(f).stem) for f in rec.files])
    return rec.audio, labels, speeds


_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def converted16(conv, x: np.ndarray) -> np.ndarray:
    """``x`` (at :data:`RATE`) converted, back at :data:`RATE`."""
    from ganstudio.data.prepare import resample
    return resample(convert_audio(conv, x, RATE), conv.cfg.sample_rate, RATE)


CONTENT_DEPTH_DB = 40.0


def content_embedding(xs) -> np.ndarray:
    """:func:`timed_embedding` with log-mel floored 40 dB below each clip's loudest cell instead of
    at -100 dBFS: a classifier on the absolute floor hears a faint noise floor in the pauses as a
    different word (measured: real target digits with white noise 50 dB below their peak fell
    from 95 % to 30 %, as low as the vocoder's output)."""
    from ganstudio.dsp import log_mel
    from ganstudio.metrics.classify import SEGMENTS
    f = log_mel(np.stack([fixed(x) for x in xs]).astype(np.float32), RATE, n_mels=32, floor_db=-120.0)
    f = np.maximum(f, f.max(axis=(1, 2), keepdims=True) - CONTENT_DEPTH_DB)
    return np.concatenate([p.mean(axis=1) for p in np.array_split(f, SEGMENTS, axis=1)], axis=1).astype(np.float64)


def words(conv) -> dict:
    """Digits recognised by the DTW recogniser (each speed held out in turn, the other four the
    templates: all 50 digits of a set scored) with the source voice's templates and with both
    voices', and by the older classifiers (fitted on speeds 0, 2, 4, scoring 1 and 3); controls:
    the real target, the same with a noise floor 50 dB down, and noise alone."""
    audio_a, lab_a, sp_a = digits("a")
    audio_b, lab_b, sp_b = digits("b")
    rng = np.random.default_rng(0)
    sets = {"converted": ([converted16(conv, x) for x in audio_a], lab_a, sp_a),
            "unconverted_source": (audio_a, lab_a, sp_a), "real_target": (audio_b, lab_b, sp_b),
            "target_through_the_vocoder": ([copy_synthesis(conv, x) for x in audio_b], lab_b, sp_b),
            "real_target_with_noise_50_db_down": ([x + 10 ** (-50 / 20) * np.abs(x).max() * rng.standard_normal(len(x))
                                                   .astype(np.float32) for x in audio_b], lab_b, sp_b),
            "white_noise": ([rng.standard_normal(len(x)).astype(np.float32) for x in audio_b], lab_b, sp_b)}
    voices = {"source_voice": (audio_a, lab_a, sp_a),
              "both_voices": (audio_a + audio_b, np.concatenate([lab_a, lab_b]), np.concatenate([sp_a, sp_b]))}
    out = {}
    for name, (fit_x, fit_y, fit_s) in voices.items():
        out[f"{name}/dtw_templates"] = {k: float((dtw_words(fit_x, fit_y, fit_s, xs, ss) == ys).mean())
                                        for k, (xs, ys, ss) in sets.items()}
    pick = lambda xs, mask: [x for x, t in zip(xs, mask) if t]      # noqa: E731
    for emb_name, emb in (("floor_40_db_below_peak", content_embedding),
                          ("absolute_floor", lambda xs: timed_embedding(np.stack([fixed(x) for x in xs]), RATE))):
        for name, (fit_x, fit_y, fit_s) in voices.items():
            fit = np.isin(fit_s, (0, 2, 4))
            clf = ClipClassifier.fit(emb(pick(fit_x, fit)), fit_y[fit], 10)
            out[f"{name}/{emb_name}"] = {k: float((clf.probabilities(emb(pick(xs, np.isin(ss, (1, 3))))).argmax(1)
                                                   == ys[np.isin(ss, (1, 3))]).mean())
                                         for k, (xs, ys, ss) in sets.items()}
    return out


def copy_synthesis(conv, x: np.ndarray) -> np.ndarray:
    """A real recording through the vocoder alone (its own mel frames in): what the vocoder loses."""
    from ganstudio.data.prepare import resample
    from ganstudio.models.converter import MelFrames
    from ganstudio.models.conversion import vocode
    from ganstudio.models.vocoder import context_frames
    rate = conv.cfg.sample_rate
    y = resample(x, RATE, rate)
    with torch.inference_mode():
        frames = MelFrames(conv.cfg)(torch.from_numpy(y)[None])[0]
    y = vocode(conv.vocoder, frames, conv.cfg.hop, 512, context_frames(conv.cfg)).numpy()[:len(y)]
    return resample(y, rate, RATE)[:len(x)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--converter", help="a trained converter folder")
    ap.add_argument("--minutes", type=float, default=10.0, help="train one for this long first (with --out)")
    ap.add_argument("--out", help="where to train one")
    a = ap.parse_args()
    torch.set_num_threads(2)
    if not a.converter:
        from ganstudio.cli import main as cli
        cli(["train-convert", str(DATA / "a_train"), str(DATA / "b_train"), "--out", a.out,
             "--minutes", str(a.minutes), "--threads", "2", "--fresh"])
        a.converter = a.out
    conv = load_converter(a.converter)
    net = conv.net
    test_a, test_b = import_recordings(DATA / "a_test", RATE), import_recordings(DATA / "b_test", RATE)
    t0 = time.perf_counter()
    converted = [converted16(net, x) for x in test_a.audio]
    seconds = time.perf_counter() - t0
    mcd_conv = [dtw_mcd(cepstra(c), cepstra(b)) for c, b in zip(converted, test_b.audio)]
    mcd_src = [dtw_mcd(cepstra(s), cepstra(b)) for s, b in zip(test_a.audio, test_b.audio)]
    mcd_copy = [dtw_mcd(cepstra(copy_synthesis(net, b)), cepstra(b)) for b in test_b.audio]
    train_a, train_b = import_recordings(DATA / "a_train", RATE), import_recordings(DATA / "b_train", RATE)
    emb = np.stack([speaker_embedding(x) for x in train_a.audio + train_b.audio])
    spk = ClipClassifier.fit(emb, np.array([0] * len(train_a.audio) + [1] * len(train_b.audio)), 2)
    says_b = lambda xs: float((spk.probabilities(np.stack([speaker_embedding(x) for x in xs])).argmax(1) == 1).mean())  # noqa: E731
    ten = np.concatenate(test_a.audio)[:10 * RATE]
    t0 = time.perf_counter()
    convert_audio(net, ten, RATE)
    ten_s = time.perf_counter() - t0
    report = {
        "converter": str(a.converter), "live": net.cfg.causal, "training": conv.meta.get("training", {}).get("step"),
        "training_minutes": round(conv.meta.get("training", {}).get("elapsed_s", 0) / 60, 1),
        "threads": 2, "test_sentences": len(test_a.audio),
        "mcd_db": {"converted_vs_target": round(float(np.mean(mcd_conv)), 2),
                   "source_vs_target": round(float(np.mean(mcd_src)), 2),
                   "ratio": round(float(np.mean(mcd_conv) / np.mean(mcd_src)), 3),
                   "sentences_closer": int(sum(c < s for c, s in zip(mcd_conv, mcd_src))),
                   "target_through_the_vocoder_vs_target": round(float(np.mean(mcd_copy)), 2)},
        "speaker_says_target": {"converted": says_b(converted), "real_source": says_b(test_a.audio),
                                "real_target": says_b(test_b.audio)},
        "words_recognised": words(net),
        "speed": {"seconds_for_10s": round(ten_s, 3), "real_time_factor": round(10.0 / ten_s, 1),
                  "test_set_seconds_of_audio": round(sum(len(x) for x in test_a.audio) / RATE, 1),
                  "test_set_convert_seconds": round(seconds, 2)},
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
