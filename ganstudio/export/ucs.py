"""UCS (Universal Category System) categories for stems, so a library tool (Soundminer, BaseHead,
Reaper's media explorer) files a GAN Studio stem where a sound designer looks for it.

A built-in subset of UCS: the categories of what people train GAN Studio on (drums and
percussion, whooshes, impacts, designed hits, foley, voices, UI sounds). CatIDs and
subcategories as UCS v8 lists them (checked against the CatID table of the Sonorityscape REAPER
UCS render script); the category of a stem is found from words that name it (its class, the
window's automatic category, the pad's name), and a sound nothing names is DESIGNED / SYNTHETIC,
which is what a generated sound is.
"""
from __future__ import annotations

import re
from typing import NamedTuple


class Ucs(NamedTuple):
    catid: str
    category: str
    subcategory: str

    @property
    def full(self) -> str:
        """CategoryFull, as UCS writes it: ``MUSICAL-PERCUSSION``."""
        return f"{self.category}-{self.subcategory}"


# (CatID, category, subcategory, words that name it); the first entry whose word a name holds wins,
# so the more specific come first (a "metal impact" is METAL, a plain "impact" DESIGNED / BOOM)
TABLE: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("BELLGong", "BELLS", "GONG", ("gong",)),
    ("BELLMisc", "BELLS", "MISC", ("bell", "bells")),
    ("MUSCPerc", "MUSICAL", "PERCUSSION",
     ("kick", "kicks", "bd", "snare", "snares", "sd", "tom", "toms", "hat", "hats", "hihat", "hihats", "hh",
      "cymbal", "cymbals", "crash", "ride", "clap", "claps", "rim", "rimshot", "perc", "percussion", "drum",
      "drums", "conga", "bongo", "shaker", "tambourine", "cowbell", "808", "909", "snap", "woodblock")),
    ("MUSCInst", "MUSICAL", "INSTRUMENT",
     ("note", "notes", "pluck", "synth", "piano", "keys", "string", "strings", "bass", "guitar", "organ", "lead")),
    ("MUSCChim", "MUSICAL", "CHIME", ("chime", "chimes")),
    ("METLImpt", "METAL", "IMPACT", ("metal", "metallic", "clang")),
    ("WOODImpt", "WOOD", "IMPACT", ("wood", "wooden", "knock")),
    ("GLASImpt", "GLASS", "IMPACT", ("glass",)),
    ("ROCKImpt", "ROCKS", "IMPACT", ("rock", "stone")),
    ("FGHTImpt", "FIGHT", "IMPACT", ("punch", "fight")),
    ("WHSH", "WHOOSHES", "WHOOSH", ("whoosh", "whooshes", "woosh", "sweep", "sweeps", "pass", "passby")),
    ("SWSH", "SWOOSHES", "SWISH", ("swish", "swoosh", "swooshes", "swipe")),
    ("DSGNRise", "DESIGNED", "RISER", ("riser", "rise", "risers", "uplifter")),
    ("DSGNBoom", "DESIGNED", "BOOM", ("boom", "booms", "impact", "impacts", "hit", "hits", "thud", "slam")),
    ("DSGNBram", "DESIGNED", "BRAAM", ("braam",)),
    ("DSGNDron", "DESIGNED", "DRONE", ("drone", "drones")),
    ("DSGNRmbl", "DESIGNED", "RUMBLE", ("rumble", "sub", "subdrop")),
    ("DSGNStngr", "DESIGNED", "STINGER", ("stinger", "stingers")),
    ("DSGNErie", "DESIGNED", "EERIE", ("eerie", "horror")),
    ("EXPLDsgn", "EXPLOSIONS", "DESIGNED", ("explosion", "explosions", "blast")),
    ("MAGSpel", "MAGIC", "SPELL", ("magic", "spell", "spells")),
    ("LASRGun", "LASERS", "GUN", ("laser", "lasers", "blaster")),
    ("ELECZap", "ELECTRICITY", "ZAP", ("zap", "zaps", "spark", "electric")),
    ("UIClick", "USER INTERFACE", "CLICK", ("click", "clicks", "tick", "ui")),
    ("UIBeep", "USER INTERFACE", "BEEP", ("beep", "beeps", "blip")),
    ("UIGlitch", "USER INTERFACE", "GLITCH", ("glitch", "glitches")),
    ("VOXFem", "VOICES", "FEMALE", ("female", "woman")),
    ("VOXMale", "VOICES", "MALE", ("male", "man")),
    ("VOXEfrt", "VOICES", "EFFORTS", ("effort", "efforts", "grunt")),
    ("VOXMisc", "VOICES", "MISC", ("voice", "voices", "vox", "vocal", "vocals", "speech", "spoken", "word",
                                   "words", "digit", "digits", "chop")),
    ("HMNBrth", "HUMAN", "BREATH", ("breath", "breaths", "breathing")),
    ("FEETHmn", "FOOTSTEPS", "HUMAN", ("footstep", "footsteps", "step", "steps")),
    ("FOLYClth", "FOLEY", "CLOTH", ("cloth", "clothes", "fabric")),
    ("FOLYMisc", "FOLEY", "MISC", ("foley",)),
    ("DOORMisc", "DOORS", "MISC", ("door", "doors")),
    ("WATRSplsh", "WATER", "SPLASH", ("water", "splash", "drip")),
    ("FIREMisc", "FIRE", "MISC", ("fire", "flame")),
    ("WIND", "WIND", "GENERAL", ("wind",)),
)
DEFAULT = Ucs("DSGNSynth", "DESIGNED", "SYNTHETIC")

_WORDS = {w: Ucs(catid, cat, sub) for catid, cat, sub, words in reversed(TABLE) for w in words}
_ORDER = {catid: i for i, (catid, *_rest) in enumerate(TABLE)}


def ucs_category(*names: str | None) -> Ucs:
    """The UCS category of a sound named by ``names`` (tried in turn: its class, its automatic
    category, its name; words split at anything not a letter or digit, any case): the table's
    first entry one word of a name holds, else :data:`DEFAULT`."""
    for name in names:
        found = [_WORDS[w] for w in re.split(r"[^0-9a-z]+", (name or "").lower()) if w in _WORDS]
        if found:
            return min(found, key=lambda u: _ORDER[u.catid])
    return DEFAULT
