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
  relpool  rel, plus 17 channels: the frame's power pooled in bands up to 6.9 kHz, in log relative to
           the top octave (what hatdiag4_probe.py's MLP read), 0 for bands above the input's band
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


POOL_EDGES = (0, 200, 400, 700, 1000, *[round(float(f)) for f in torch.logspace(torch.log10(torch.tensor(1500.)), torch.log10(torch.tensor(6900.)), 13)])


class PooledExtender(E.Extender):
    def __init__(self, cfg):
        super().__init__(cfg)
        bins = cfg.n_fft // 2 + 1
        self.inp = torch.nn.Conv1d(2 * bins + len(POOL_EDGES) - 1, cfg.channels, cfg.kernel, padding=cfg.kernel // 2)
        pool = torch.stack([((self.freqs >= a) & (self.freqs < b)).float() for a, b in zip(POOL_EDGES[:-1], POOL_EDGES[1:])])
        self.register_buffer("pool", pool / pool.sum(1, keepdim=True).clamp_min(1), persistent=False)
        self.register_buffer("pool_top", torch.tensor(POOL_EDGES[1:], dtype=torch.float32), persistent=False)

    def forward(self, x, cutoff):
        cfg, n = self.cfg, x.shape[-1]
        level = x.pow(2).mean(-1, keepdim=True).sqrt().clamp_min(1e-4)
        spec = torch.stft(x / level, cfg.n_fft, cfg.hop, window=self.window, center=True, return_complex=True)
        logmag = spec.abs().clamp_min(1e-5).log()
        have = (self.freqs[None] < E.JOIN_LOW * cutoff[:, None]).to(x.dtype)
        top = have * (self.freqs[None] >= 0.5 * cutoff[:, None])
        ref = (logmag * top[..., None]).sum(1, keepdim=True) / top.sum(1).clamp_min(1)[:, None, None]
        pooled = 0.5 * torch.einsum('kf,bft->bkt', self.pool, spec.abs().pow(2)).clamp_min(1e-10).log() - ref
        inside = (self.pool_top[None] < E.JOIN_LOW * cutoff[:, None]).to(x.dtype)[..., None]
        feat = torch.cat([(logmag - ref) * have[..., None], have[..., None].expand_as(logmag), pooled * inside], 1)
        h = self.inp(feat)
        for block in self.blocks:
            h = block(h)
        amp, tonal = self.out(self.norm(h.transpose(1, 2)).transpose(1, 2)).chunk(2, dim=1)
        mag = (ref + self._slope(logmag, top, cutoff) + amp).clamp(max=E.MAX_LOG_MAG).exp()
        exc = self._excitation(spec, cutoff, n)
        mix = torch.sigmoid(tonal)
        high = torch.istft(mag * (exc[0] * mix + exc[1] * (1 - mix)), cfg.n_fft, cfg.hop, window=self.window,
                           center=True, length=n)
        return E.join_bands(x, high * level, cfg.sample_rate, cutoff)


if variant == 'relpool':
    ET.Extender = PooledExtender                     # what the trainer builds
    import ganstudio.models.extender_file as EF
    EF.Extender = PooledExtender                     # and what load_extender rebuilds for scoring


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
