"""How late this machine wakes a real-time (SCHED_FIFO) thread, without any of GAN Studio in
it: ``cyclictest`` (Debian rt-tests) idle, then while ``ganstudio train`` runs beside it as the
window runs it (a niced child process). A wake-up later than one audio block (5.33 ms at 256
frames / 48 kHz) is an underrun no audio code can prevent. Prints JSON.

    python bench/rt_latency.py --seconds 60
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BLOCK_US = 256 / 48000 * 1e6


def cyclictest(seconds: int) -> dict:
    """One SCHED_FIFO thread (priority 80, as a sound server's) waking every 1 ms for
    ``seconds``: latency max and the number of wake-ups later than one block (histogram)."""
    out = subprocess.run(["cyclictest", "-q", "-m", "-p", "80", "-t", "1", "-i", "1000", "-D", str(seconds),
                          "-h", "20000"], capture_output=True, text=True, timeout=seconds + 60).stdout
    hist = {}
    for line in out.splitlines():
        m = re.match(r"^(\d+)\s+(\d+)$", line.strip())
        if m:
            hist[int(m.group(1))] = int(m.group(2))
    total = sum(hist.values())
    late = sum(n for us, n in hist.items() if us > BLOCK_US)
    over_m = re.search(r"# Histogram Overflows:\s+(\d+)", out)
    late += int(over_m.group(1)) if over_m else 0
    mx = re.search(r"# Max Latencies:\s+(\d+)", out)
    p99 = None
    acc = 0
    for us in sorted(hist):
        acc += hist[us]
        if p99 is None and acc >= 0.99 * total:
            p99 = us
    return {"wakeups": total, "max_us": int(mx.group(1)) if mx else None, "p99_us": p99,
            "later_than_one_block": late}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=60)
    a = ap.parse_args()
    if not shutil.which("cyclictest"):
        sys.exit("cyclictest is not installed (Debian: rt-tests)")
    report = {"block_us": round(BLOCK_US), "idle": cyclictest(a.seconds)}
    tmp = tempfile.mkdtemp()
    subprocess.run([sys.executable, "-m", "ganstudio", "kit", f"{tmp}/kit", "--per-class", "12"], check=True,
                   capture_output=True)
    train = subprocess.Popen(["nice", "-n", "10", sys.executable, "-m", "ganstudio", "train", f"{tmp}/kit",
                              "--out", f"{tmp}/model", "--minutes", str(a.seconds / 60 + 1), "--no-cache"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    try:
        report["training"] = cyclictest(a.seconds)
    finally:
        train.terminate()
        train.wait(60)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
