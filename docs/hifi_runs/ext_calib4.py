"""python ext_calib4.py EXT drums|sfx (tried, not kept). Post-hoc energy calibration: per output bin, shift the net's log-magnitude bias by half the log of
(real energy / extended energy) above the cutoff, summed over the train half's clips made at
12, 16 and 20 kHz; then score."""
import sys, json, pathlib, numpy as np, torch
root = pathlib.Path(__file__).resolve().parents[2]; sys.path.insert(0, str(root)); sys.path.insert(0, str(root / 'bench'))
torch.set_num_threads(2)
import hifi
from ganstudio.models.extender_file import load_extender
from ganstudio.models.extender import band_edge
from ganstudio.dsp.bands import band_limit
ext = load_extender(sys.argv[1]); data = sys.argv[2]; frac = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
sets = {n: hifi.load_set(root / 'bench/data' / n) for n in ('hifi_drums', 'hifi_sfx')}
ds, train, test = sets['hifi_' + data]
net = ext.net.eval(); bins = net.cfg.n_fft // 2 + 1
print('before', json.dumps(hifi.variant_scores(ext, sets)))
rng = np.random.default_rng(0)
R = torch.zeros(bins, dtype=torch.float64); O = torch.zeros(bins, dtype=torch.float64)
w = net.window
for rnd in range(2):
    for made_at in (16000, 12000, 20000):
        clips = ds.clips[train]
        lim = np.stack([band_limit(c, 48000, made_at) for c in clips])
        cut = torch.full((len(clips),), band_edge(made_at))
        with torch.no_grad():
            out = net(torch.from_numpy(lim), cut)
            st = lambda x: torch.stft(x, net.cfg.n_fft, net.cfg.hop, window=w, center=True, return_complex=True).abs().pow(2).sum((0, 2)).double()
            above = (net.freqs >= band_edge(made_at)).double()
            R += st(torch.from_numpy(clips)) * above; O += st(out) * above
    g = frac * 0.5 * torch.log(R.clamp_min(1e-12) / O.clamp_min(1e-12)) * (O > 0)
    g = g.clamp(-2, 2).float()
    with torch.no_grad():
        net.out.bias[:bins] += g
    print('round', rnd, 'gain dB at 10/14/18 kHz', [round(float(20 / np.log(10) * g[int(f / 93.75)]), 2) for f in (10000, 14000, 18000)])
    R.zero_(); O.zero_()
print('after', json.dumps(hifi.variant_scores(ext, sets)))
