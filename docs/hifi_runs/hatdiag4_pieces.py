"""Without retraining: the extender in EXT on whole 1 s clips against 8192-sample pieces (each at
unit RMS, as in training); share above 8 kHz against real per family. python hatdiag4_pieces.py EXT"""
import sys, numpy as np, torch
_root = __import__('pathlib').Path(__file__).resolve().parents[2]; sys.path.insert(0, str(_root)); sys.path.insert(0, str(_root / 'bench'))
import hifi
from ganstudio.models.extender_file import load_extender
from ganstudio.dsp.bands import band_limit, energy_above
ds, train, test = hifi.load_set(_root / 'bench/data/hifi_drums')
net = load_extender(sys.argv[1]).net.eval()
ids = test[:80]; fam = np.array([ds.class_names[ds.labels[i]] for i in ids])
real = ds.clips[ids]; lim = np.stack([band_limit(c, 48000, 16000) for c in real])
rs = np.array([energy_above(c, 48000) for c in real])
cut = torch.full((len(ids),), 0.95*8000.)
with torch.no_grad():
    whole = net(torch.from_numpy(lim), cut).numpy()
    L = 8192; n = lim.shape[1] // L * L
    ch = torch.from_numpy(lim[:, :n].reshape(-1, L))
    pieces = net(ch, torch.full((len(ch),), 0.95*8000.)).numpy().reshape(len(ids), n)
for name, out in (('whole', whole), ('pieces', pieces)):
    sh = np.array([energy_above(c, 48000) for c in out])
    print(name, ' '.join(f"{f} {np.median(sh[fam==f])/np.median(rs[fam==f]):.2f}" for f in ('hat','cymbal','snare','kick','tom','clap')))
