import sys, json, time, numpy as np, torch, pathlib
sys.path.insert(0, '/work/main'); sys.path.insert(0, '/work/main/bench')
torch.set_num_threads(1)
variant, minutes, data = sys.argv[1], float(sys.argv[2]), sys.argv[3]
from ganstudio.library.air_kit import render_air
from ganstudio.training.extender_train import ExtenderTrainer, ExtenderTrainConfig
from ganstudio.models.extender import ExtenderConfig
from ganstudio.models.extender_file import load_extender
from ganstudio.models.sampling import extend
from ganstudio.dsp.bands import band_limit, lsd, energy_above
import hifi
sets = {n: hifi.load_set(pathlib.Path('/work/main/bench/data') / n) for n in ('hifi_drums', 'hifi_sfx')}
if data == 'air':
    clips = render_air(per_class=40)
else:
    ds, train, test = sets['hifi_' + data]; clips = ds.clips[train]
kw = dict(max_minutes=minutes, snapshot_every=10**9)
ecfg = ExtenderConfig()
if variant == 'rec': kw.update(adversarial=False, convergence=0.0)
if variant == 'adv': kw.update(adversarial=True, convergence=0.0)
if variant == 'mix': kw.update(adversarial=True, convergence=0.0, adversarial_from=0.7)
if variant == 'rec_lr': kw.update(adversarial=False, convergence=0.0, lr=1e-3)
if variant == 'rec_lr_sc': kw.update(adversarial=False, convergence=1.0, lr=1e-3)
if variant == 'rec_big': kw.update(adversarial=False, convergence=0.0); ecfg = ExtenderConfig(channels=256, blocks=6)
if variant == 'rec_fft1024': kw.update(adversarial=False, convergence=0.0); ecfg = ExtenderConfig(n_fft=1024, hop=256)
import os; out = f'/tmp/exp/ext2_{variant}_{data}' + ('_slope' if os.environ.get('GS_SLOPE') else '')
r = ExtenderTrainer(clips, out, ecfg, tc=ExtenderTrainConfig(**kw), resume=False).run()
ext = load_extender(out)
res = {'variant': variant, 'data': data, 'steps': r.step}
for name, (ds, train, test) in sets.items():
    real = ds.clips[test][:80]
    fam = [ds.class_names[ds.labels[i]] for i in test[:80]]
    lim = np.stack([band_limit(c, 48000, 16000) for c in real])
    reb = extend(ext, lim, 48000, 16000)
    sh = np.array([energy_above(b, 48000) for b in reb]); shr = np.array([energy_above(b, 48000) for b in real])
    res[name] = {'lsd_high_ratio': float(np.mean([lsd(a, b, 48000, lo=8000) for a, b in zip(real, reb)]) /
                                         np.mean([lsd(a, b, 48000, lo=8000) for a, b in zip(real, lim)])),
                 'share_ratio': {f: round(float(np.median(sh[[i for i, g in enumerate(fam) if g == f]]) /
                                 max(1e-9, np.median(shr[[i for i, g in enumerate(fam) if g == f]]))), 2) for f in sorted(set(fam))}}
print(json.dumps(res))
