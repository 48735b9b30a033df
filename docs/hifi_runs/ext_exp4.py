"""Extender variants of the fifteenth stop, trained side by side (1 thread each) on one set's train
half and scored on both sets' test clips as a 16 kHz model's output: high-band LSD over soxr's, and
the share of energy above 8 kHz against real per family. The variants patch the shipped code here
(none of them was kept). python ext_exp4.py VARIANT MINUTES drums|sfx
  base     as shipped before this stop (features "absolute")
  rel      the net reads each frame's log-magnitudes over its top octave's mean (features "relative")
  warm     starts from the shipped general extender's weights instead of from nothing
  relmel   rel, plus an L1 loss on log-mel energies (128 bands, n_fft 1024 at 48 kHz, as HiFi-GAN's mel
           loss: power pooled over bins before the log, so it sees energy where the per-bin log loss
           sees a median)
  smooth9  the slope prior fitted to a power spectrum smoothed over 9 frames (24 ms), not one frame
  loudw    the log-magnitude loss weighted per frame by sqrt(frame energy / the piece's loudest)
  loud20   ... weight 1 for frames within 20 dB of the piece's loudest, 0.1 below"""
import json
import pathlib
import sys

import torch

root = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(root)); sys.path.insert(0, str(root / 'bench'))
torch.set_num_threads(1)
variant, minutes, data = sys.argv[1], float(sys.argv[2]), sys.argv[3]
import hifi                                                             # noqa: E402
import ganstudio.models.extender as E                                   # noqa: E402
import ganstudio.training.extender_train as ET                          # noqa: E402
from ganstudio.models.extender_file import load_extender, shipped_path  # noqa: E402


def smoothed_slope(self, logmag, top, cutoff, frames=9):
    octave = torch.log2(self.freqs.clamp_min(1.0)[None] / (0.75 * cutoff[:, None]))
    w = top / top.sum(1, keepdim=True).clamp_min(1)
    mo = (w * octave).sum(1, keepdim=True)
    dev = (octave - mo) * top
    p = (2 * logmag).exp()
    B, F, T = p.shape
    win = torch.hann_window(frames + 2, periodic=False, dtype=p.dtype)[1:-1]
    win = (win / win.sum()).view(1, 1, -1)
    pad = torch.nn.functional.pad(p.reshape(B * F, 1, T), (frames // 2, frames // 2), mode='replicate')
    lm = 0.5 * torch.nn.functional.conv1d(pad, win).reshape(B, F, T).clamp_min(1e-10).log()
    mean = (lm * w[..., None]).sum(1, keepdim=True)
    slope = ((lm - mean) * dev[..., None]).sum(1, keepdim=True) / dev.pow(2).sum(1).clamp_min(1e-6)[:, None, None]
    return slope.clamp(-4.0, 2.0) * (octave - mo).clamp_min(0.0)[..., None]


def weighted_logmag(x, y, fft_sizes=(2048, 1024, 512, 256), convergence=0.0):
    total = x.new_zeros(())
    for n in fft_sizes:
        w = torch.hann_window(n, device=x.device, dtype=x.dtype)
        a = torch.stft(x, n, n // 4, window=w, return_complex=True).abs()
        b = torch.stft(y, n, n // 4, window=w, return_complex=True).abs()
        err = (a.clamp_min(1e-5).log() - b.clamp_min(1e-5).log()).abs()      # [B, F, T]
        e = b.pow(2).sum(1, keepdim=True)
        rel = e / e.amax(-1, keepdim=True).clamp_min(1e-20)
        wt = rel.sqrt() if variant == 'loudw' else torch.where(rel >= 0.01, 1.0, 0.1).to(rel)
        total = total + (err * wt / wt.mean(-1, keepdim=True).clamp_min(1e-8)).mean()
    return total / len(fft_sizes)


def with_mel(x, y, fft_sizes=(2048, 1024, 512, 256), convergence=0.0):
    from ganstudio.dsp.mel import mel_filterbank
    fb = torch.from_numpy(mel_filterbank(48000, 1024, 128, 0.0, 24000.0)).to(x)
    w = torch.hann_window(1024, device=x.device, dtype=x.dtype)
    a, b = (fb @ torch.stft(z, 1024, 256, window=w, return_complex=True).abs().pow(2) for z in (x, y))
    mel = (a.clamp_min(1e-10).log() - b.clamp_min(1e-10).log()).abs().mean() / 2
    return PLAIN_LOSS(x, y, fft_sizes, convergence) + mel


PLAIN_LOSS = ET.multires_logmag
if variant == 'relmel':
    ET.multires_logmag = with_mel
if variant == 'smooth9':
    E.Extender._slope = smoothed_slope
if variant.startswith('loud'):
    ET.multires_logmag = weighted_logmag


class Trainer(ET.ExtenderTrainer):
    def build_nets(self):
        g, d = super().build_nets()
        if variant == 'warm':
            g.load_state_dict(load_extender(shipped_path()).net.state_dict())
        return g, d


sets = {n: hifi.load_set(root / 'bench/data' / n) for n in ('hifi_drums', 'hifi_sfx')}
ds, train, test = sets['hifi_' + data]
out = f'/tmp/exp4/ext_{variant}_{data}'
r = Trainer(ds.clips[train], out, E.ExtenderConfig(features='relative' if variant.startswith('rel') else 'absolute'),
            tc=ET.ExtenderTrainConfig(max_minutes=minutes, snapshot_every=10**9), resume=False).run()
ext = load_extender(out)
res = {'variant': variant, 'data': data, 'steps': r.step}
res.update(hifi.variant_scores(ext, sets))
print(json.dumps(res))
