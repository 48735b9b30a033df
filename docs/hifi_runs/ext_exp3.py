"""Extender variants trained side by side (1 thread each) on one set's train half, scored on both
sets' test clips as a 16 kHz model's output: high-band LSD over soxr's, and the share of energy
above 8 kHz against real per family. python ext_exp3.py VARIANT MINUTES drums|sfx
(the variants' options lived in commit 6ddda93 and were removed after this run)"""
import sys, json, torch, pathlib
root = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(root)); sys.path.insert(0, str(root / 'bench'))
torch.set_num_threads(1)
variant, minutes, data = sys.argv[1], float(sys.argv[2]), sys.argv[3]
from ganstudio.training.extender_train import ExtenderTrainer, ExtenderTrainConfig
from ganstudio.models.extender_file import load_extender
import hifi
sets = {n: hifi.load_set(root / 'bench/data' / n) for n in ('hifi_drums', 'hifi_sfx')}
ds, train, test = sets['hifi_' + data]
VARIANTS = {'base': {}, 'focus': {'model_rate_share': 2 / 3}, 'comp': {'compressed': 1.0},
            'active': {'active_db': 60.0}, 'norm': {}}
ECFG = {'norm': {'embed_norm': True}}
kw = dict(max_minutes=minutes, snapshot_every=10**9, **VARIANTS[variant])
out = f'/tmp/exp/ext3_{variant}_{data}'
from ganstudio.models.extender import ExtenderConfig
r = ExtenderTrainer(ds.clips[train], out, ExtenderConfig(features='absolute', **ECFG.get(variant, {})), tc=ExtenderTrainConfig(**kw),
                   resume=False).run()
ext = load_extender(out)
res = {'variant': variant, 'data': data, 'steps': r.step, 'settings': {**VARIANTS[variant], **ECFG.get(variant, {})}}
res.update(hifi.variant_scores(ext, sets))
print(json.dumps(res))
