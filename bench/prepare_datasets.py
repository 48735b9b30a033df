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

Rendered sets for the seed's other uses (``--voices``; synthetic, so any number of clips):
- notes: General MIDI instrument notes through fluidsynth and FluidR3_GM (fluid-soundfont-gm),
  10 programs x 25 pitches (MIDI 48-72), one class per program.
- digits: "zero" to "nine" spoken by espeak-ng (voices x variants x speed x pitch) and flite
  (its five voices), one class per digit: an SC09-like set.

    python bench/prepare_datasets.py [--out bench/data] [--hifi | --large | --voices]
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


VOICE_PACKAGES = ("fluidsynth", "fluid-soundfont-gm", "espeak-ng", "flite")
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
PROGRAMS = {"piano": 0, "epiano": 4, "vibraphone": 11, "organ": 19, "guitar": 24, "bass": 33,
            "strings": 48, "trumpet": 56, "flute": 73, "lead": 81}
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
NOTE_GAP_S = 2.0          # each note sounds 1 s, then rings out before the next


def _midi(program: int, pitches: list[int]) -> bytes:
    """A one-track standard MIDI file: ``program``, then each pitch for 1 s, NOTE_GAP_S apart."""
    import struct
    tpq = 480                                  # ticks per quarter at 120 bpm: 960 ticks a second
    ev = bytearray(b"\x00\xc0" + bytes([program]))
    for i, p in enumerate(pitches):
        ev += (b"\x00" if i == 0 else _vlq(int((NOTE_GAP_S - 1.0) * 960))) + bytes([0x90, p, 100])
        ev += _vlq(960) + bytes([0x80, p, 0])
    ev += _vlq(int(NOTE_GAP_S * 960)) + b"\xff\x2f\x00"
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq) + b"MTrk" + struct.pack(">I", len(ev)) + bytes(ev))


def _vlq(n: int) -> bytes:
    out = [n & 0x7F]
    while n > 0x7F:
        n >>= 7
        out.insert(0, (n & 0x7F) | 0x80)
    return bytes(out)


def prepare_voices(out: Path) -> None:
    import tempfile

    import numpy as np
    import soundfile as sf
    notes, digits = out / "notes", out / "digits"
    for d in (notes, digits):
        shutil.rmtree(d, ignore_errors=True)
    pitches = list(range(48, 73))
    with tempfile.TemporaryDirectory() as tmp:
        for name, prog in PROGRAMS.items():
            mid, wav = Path(tmp) / f"{name}.mid", Path(tmp) / f"{name}.wav"
            mid.write_bytes(_midi(prog, pitches))
            subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.8", "-r", "44100", "-F", str(wav), SOUNDFONT,
                            str(mid)], check=True, capture_output=True)
            audio, sr = sf.read(wav, dtype="float32", always_2d=True)
            (notes / name).mkdir(parents=True, exist_ok=True)
            step = int(NOTE_GAP_S * sr)
            for i, p in enumerate(pitches):
                sf.write(notes / name / f"{name}_{p}.wav", audio[i * step:(i + 1) * step].mean(axis=1), sr)
        rng = np.random.default_rng(0)
        espeak_voices = ["en", "en-us", "en-gb-x-rp", "en-029", "en-gb-scotland"]
        variants = ["", "+m1", "+m3", "+m5", "+f1", "+f3", "+f4", "+klatt"]
        for digit in DIGITS:
            (digits / digit).mkdir(parents=True, exist_ok=True)
            for i, (voice, var) in enumerate((v, w) for v in espeak_voices for w in variants):
                speed, pitch = int(rng.integers(120, 200)), int(rng.integers(20, 80))
                subprocess.run(["espeak-ng", "-v", voice + var, "-s", str(speed), "-p", str(pitch), "-w",
                                str(digits / digit / f"espeak_{i:02d}.wav"), digit], check=True, capture_output=True)
            for voice in ("kal", "kal16", "slt", "rms", "awb"):
                subprocess.run(["flite", "-voice", voice, "-t", digit, "-o", str(digits / digit / f"flite_{voice}.wav")],
                               check=True, capture_output=True)
    for d in (notes, digits):
        classes = {c.name: len(list(c.iterdir())) for c in sorted(d.iterdir())}
        print(f"{d}: {sum(classes.values())} files, classes {classes}")


CONVERT_VOICES = {"a": ["espeak-ng", "-v", "en-us", "-s", "150", "-w", "{out}", "{text}"],
                  "b": ["flite", "-voice", "slt", "-t", "{text}", "-o", "{out}"]}
LICENCE_TEXTS = "/usr/share/common-licenses"


def _sentences(n: int) -> list[str]:
    """``n`` sentences of 5-16 words from the licence texts every Debian machine has (base-files)."""
    import re
    files = sorted(p for p in Path(LICENCE_TEXTS).iterdir() if p.is_file() and not p.is_symlink())
    text = re.sub(r"\s+", " ", " ".join(p.read_text(errors="replace") for p in files))
    found = [s.strip() for s in re.split(r"(?<=[.;:])\s", text)]
    found = [re.sub(r"[^A-Za-z ,']", " ", s).strip() for s in found]
    found = sorted({s for s in found if 5 <= len(s.split()) <= 16})
    import random
    random.Random(0).shuffle(found)
    return found[:n]


def _say(voice: str, text: str, out: Path) -> None:
    cmd = [c.replace("{out}", str(out)).replace("{text}", text) for c in CONVERT_VOICES[voice]]
    subprocess.run(cmd, check=True, capture_output=True)


def prepare_convert(out: Path, n_train: int = 100, n_test: int = 30) -> None:
    """Issue 17's voice conversion set in ``out/vc``: ``a_train``/``b_train`` (two voices saying
    different sentences: unpaired), ``a_test``/``b_test`` (both saying the same held-out
    sentences: parallel, for measuring only) and ``digits_a``/``digits_b`` (each digit at 5 speeds
    by each voice: the content check)."""
    root = out / "vc"
    shutil.rmtree(root, ignore_errors=True)
    sentences = _sentences(2 * n_train + n_test)
    jobs = [("a_train", "a", sentences[:n_train]), ("b_train", "b", sentences[n_train:2 * n_train]),
            ("a_test", "a", sentences[2 * n_train:]), ("b_test", "b", sentences[2 * n_train:])]
    for folder, voice, texts in jobs:
        (root / folder).mkdir(parents=True)
        for i, text in enumerate(texts):
            _say(voice, text, root / folder / f"{i:03d}.wav")
    for voice in ("a", "b"):
        for digit in DIGITS:
            (root / f"digits_{voice}" / digit).mkdir(parents=True)
            for k, speed in enumerate((110, 130, 150, 170, 190)):
                dest = root / f"digits_{voice}" / digit / f"{k}.wav"
                if voice == "a":
                    subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(speed), "-w", str(dest), digit],
                                   check=True, capture_output=True)
                else:
                    stretch = f"{150 / speed:.3f}"
                    subprocess.run(["flite", "-voice", "slt", "--setf", f"duration_stretch={stretch}",
                                    "-t", digit, "-o", str(dest)], check=True, capture_output=True)
    for d in sorted(root.iterdir()):
        print(f"{d}: {sum(1 for _ in d.rglob('*.wav'))} files")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "data"))
    ap.add_argument("--hifi", action="store_true", help="prepare the full-band sets instead")
    ap.add_argument("--large", action="store_true", help="prepare issue 13's larger sets (kits, effects)")
    ap.add_argument("--voices", action="store_true", help="render the notes and spoken-digits sets")
    ap.add_argument("--convert", action="store_true", help="render issue 17's two-voice conversion set")
    a = ap.parse_args()
    if a.convert:
        ensure_packages(VOICE_PACKAGES)
        prepare_convert(Path(a.out))
        return 0
    if a.voices:
        ensure_packages(VOICE_PACKAGES)
        prepare_voices(Path(a.out))
        return 0
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
