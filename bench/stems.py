"""Clean one-shots, measured as a sound designer judges stems: N random stems exported from a
model through the real export path, with clean one-shots (the default) and without (the previous
behaviour), both judged by ``shared/tools/stem_hygiene.py`` (clicks, late onsets, resurgence in the
tail, unclean ends, length). Prints JSON with both in one run.

    python bench/stems.py [--model MODEL] [--n 200] [--hygiene ../shared/tools/stem_hygiene.py]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="model folder or .gsm (default: the embedded demo model)")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hygiene", default=str(ROOT.parent / "shared" / "tools" / "stem_hygiene.py"))
    a = ap.parse_args()
    import torch
    torch.set_num_threads(1)
    from ganstudio.export import ExportSettings, export_stems, random_specs
    from ganstudio.library.demo_model import load_demo_model
    from ganstudio.models.modelfile import load_model
    model = load_model(a.model) if a.model else load_demo_model()
    specs = random_specs(model, a.n, a.seed)
    out = {"model": str(model.path), "stems": a.n}
    with tempfile.TemporaryDirectory() as tmp:
        for name, clean in (("previous", False), ("clean", True)):
            folder = Path(tmp) / name
            export_stems(model, specs, folder, ExportSettings(clean=clean))
            proc = subprocess.run([sys.executable, a.hygiene, str(folder)], capture_output=True, text=True)
            out[name] = json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr[-500:]}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
