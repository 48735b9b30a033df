"""Install and convert the real recorded audio the quality benchmark measures on: two sets from
Debian packages, copied into class folders under bench/data (needs root for apt-get the first time).

- drums: the Hydrogen drum machine's kits (hydrogen-data): GMRockKit and TR808EmulationKit, one
  class per instrument family (kick, snare, hat, tom, cymbal, clap, percussion).
- sfx: game sound effects (frozen-bubble-data, pingus-data), music loops left out; one class per game.

Full-band sets for the bandwidth extender (``--hifi``; 44.1/48 kHz originals only):
- hifi_drums: Hydrogen's kits and LMMS's drum samples (lmms-common), one class per family.
- hifi_sfx: desktop sound themes (sound-theme-freedesktop, oxygen-sounds, deepin-sound-theme,
  yaru-theme-sound) and LMMS's effects, one class per package.

Larger sets for issue 13's quality benchmark (``--large``; hundreds of clips, so the split-half
floor is stable):
- kits: hydrogen-drumkits' 13 recorded kits (others than the drums set's), one class per family.
- effects: every effect package above plus chromium-bsu-data and holotz-castle-data, one class
  per package (music left out).

    python bench/prepare_datasets.py [--out bench/data] [--hifi | --large]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
from pathlib import Path

PACKAGES = ("hydrogen-data", "frozen-bubble-data", "pingus-data")
HIFI_PACKAGES = ("hydrogen-data", "lmms-common", "sound-theme-freedesktop", "oxygen-sounds",
                 "deepin-sound-theme", "yaru-theme-sound")
LARGE_PACKAGES = ("hydrogen-drumkits", "frozen-bubble-data", "pingus-data", "chromium-bsu-data",
                  "holotz-castle-data", *HIFI_PACKAGES[1:])
MUSIC = r"zik|music|credits|beginlevel"
FULL_RATES = (44100, 48000, 88200, 96000)
FAMILIES = (("kick", r"kick|bd|bass ?drum"), ("snare", r"snare|sd|rim"), ("hat", r"hat|hh"),
            ("tom", r"tom"), ("cymbal", r"crash|ride|china|splash|cymbal"), ("clap", r"clap"),
            ("percussion", r"bell|cowbell|clave|conga|maraca|tamb|shaker|block|cl"))


def ensure_packages(packages=PACKAGES) -> None:
    missing = [p for p in packages if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode]
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


def full_rate(f: Path) -> bool:
    import soundfile as sf
    try:
        return sf.info(str(f)).samplerate in FULL_RATES
    except Exception:       # unreadable files are the importer's to report; here they are left out
        return False


def prepare_hifi(out: Path) -> None:
    drums, sfx = out / "hifi_drums", out / "hifi_sfx"
    for d in (drums, sfx):
        shutil.rmtree(d, ignore_errors=True)
    kits = package_files("hydrogen-data", r"/drumkits/.*\.(wav|flac)$") + \
        package_files("lmms-common", r"/samples/drums/.*\.(wav|ogg|flac)$")
    for f in kits:
        if full_rate(f):
            dest = drums / family(f.stem) / f"{f.parent.name}_{f.name}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dest)
    sources = [(p, package_files(p, r"/sounds/.*\.(wav|ogg|oga|flac)$")) for p in HIFI_PACKAGES[2:]]
    sources.append(("lmms-effects", package_files("lmms-common", r"/samples/effects/.*\.(wav|ogg|flac)$")))
    for pkg, files in sources:
        for f in files:
            if full_rate(f):
                dest = sfx / pkg / f"{f.parent.name}_{f.name}"
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(f, dest)
    for d in (drums, sfx):
        classes = {c.name: len(list(c.iterdir())) for c in sorted(d.iterdir())}
        print(f"{d}: {sum(classes.values())} files, classes {classes}")


def copy_into(dest: Path, files) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, dest / f"{f.parent.name}_{f.name}".replace(" ", "_"))


def prepare_large(out: Path) -> None:
    kits, effects = out / "kits", out / "effects"
    for d in (kits, effects):
        shutil.rmtree(d, ignore_errors=True)
    for f in package_files("hydrogen-drumkits", r"\.(wav|flac)$"):
        copy_into(kits / family(f.stem), [f])
    for pkg in ("frozen-bubble-data", "pingus-data", "chromium-bsu-data", "holotz-castle-data", *HIFI_PACKAGES[2:]):
        copy_into(effects / pkg.replace("-data", ""), [f for f in package_files(pkg, r"\.(wav|ogg|oga|flac)$")
                                                       if not re.search(MUSIC, f.name, re.I)])
    copy_into(effects / "lmms-effects", package_files("lmms-common", r"/samples/effects/.*\.(wav|ogg|flac)$"))
    for d in (kits, effects):
        classes = {c.name: len(list(c.iterdir())) for c in sorted(d.iterdir())}
        print(f"{d}: {sum(classes.values())} files, classes {classes}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "data"))
    ap.add_argument("--hifi", action="store_true", help="prepare the full-band sets instead")
    ap.add_argument("--large", action="store_true", help="prepare issue 13's larger sets (kits, effects)")
    a = ap.parse_args()
    if a.large:
        ensure_packages(LARGE_PACKAGES)
        prepare_large(Path(a.out))
        return 0
    if a.hifi:
        ensure_packages(HIFI_PACKAGES)
        prepare_hifi(Path(a.out))
        return 0
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
