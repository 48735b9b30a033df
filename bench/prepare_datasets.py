"""Install and convert the real recorded audio the quality benchmark measures on: two sets from
Debian packages, copied into class folders under bench/data (needs root for apt-get the first time).

- drums: the Hydrogen drum machine's kits (hydrogen-data): GMRockKit and TR808EmulationKit, one
  class per instrument family (kick, snare, hat, tom, cymbal, clap, percussion).
- sfx: game sound effects (frozen-bubble-data, pingus-data), music loops left out; one class per game.

    python bench/prepare_datasets.py [--out bench/data]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
from pathlib import Path

PACKAGES = ("hydrogen-data", "frozen-bubble-data", "pingus-data")
FAMILIES = (("kick", r"kick|bd|bass ?drum"), ("snare", r"snare|sd|rim"), ("hat", r"hat|hh"),
            ("tom", r"tom"), ("cymbal", r"crash|ride|china|splash|cymbal"), ("clap", r"clap"),
            ("percussion", r"bell|cowbell|clave|conga|maraca|tamb|shaker|block|cl"))


def ensure_packages() -> None:
    missing = [p for p in PACKAGES if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"install these Debian packages first (as root): {' '.join(missing)}")
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def package_files(pkg: str, pattern: str) -> list[Path]:
    out = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True, check=True).stdout.split("\n")
    return sorted(Path(p) for p in out if re.search(pattern, p, re.I) and Path(p).is_file())


def family(name: str) -> str:
    low = name.lower()
    for fam, pat in FAMILIES:
        if re.search(pat, low):
            return fam
    return "other"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "data"))
    a = ap.parse_args()
    ensure_packages()
    out = Path(a.out)
    drums, sfx = out / "drums", out / "sfx"
    for d in (drums, sfx):
        shutil.rmtree(d, ignore_errors=True)
    for f in package_files("hydrogen-data", r"/drumkits/.*\.(wav|flac)$"):
        kit = f.parent.name
        dest = drums / family(f.stem) / f"{kit}_{f.name}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, dest)
    for pkg in ("frozen-bubble-data", "pingus-data"):
        for f in package_files(pkg, r"\.(wav|ogg)$"):
            if re.search(r"zik|music", f.name, re.I):
                continue                       # music, not one-shots
            dest = sfx / pkg.replace("-data", "") / f.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dest)
    for d in (drums, sfx):
        classes = {c.name: len(list(c.iterdir())) for c in sorted(d.iterdir())}
        print(f"{d}: {sum(classes.values())} files, classes {classes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
