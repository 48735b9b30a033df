"""Extender variants of the sixteenth stop, trained and scored as ext_exp4.py does (1 thread each,
side by side, one set's train half; both sets' test clips as a 16 kHz model's output).
python ext_exp5.py VARIANT BUDGET drums|sfx   (BUDGET: minutes, or steps as "2400steps": equal
steps where other work shares the cores, as the losses cost the same)
  rel       as shipped since the fifteenth stop (features "relative"), for a same-run reference
  clipW     rel, plus W x an L1 loss on the log of each training piece's energy in 2 kHz bands from
            2 to 22 kHz (one FFT of the whole 170 ms piece: the loud frames decide it, as they
            decide the share above 8 kHz; the per-bin log loss fits a median over all frames)
  glob      rel, plus the piece's (at inference the clip's) relative spectrum pooled over frames,
            weighted by each frame's energy, as channels beside every frame's: what kind of sound
            this is, from its loud frames, where a frame of a hat's tail alone may not tell"""
import json
import pathlib
import sys

import torch

root = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(root)); sys.path.insert(0, str(root / 'bench'))
torch.set_num_threads(1)
variant, budget, data = sys.argv[1], sys.argv[2], sys.argv[3]
steps = int(budget[:-5]) if budget.endswith('steps') else 0
minutes = 0.0 if steps else float(budget)
import hifi                                                             # noqa: E402
import ganstudio.models.extender as E                                   # noqa: E402
import ganstudio.training.extender_train as ET                          # noqa: E402
from ganstudio.models.extender_file import load_extender                # noqa: E402

EDGES = torch.arange(2000.0, 22001.0, 2000.0)
PLAIN_LOSS = ET.multires_logmag


def band_energy_loss(x, y):
    """Mean |log E_x - log E_y| over 2 kHz bands of each piece [B, T] at 48 kHz."""
    n = x.shape[-1]
    f = torch.fft.rfftfreq(n, 1 / 48000.0)
    bands = torch.stack([((f >= a) & (f < b)).to(x) for a, b in zip(EDGES[:-1], EDGES[1:])])   # [K, F]
    ex, ey = ((torch.fft.rfft(z).abs().pow(2)) @ bands.T for z in (x, y))                       # [B, K]
    eps = 1e-6 * y.pow(2).sum(-1, keepdim=True) * n + 1e-6   # bands 60 dB under the piece (or a silent piece) do not count
    return ((ex + eps).log() - (ey + eps).log()).abs().mean() / 2


if variant.startswith('clip'):
    weight = float(variant[4:])

    def with_bands(x, y, fft_sizes=(2048, 1024, 512, 256), convergence=0.0):
        return PLAIN_LOSS(x, y, fft_sizes, convergence) + weight * band_energy_loss(x, y)
    ET.multires_logmag = with_bands

class GlobalExtender(E.Extender):
    def __init__(self, cfg):
        super().__init__(cfg)
        bins = cfg.n_fft // 2 + 1
        self.inp = torch.nn.Conv1d(3 * bins, cfg.channels, cfg.kernel, padding=cfg.kernel // 2)

    def _features(self, spec, logmag, have, ref):
        feat = super()._features(spec, logmag, have, ref)
        bins = logmag.shape[1]
        w = (spec.abs().pow(2) * have[..., None]).sum(1, keepdim=True)              # [B, 1, T]
        pooled = (feat[:, :bins] * w).sum(-1, keepdim=True) / w.sum(-1, keepdim=True).clamp_min(1e-10)
        return torch.cat([feat, pooled.expand(-1, -1, logmag.shape[2])], 1)


if variant == 'glob':
    ET.Extender = GlobalExtender                     # what the trainer builds
    import ganstudio.models.extender_file as EF
    EF.Extender = GlobalExtender                     # and what load_extender rebuilds for scoring

sets = {n: hifi.load_set(root / 'bench/data' / n) for n in ('hifi_drums', 'hifi_sfx')}
ds, train, test = sets['hifi_' + data]
out = f'/tmp/exp5/ext_{variant}_{data}'
r = ET.ExtenderTrainer(ds.clips[train], out, E.ExtenderConfig(features='relative'),
                       tc=ET.ExtenderTrainConfig(max_minutes=minutes, max_steps=steps, snapshot_every=10**9), resume=False).run()
ext = load_extender(out)
res = {'variant': variant, 'data': data, 'steps': r.step}
res.update(hifi.variant_scores(ext, sets))
print(json.dumps(res))
