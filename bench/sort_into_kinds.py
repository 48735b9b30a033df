"""Copy a folder of sounds into subfolders "kind1".."kindK" by the kinds `train --kinds K` finds
(:func:`ganstudio.data.kinds.kind_labels`), so `bench/quality.py` can train a model on kinds as on
classes and score it on the same files (run 25 in docs/quality.md: kits -> kitsclu).

    python bench/sort_into_kinds.py bench/data/gpu/kits bench/data/gpu/kitsclu 8
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganstudio.data import ImportSettings, import_folder      # noqa: E402
from ganstudio.data.kinds import kind_labels                  # noqa: E402


def main() -> int:
    src, dst, k = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    ds = import_folder(src, ImportSettings(), cache_dir=False)
    labels = kind_labels(ds.clips, ds.settings.sample_rate, k)
    shutil.rmtree(dst, ignore_errors=True)
    for f, lab in zip(ds.files, labels):
        d = dst / f"kind{lab + 1}"
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / f, d / f"{Path(f).parent.name}_{Path(f).name}")
    table = np.zeros((labels.max() + 1, ds.num_classes), int)
    np.add.at(table, (labels, ds.labels), 1)
    print(f"{len(ds)} clips into {labels.max() + 1} kinds of {np.bincount(labels).tolist()} clips")
    print("per kind, clips of each class (" + ", ".join(ds.class_names) + "):")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
