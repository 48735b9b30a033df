"""Can one frame's band below 7 kHz predict how far the extender's slope prior misses above 8 kHz?
A small MLP (and a ridge regression) from features of each active frame of the drums' train half
(as a 16 kHz model's band) to the miss (real log-magnitude minus the prior, mean over 8-12, 12-16
and 16-20 kHz), scored per family on the test half. python hatdiag4_probe.py EXT MODE
MODE 0: 17 pooled log-band energies relative to the frame's top octave + the frame's level;
1: + spectral flatness per band + the level 4-32 frames later and 4-16 earlier; 2: the bands
only; 3: bands + flatness; 4: bands + context; 5: bands, level and context."""
import sys, numpy as np, torch, pathlib
_root = pathlib.Path(__file__).resolve().parents[2]; sys.path.insert(0, str(_root)); sys.path.insert(0, str(_root / 'bench'))
import hifi
import ganstudio.models.extender as E
from ganstudio.models.extender_file import load_extender
from ganstudio.dsp.bands import band_limit
ds, train, test = hifi.load_set(_root / 'bench/data/hifi_drums')
net = load_extender(sys.argv[1]).net.eval()
fr = net.freqs.numpy()
edges = np.r_[0, 200, 400, 700, 1000, np.geomspace(1500, 6900, 13)]
MODE = int(sys.argv[2]) if len(sys.argv) > 2 else 0
hb = [(8000, 12000), (12000, 16000), (16000, 20000)]
def frames(idx, ctx=0):
    real = torch.from_numpy(ds.clips[idx]); lim = torch.from_numpy(np.stack([band_limit(ds.clips[i], 48000, 16000) for i in idx]))
    cutoff = torch.full((len(idx),), 7600.)
    with torch.no_grad():
        level = lim.pow(2).mean(-1, keepdim=True).sqrt().clamp_min(1e-4)
        spec = torch.stft(lim/level, 512, 128, window=net.window, center=True, return_complex=True)
        rs = torch.stft(real/level, 512, 128, window=net.window, center=True, return_complex=True).abs().clamp_min(1e-5).log()
        lm = spec.abs().clamp_min(1e-5).log()
        have = (net.freqs[None] < E.JOIN_LOW * cutoff[:, None]).float(); top = have * (net.freqs[None] >= 0.5 * cutoff[:, None])
        ref = (lm * top[..., None]).sum(1, keepdim=True) / top.sum(1).clamp_min(1)[:, None, None]
        prior = ref + net._slope(lm, top, cutoff)
    lm, rs, prior, ref = lm.numpy(), rs.numpy(), prior.numpy(), ref.numpy()
    pw = np.exp(2 * lm)
    feats = np.stack([0.5 * np.log(pw[:, (fr >= a) & (fr < b)].mean(1) + 1e-10) for a, b in zip(edges[:-1], edges[1:])], 1) - ref   # [B, 24, T]
    e = pw.sum(1); act = e >= e.max(1, keepdims=True) * 1e-4
    lvl = 0.5 * np.log(e / e.max(1, keepdims=True) + 1e-12)[:, None]
    flat = np.stack([(np.log(pw[:, (fr >= a) & (fr < b)] + 1e-10).mean(1) - np.log(pw[:, (fr >= a) & (fr < b)].mean(1) + 1e-10)) for a, b in zip(edges[:-1], edges[1:])], 1)
    le = np.log(e + 1e-12)
    ctx = np.stack([np.concatenate([le[:, k:], np.repeat(le[:, -1:], k, 1)], 1) - le for k in (4, 8, 16, 32)] +
                   [np.concatenate([np.repeat(le[:, :1], k, 1), le[:, :-k]], 1) - le for k in (4, 16)], 1)
    X = np.concatenate({0: [feats, lvl], 1: [feats, lvl, flat, ctx], 2: [feats], 3: [feats, flat], 4: [feats, ctx], 5: [feats, lvl, ctx]}[MODE], 1)
    Y = np.stack([(rs - prior)[:, (fr >= a) & (fr < b)].mean(1) for a, b in hb], 1)
    lab = np.repeat(np.array([ds.class_names[ds.labels[i]] for i in idx])[:, None], lm.shape[2], 1)
    m = act
    return X.transpose(0, 2, 1)[m], Y.transpose(0, 2, 1)[m], lab[m]
Xtr, Ytr, Ltr = frames(list(train)); Xte, Yte, Lte = frames(list(test))
mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-6
A = np.c_[(Xtr - mu) / sd, np.ones(len(Xtr))]; B = np.c_[(Xte - mu) / sd, np.ones(len(Xte))]
W = np.linalg.solve(A.T @ A + 10 * np.eye(A.shape[1]), A.T @ Ytr)
for nm, P, Y, L in (('train', A @ W, Ytr, Ltr), ('test', B @ W, Yte, Lte)):
    r2 = 1 - ((Y - P) ** 2).sum(0) / ((Y - Y.mean(0)) ** 2).sum(0)
    print(nm, 'frames', len(Y), 'R2 per band', np.round(r2, 3))
    for f in ('hat', 'cymbal', 'snare', 'kick', 'tom'):
        s = L == f
        print(f"  {f:7s} miss {np.round(Y[s].mean(0), 2)} predicted {np.round(P[s].mean(0), 2)}")
torch.manual_seed(0)
xt, yt = torch.tensor((Xtr - mu) / sd, dtype=torch.float32), torch.tensor(Ytr, dtype=torch.float32)
mlp = torch.nn.Sequential(torch.nn.Linear(xt.shape[1], 256), torch.nn.GELU(), torch.nn.Linear(256, 256), torch.nn.GELU(), torch.nn.Linear(256, 3))
opt = torch.optim.Adam(mlp.parameters(), 1e-3)
for it in range(3000):
    loss = (mlp(xt) - yt).abs().mean(); opt.zero_grad(); loss.backward(); opt.step()
with torch.no_grad():
    for nm, X, Y, L in (('train', Xtr, Ytr, Ltr), ('test', Xte, Yte, Lte)):
        P = mlp(torch.tensor((X - mu) / sd, dtype=torch.float32)).numpy()
        print('MLP', nm, 'L1', np.abs(P - Y).mean().round(3), 'vs const', np.abs(Y - np.median(Ytr, 0)).mean().round(3))
        for f in ('hat', 'cymbal', 'snare', 'kick', 'tom'):
            s = L == f
            print(f"  {f:7s} miss {np.round(Y[s].mean(0), 2)} predicted {np.round(P[s].mean(0), 2)}")
