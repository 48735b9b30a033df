"""Per 2.7 ms frame (every 12th) of one drum clip: the slope prior, the net's correction `amp` and
the real log-magnitude (nats, unit-RMS clip) near 10, 14 and 18 kHz. python hatdiag4_prior.py EXT FILE_SUFFIX"""
import sys, torch
_root = __import__('pathlib').Path(__file__).resolve().parents[2]; sys.path.insert(0, str(_root)); sys.path.insert(0, str(_root / 'bench'))
import hifi
import ganstudio.models.extender as E
from ganstudio.models.extender_file import load_extender
from ganstudio.dsp.bands import band_limit
ds, train, test = hifi.load_set(_root / 'bench/data/hifi_drums')
net = load_extender(sys.argv[1]).net.eval(); cfg = net.cfg
i = [k for k in range(len(ds.files)) if ds.files[k].endswith(sys.argv[2])][0]
real = torch.from_numpy(ds.clips[i])[None]; lim = torch.from_numpy(band_limit(ds.clips[i], 48000, 16000))[None]
cutoff = torch.tensor([7600.])
with torch.no_grad():
    level = lim.pow(2).mean(-1, keepdim=True).sqrt(); xn = lim/level
    spec = torch.stft(xn, 512, 128, window=net.window, center=True, return_complex=True)
    rs = torch.stft(real/level, 512, 128, window=net.window, center=True, return_complex=True).abs().clamp_min(1e-5).log()
    logmag = spec.abs().clamp_min(1e-5).log()
    have = (net.freqs[None] < E.JOIN_LOW * cutoff[:, None]).float(); top = have * (net.freqs[None] >= 0.5 * cutoff[:, None])
    feat = torch.cat([logmag * have[..., None] + E.LOG_FLOOR * (1 - have[..., None]), have[..., None].expand_as(logmag)], 1)
    h = net.inp(feat)
    for b in net.blocks: h = b(h)
    h = net.out(net.norm(h.transpose(1, 2)).transpose(1, 2)); amp, tonal = h.chunk(2, 1)
    ref = (logmag * top[..., None]).sum(1, keepdim=True) / top.sum(1).clamp_min(1)[:, None, None]
    sl = net._slope(logmag, top, cutoff)
    prior = ref + sl
fr = net.freqs.numpy()
def b(x, lo, hi): return x[0][(fr >= lo) & (fr < hi)].mean(0)
for t in range(0, rs.shape[2], 12):
    print(f"t={t*128/48000:.2f} ref {float(ref[0,0,t]):5.2f} | real 5-7k {float(b(rs,5000,7000)[t]):5.2f}  10k {float(b(rs,9000,11000)[t]):5.2f} 14k {float(b(rs,13000,15000)[t]):5.2f} 18k {float(b(rs,17000,19000)[t]):5.2f} | prior 10k {float(b(prior,9000,11000)[t]):5.2f} 14k {float(b(prior,13000,15000)[t]):5.2f} 18k {float(b(prior,17000,19000)[t]):5.2f} | amp {float(b(amp,9000,11000)[t]):5.2f} {float(b(amp,13000,15000)[t]):5.2f} {float(b(amp,17000,19000)[t]):5.2f}")
