"""Does a relative extender's darkness shrink with training? Resume the ext_exp5.py 'rel' run on
one set's train half (2 400 steps) to each of STEPS and score it there, as ext_exp5.py does.
python ext_longer5.py OUT_DIR drums|sfx THREADS STEPS..."""
import json
import pathlib
import sys

import torch

root = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(root)); sys.path.insert(0, str(root / 'bench'))
out, data, threads, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), [int(s) for s in sys.argv[4:]]
torch.set_num_threads(threads)
import hifi                                                             # noqa: E402
import ganstudio.models.extender as E                                   # noqa: E402
import ganstudio.training.extender_train as ET                          # noqa: E402
from ganstudio.models.extender_file import load_extender                # noqa: E402

sets = {n: hifi.load_set(root / 'bench/data' / n) for n in ('hifi_drums', 'hifi_sfx')}
ds, train, test = sets['hifi_' + data]
for n in steps:
    r = ET.ExtenderTrainer(ds.clips[train], out, E.ExtenderConfig(features='relative'),
                           tc=ET.ExtenderTrainConfig(max_steps=n, snapshot_every=10**9), resume=True).run()
    res = {'variant': 'rel', 'data': data, 'steps': r.step}
    res.update(hifi.variant_scores(load_extender(out), sets))
    print(json.dumps(res), flush=True)
