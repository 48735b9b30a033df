import sys, json, time, numpy as np, torch
sys.path.insert(0, '/work/main'); sys.path.insert(0, '/work/main/bench')
torch.set_num_threads(1)
variant, minutes = sys.argv[1], float(sys.argv[2])
from ganstudio.library.air_kit import render_air
from ganstudio.training.extender_train import ExtenderTrainer, ExtenderTrainConfig
from ganstudio.models.extender_file import load_extender
from ganstudio.models.sampling import extend
from ganstudio.dsp.bands import band_limit, lsd, energy_above
import hifi
clips = render_air(per_class=40)
tc = ExtenderTrainConfig(max_minutes=minutes, adversarial=(variant.startswith('adv')), snapshot_every=10**9, convergence=(1.0 if 'sc' in variant else 0.0))
if variant == 'adv_lr1e-3': tc.lr = 1e-3
if variant == 'rec_lr1e-3': tc.lr = 1e-3
out = f'/tmp/exp/ext_{variant}'
r = ExtenderTrainer(clips, out, tc=tc, resume=False).run()
ext = load_extender(out)
res = {'variant': variant, 'steps': r.step}
for name in ('hifi_drums', 'hifi_sfx'):
    ds, train, test = hifi.load_set(__import__('pathlib').Path('/work/main/bench/data') / name)
    real = ds.clips[test][:60]
    lim = np.stack([band_limit(c, 48000, 16000) for c in real])
    reb = extend(ext, lim, 48000, 16000)
    res[name] = {'lsd_high': float(np.mean([lsd(a, b, 48000, lo=8000) for a, b in zip(real, reb)])),
                 'lsd_high_soxr': float(np.mean([lsd(a, b, 48000, lo=8000) for a, b in zip(real, lim)])),
                 'share': float(np.median([energy_above(b, 48000) for b in reb])),
                 'share_real': float(np.median([energy_above(b, 48000) for b in real]))}
print(json.dumps(res))
