"""Without retraining: the extender in EXT with its tonal/noise mix as learned, power-complementary,
all noise or all copied; high-band LSD and the share above 8 kHz against real per family, on the
drums' first 80 test clips. python hatdiag4_mix.py EXT"""
import sys, numpy as np, torch
_root = __import__('pathlib').Path(__file__).resolve().parents[2]; sys.path.insert(0, str(_root)); sys.path.insert(0, str(_root / 'bench'))
torch.set_num_threads(2)
import hifi
import ganstudio.models.extender as E
from ganstudio.models.extender_file import load_extender
from ganstudio.models.sampling import extend
from ganstudio.dsp.bands import band_limit, energy_above
ds, train, test = hifi.load_set(_root / 'bench/data/hifi_drums')
ext = load_extender(sys.argv[1])
ids = test[:80]
real = ds.clips[ids]; fam = np.array([ds.class_names[ds.labels[i]] for i in ids])
lim = np.stack([band_limit(c, 48000, 16000) for c in real])
rs = np.array([energy_above(c, 48000) for c in real])
orig_sigmoid = torch.sigmoid
mode = {'m': None}
def patched_forward(self, x, cutoff):
    cfg = self.cfg; n = x.shape[-1]
    level = x.pow(2).mean(-1, keepdim=True).sqrt().clamp_min(1e-4); xn = x / level
    spec = torch.stft(xn, cfg.n_fft, cfg.hop, window=self.window, center=True, return_complex=True)
    logmag = spec.abs().clamp_min(1e-5).log()
    have = (self.freqs[None] < E.JOIN_LOW * cutoff[:, None]).to(x.dtype)
    top = have * (self.freqs[None] >= 0.5 * cutoff[:, None])
    feat = torch.cat([logmag * have[..., None] + E.LOG_FLOOR * (1 - have[..., None]), have[..., None].expand_as(logmag)], dim=1)
    h = self.inp(feat)
    for b in self.blocks: h = b(h)
    h = self.out(self.norm(h.transpose(1, 2)).transpose(1, 2)); amp, tonal = h.chunk(2, dim=1)
    ref = (logmag * top[..., None]).sum(1, keepdim=True) / top.sum(1).clamp_min(1)[:, None, None]
    mag = (ref + self._slope(logmag, top, cutoff) + amp).clamp(max=E.MAX_LOG_MAG).exp()
    exc = self._excitation(spec, cutoff, n)
    mix = torch.sigmoid(tonal)
    if mode['m'] == 'noise': mix = torch.zeros_like(mix)
    if mode['m'] == 'copy': mix = torch.ones_like(mix)
    unit = exc[0] * mix + exc[1] * (1 - mix)
    if mode['m'] == 'power': unit = unit / (mix**2 + (1-mix)**2).sqrt()
    high = torch.istft(mag * unit, cfg.n_fft, cfg.hop, window=self.window, center=True, length=n)
    return E.join_bands(x, high * level, cfg.sample_rate, cutoff)
E.Extender.forward = patched_forward
for m in (None, 'power', 'noise', 'copy'):
    mode['m'] = m
    out = extend(ext, lim, 48000, 16000, cap=2)
    sh = np.array([energy_above(c, 48000) for c in out])
    rows = [hifi.measure(a, b) for a, b in zip(real, out)]
    print(m, 'lsd_high %.3f' % np.mean([r['lsd_high'] for r in rows]), ' '.join(f"{f} {np.median(sh[fam==f])/np.median(rs[fam==f]):.2f}" for f in ('hat','cymbal','snare','kick','tom')))
