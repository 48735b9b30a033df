"""How much of a hat's air the extender's synthesis can carry when its magnitudes are exactly right
(twenty-fifth stop): each hat and cymbal test clip's own 512-point STFT magnitudes, above the 16 kHz
model's cutoff, put on the noise excitation (as the extender does) or on the clip's own phases, then
inverse STFT and joined to the band-limited input as the extender joins. Prints the share of energy
above 8 kHz: real, noise phases, own phases.   python synth_oracle.py"""
import sys, pathlib, numpy as np, torch
root = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(root)); sys.path.insert(0, str(root / 'bench'))
import hifi
from ganstudio.models.extender import join_bands, band_edge
from ganstudio.dsp.bands import energy_above
ds, train, test = hifi.load_set(root / 'bench/data/hifi_drums')
real, fam, lim, rs = hifi.held_out(ds, test[:80])
w = torch.hann_window(512)
g = torch.Generator().manual_seed(1)
for i, fa in enumerate(fam):
    if fa not in ('hat', 'cymbal'): continue
    y = torch.from_numpy(real[i:i+1]).double(); x = torch.from_numpy(lim[i:i+1]).double()
    Y = torch.stft(y, 512, 128, window=w.double(), center=True, return_complex=True)
    n = torch.randn(1, y.shape[-1], generator=g, dtype=torch.float64)
    N = torch.stft(n, 512, 128, window=w.double(), center=True, return_complex=True); N = N / N.abs()
    res = []
    for name, U in (('noise', N), ('own phase', Y / Y.abs().clamp_min(1e-12))):
        high = torch.istft(Y.abs() * U, 512, 128, window=w.double(), center=True, length=y.shape[-1])
        out = join_bands(x, high, 48000, torch.tensor([band_edge(16000)], dtype=torch.float64))
        res.append('%s %.3f' % (name, energy_above(out[0].numpy().astype(np.float32), 48000, 8000.)))
    print(fa, ds.files[test[i]].split('/')[-1][:30].ljust(30), 'real %.3f' % rs[i], ' '.join(res))
