"""Extender variants of the twenty-fifth stop: does knowing what kind of sound it is (the folder's
class, as a conditional generator knows it) let the extender give hats their air? Trained and
scored as ext_exp5.py does (1 thread each, side by side, the drums' train half; the drums' test
clips made as a 16 kHz model's output, each extended with its own class).
python ext_exp6.py VARIANT BUDGET     (BUDGET: minutes, or steps as "2400steps")
  rel       as shipped since the fifteenth stop (features "relative"), for a same-run reference
  clsP      rel, plus a learned vector per class added to the hidden channels after the input
            layer; with probability P a clip's class is hidden ("unknown", an extra row), so the
            net also learns to extend sounds whose class it is not told
  clsoutP   as clsP, but the class also adds a learned per-bin offset to the predicted
            log-magnitude (a per-class tilt, which the slope prior alone cannot give)
  onlyhat   rel, trained on the train half's hats alone (scored on the test half's hats): what a
            net that needs no compromise between kinds of sound gives hats, from these 16 clips"""
import json
import pathlib
import sys

import numpy as np
import torch

root = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(root)); sys.path.insert(0, str(root / 'bench'))
torch.set_num_threads(1)
variant, budget = sys.argv[1], sys.argv[2]
steps = int(budget[:-5]) if budget.endswith('steps') else 0
minutes = 0.0 if steps else float(budget)
import hifi                                                             # noqa: E402
import ganstudio.models.extender as E                                   # noqa: E402
import ganstudio.training.extender_train as ET                          # noqa: E402
import ganstudio.models.extender_file as EF                             # noqa: E402
from ganstudio.training.pieces import random_pieces                     # noqa: E402

sets = {n: hifi.load_set(root / 'bench/data' / n) for n in ('hifi_drums',)}
ds, train, test = sets['hifi_drums']
K = ds.num_classes
hide = float(variant.split('cls')[-1].lstrip('out') or 0) if 'cls' in variant else 0.0
per_bin = variant.startswith('clsout')


class ClassExtender(E.Extender):
    def __init__(self, cfg):
        super().__init__(cfg)
        self.embed = torch.nn.Embedding(K + 1, cfg.channels)
        torch.nn.init.zeros_(self.embed.weight)
        if per_bin:
            self.tilt = torch.nn.Embedding(K + 1, cfg.n_fft // 2 + 1)
            torch.nn.init.zeros_(self.tilt.weight)
        self.label = None                       # [B] long, set before each call; None: unknown

    def forward(self, x, cutoff, fast=False):
        """Extender.forward with the class added after the input layer (and to the log-magnitude)."""
        cfg = self.cfg
        n = x.shape[-1]
        lab = self.label if self.label is not None else torch.full((x.shape[0],), K)
        lab = lab.expand(x.shape[0]) if lab.numel() == 1 else lab
        level = x.pow(2).mean(-1, keepdim=True).sqrt().clamp_min(1e-4)
        xn = x / level
        spec = torch.stft(xn, cfg.n_fft, cfg.hop, window=self.window, center=True, return_complex=True)
        logmag = spec.abs().clamp_min(1e-5).log()
        have = (self.freqs[None] < E.JOIN_LOW * cutoff[:, None]).to(x.dtype)
        top = have * (self.freqs[None] >= 0.5 * cutoff[:, None])
        ref = (logmag * top[..., None]).sum(1, keepdim=True) / top.sum(1).clamp_min(1)[:, None, None]
        features = self._features(spec, logmag, have, ref)
        h = self._read_fast(features, have) if fast and not self.training else self.inp(features)
        h = h + self.embed(lab)[..., None]
        for block in self.blocks:
            h = block(h)
        h = self.out(self.norm(h.transpose(1, 2)).transpose(1, 2))
        amp, tonal = h.chunk(2, dim=1)
        if per_bin:
            amp = amp + self.tilt(lab)[..., None]
        mag = (ref + self._slope(logmag, top, cutoff) + amp).clamp(max=E.MAX_LOG_MAG).exp()
        excitation = self._excitation(spec, cutoff, n)
        mix = torch.sigmoid(tonal)
        unit = excitation[0] * mix + excitation[1] * (1 - mix)
        high = torch.istft(mag * unit, cfg.n_fft, cfg.hop, window=self.window, center=True, length=n)
        return E.join_bands(x, high * level, cfg.sample_rate, cutoff)


if 'cls' in variant:
    ET.Extender = ClassExtender
    EF.Extender = ClassExtender
    labels = ds.labels[train]
    clips = ds.clips[train]

    class ClassTrainer(ET.ExtenderTrainer):
        def batch(self):
            tc, rate, margin = self.tc, self.cfg.sample_rate, 512
            self.rng = np.random.default_rng([tc.seed, self.step, self.rollbacks])
            idx = self.rng.integers(len(clips), size=tc.batch_size)
            wide = np.concatenate([random_pieces(clips[i:i + 1], 1, tc.segment + 2 * margin, self.rng) for i in idx])
            lab = torch.from_numpy(np.where(self.rng.random(len(idx)) < hide, K, labels[idx]))
            self.G_train.label = lab
            self.G.label = lab
            inputs, targets, cutoffs = [], [], []
            for piece in wide:
                nyquist = ET.DEFAULT_MODEL_RATE / 2 if self.rng.random() < 1 / 3 else \
                    float(self.rng.uniform(tc.min_nyquist, tc.max_nyquist))
                inputs.append(hifi.band_limit(piece, rate, 2 * nyquist)[margin:margin + tc.segment])
                targets.append(piece[margin:margin + tc.segment])
                cutoffs.append(E.band_edge(2 * nyquist))
            return (torch.from_numpy(np.stack(inputs)), torch.from_numpy(np.stack(targets)),
                    torch.tensor(cutoffs, dtype=torch.float32))
    Trainer = ClassTrainer
else:
    Trainer = ET.ExtenderTrainer
if variant.startswith('only'):
    keep = ds.class_names.index(variant[4:])
    train = [i for i in train if ds.labels[i] == keep]
    test = np.array([i for i in test if ds.labels[i] == keep])

out = f'/tmp/exp6/ext_{variant}'
r = Trainer(ds.clips[train], out, E.ExtenderConfig(features='relative'),
            tc=ET.ExtenderTrainConfig(max_minutes=minutes, max_steps=steps, snapshot_every=10**9), resume=False).run()
ext = EF.load_extender(out)


def scores(known: bool, n=80, on=None):
    on = test[:n] if on is None else on
    real, fam, lim, real_share = hifi.held_out(ds, on)
    labs = ds.labels[on]
    reb = np.empty_like(lim)
    for c in np.unique(labs):
        m = labs == c
        if 'cls' in variant:
            ext.net.label = torch.tensor([int(c) if known else K])
        reb[m] = hifi.extend(ext, lim[m], hifi.RATE, hifi.MODEL_RATE)
    s0, s1 = (hifi.summarise([hifi.measure(a, b) for a, b in zip(real, x)], real_share, fam) for x in (lim, reb))
    return {"lsd_high_ratio": round(s1["lsd_high"] / s0["lsd_high"], 4),
            "share_ratio": {f: round(v["ratio"], 2) for f, v in s1["share_above_8k"].items()}}


res = {'variant': variant, 'steps': r.step, 'told': scores(True), 'train_clips': scores(True, on=train[:86])}
if 'cls' in variant:
    res['not_told'] = scores(False)
print(json.dumps(res))
