"""What a fresh process pays before it can play: each step timed in new processes, alternating,
against importing torch alone in the same run (a ratio: these machines are shared and noisy).

    python bench/startup.py [--runs 3]

Prints JSON: per step the median seconds, its ratio to ``import torch``, and whether the step
imported torch or torch's compiler (``torch._dynamo``, about 2 s on a 2-core machine)."""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

REPORT = "import sys; print('torch' in sys.modules, 'torch._dynamo' in sys.modules)"
STEPS = {
    "import_torch": "import torch",
    "parse_a_command": "from ganstudio.cli import build_parser; build_parser().parse_args(['kit', 'k'])",
    "open_demo_model_and_extender": (
        "from ganstudio.library.demo_model import demo_model_path\n"
        "from ganstudio.models.extender_file import SHIPPED, load_extender\n"
        "from ganstudio.models.modelfile import load_model\n"
        "load_model(demo_model_path()), load_extender(SHIPPED)"),
}


def once(code: str) -> tuple[float, list[str]]:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", f"{code}\n{REPORT}"], capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, out.stdout.split()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    times = {name: [] for name in STEPS}
    loaded = {}
    for _ in range(a.runs):
        for name, code in STEPS.items():
            t, flags = once(code)
            times[name].append(t)
            loaded[name] = {"torch": flags[0] == "True", "torch_compiler": flags[1] == "True"}
    base = statistics.median(times["import_torch"])
    report = {name: {"median_s": round(statistics.median(ts), 3),
                     "vs_import_torch": round(statistics.median(ts) / base, 2), **loaded[name]}
              for name, ts in times.items()}
    print(json.dumps({"runs": a.runs, "steps": report}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
