"""Extender variants trained side by side (1 thread each) on one set's train half, scored on both
sets' test clips as a 16 kHz model's output: high-band LSD over soxr's, and the share of energy
above 8 kHz against real per family. python ext_exp3.py VARIANT MINUTES drums|sfx
(the variants' options lived in commit 6ddda93 and were removed after this run)"""
import sys, json, numpy as np, torch, pathlib
root = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(root)); sys.path.insert(0, str(root / 'bench'))
torch.set_num_threads(1)
variant, minutes, data = sys.argv[1], float(sys.argv[2]), sys.argv[3]
from ganstudio.training.extender_train import ExtenderTrainer, ExtenderTrainConfig
from ganstudio.models.extender_file import load_extender
from ganstudio.models.sampling import extend
from ganstudio.dsp.bands import band_limit, energy_above
import hifi
sets = {n: hifi.load_set(root / 'bench/data' / n) for n in ('hifi_drums', 'hifi_sfx')}
ds, train, test = sets['hifi_' + data]
VARIANTS = {'base': {}, 'focus': {'model_rate_share': 2 / 3}, 'comp': {'compressed': 1.0},
            'active': {'active_db': 60.0}, 'norm': {}}
ECFG = {'norm': {'embed_norm': True}}
kw = dict(max_minutes=minutes, snapshot_every=10**9, **VARIANTS[variant])
out = f'/tmp/exp/ext3_{variant}_{data}'
from ganstudio.models.extender import ExtenderConfig
r = ExtenderTrainer(ds.clips[train], out, ExtenderConfig(**ECFG.get(variant, {})), tc=ExtenderTrainConfig(**kw),
                   resume=False).run()
ext = load_extender(out)
res = {'variant': variant, 'data': data, 'steps': r.step, 'settings': {**VARIANTS[variant], **ECFG.get(variant, {})}}
for name, (ds, train, test) in sets.items():
    real = ds.clips[test][:80]
    fam = [ds.class_names[ds.labels[i]] for i in test[:80]]
    lim = np.stack([band_limit(c, 48000, 16000) for c in real])
    real_share = np.array([energy_above(c, 48000) for c in real])
    soxr, reb = (hifi.summarise([hifi.measure(a, b) for a, b in zip(real, x)], real_share, fam)
                 for x in (lim, extend(ext, lim, 48000, 16000)))
    res[name] = {'lsd_high_ratio': round(reb['lsd_high'] / soxr['lsd_high'], 4),
                 'share_ratio': {f: round(v['ratio'], 2) for f, v in reb['share_above_8k'].items()}}
print(json.dumps(res))
