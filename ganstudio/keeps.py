"""Keeps: the sounds a user liked, in a small per-user library that outlives sessions and models.

Each keep is a stem exactly as export writes it (``ID.wav`` at the studio's rate, the pad's
trim, pitch, reverse, clean and gain baked in, and ``ID.json``, its sidecar with the model's path
and weights hash, the latent, class and pad settings), so a keep still plays when its model is
gone and can be sent back to a pad of the model that made it. ``keeps.json`` holds what the user
adds: name, tags, star, when. The library folder is the user data folder's ``keeps`` (or
``$GANSTUDIO_KEEPS_DIR``).

The index is data from a stranger like any other file: every entry is checked, ids are 12 hex
digits and choose every file name (the index's own text never does), and counts are capped.
"""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import validate as v
from .fileio import atomic_write_bytes, read_json_document

log = logging.getLogger(__name__)

FORMAT, VERSION = "ganstudio-keeps", 1
INDEX = "keeps.json"
MAX_KEEPS = 5000
MAX_TAGS = 16
MAX_INDEX_BYTES = 8 << 20
ID = re.compile(r"[0-9a-f]{12}")


class KeepError(Exception):
    """A keep could not be made, read or changed; the message says why."""


def default_dir() -> Path:
    env = os.environ.get("GANSTUDIO_KEEPS_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir
    return Path(user_data_dir("ganstudio")) / "keeps"


@dataclass
class Keep:
    id: str
    name: str
    model: str = ""
    tags: list[str] = field(default_factory=list)
    star: bool = False
    created: float = 0.0

    @classmethod
    def from_dict(cls, d) -> "Keep":
        if not isinstance(d, dict):
            raise ValueError("a keep must be a JSON object")
        kid = v.text(d.get("id"), "id", 12, allow_empty=False)
        if not ID.fullmatch(kid):
            raise ValueError(f"id must be 12 hex digits, not {v.printable(kid)!r}")
        return cls(kid, v.text(d.get("name", ""), "name"), v.text(d.get("model", ""), "model"),
                   v.text_list(d.get("tags", []), "tags", MAX_TAGS), v.boolean(d.get("star", False), "star"),
                   v.number(d.get("created", 0.0), "created", 0.0, 1e11))


class KeepLibrary:
    """The keeps in ``folder`` (created on first use); entries whose files are gone are dropped
    when the index is read, with a note in :attr:`problems`."""

    MAX = MAX_KEEPS

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder else default_dir()
        self.keeps: list[Keep] = []
        self.problems: list[str] = []
        self._embeddings: dict[str, np.ndarray] = {}      # keep id -> clip embedding (similar)
        self._sidecars: dict[str, dict] = {}              # keep id -> checked sidecar (never rewritten)
        self.load()

    # ---- files ----------------------------------------------------------------------------
    def wav(self, kid: str) -> Path:
        return self.folder / f"{_checked_id(kid)}.wav"

    def sidecar(self, kid: str) -> Path:
        return self.folder / f"{_checked_id(kid)}.json"

    def load(self) -> None:
        self.keeps, self.problems = [], []
        path = self.folder / INDEX
        if not path.exists():
            return
        try:
            doc = read_json_document(path, FORMAT, VERSION, KeepError, "keeps index", MAX_INDEX_BYTES)
            entries = doc.get("keeps")
            if not isinstance(entries, list):
                raise KeepError(f"{path}: keeps must be a list")
        except KeepError as exc:
            self.problems.append(str(exc))
            log.warning("%s", exc)
            return
        seen = set()
        for i, d in enumerate(entries[:MAX_KEEPS]):
            try:
                k = Keep.from_dict(d)
            except (ValueError, TypeError) as exc:
                self.problems.append(f"keep {i + 1} is damaged ({exc}); left out")
                continue
            if k.id in seen or not (self.wav(k.id).is_file() and self.sidecar(k.id).is_file()):
                self.problems.append(f"keep {v.printable(k.name) or k.id}: its sound file is missing; left out")
                continue
            seen.add(k.id)
            self.keeps.append(k)
        if len(entries) > MAX_KEEPS:
            self.problems.append(f"the index lists {len(entries)} keeps; only the first {MAX_KEEPS} are read")

    def save(self) -> None:
        doc = {"format": FORMAT, "version": VERSION, "keeps": [asdict(k) for k in self.keeps]}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.folder / INDEX, json.dumps(doc, indent=1, allow_nan=False).encode())
        except OSError as exc:
            raise KeepError(f"can't save the keeps in {self.folder} ({exc.strerror or exc})") from None

    # ---- changes --------------------------------------------------------------------------
    def add(self, model, pad_index: int, pad: dict, rate: int, hifi: bool = True,
            tags: list[str] | None = None) -> Keep:
        """Keep pad ``pad_index`` of ``model`` as it plays (``pad``: ``Studio.pad_state`` data) at
        ``rate`` Hz: its stem and sidecar are written first, then the index. ``tags`` start its tags
        (the window gives the sound's automatic category)."""
        tags = v.text_list(sorted({t.strip() for t in tags or [] if t.strip()}), "tags", MAX_TAGS)
        from .dsp.pad import is_stereo
        from .export.settings import ExportError, ExportSettings
        from .export.stems import export_stems, pad_spec, pad_stem_name
        if len(self.keeps) >= MAX_KEEPS:
            raise KeepError(f"the library holds {MAX_KEEPS} keeps, its limit; delete some first")
        kid = secrets.token_hex(6)
        # the pad's own shaping (clean, trim, pitch, reverse, gain) and nothing more: a keep is
        # what the pad played, which loses its DC when it is a clean one-shot (dsp.pad.shape_clip)
        settings = ExportSettings(rate=rate, normalize="none", trim=False, fade_out_ms=0.0,
                                  dc=bool(pad.get("clean")), template=kid, hifi=hifi,
                                  channels=2 if is_stereo(pad) else 1)
        try:
            export_stems(model, [pad_spec(pad_index, pad["latent"], pad.get("label"), pad)], self.folder, settings)
        except ExportError as exc:
            raise KeepError(f"can't keep the sound: {exc}") from None
        keep = Keep(kid, pad_stem_name(pad_index, pad.get("name")), model.name, tags, False, round(time.time(), 3))
        self.keeps.append(keep)
        self.save()
        return keep

    def adopt(self, keeps: list[Keep]) -> None:
        """Add ``keeps`` whose files were written into this folder (a session's keeps remade),
        skipping ids already here, and save the index."""
        have = {k.id for k in self.keeps}
        new = [k for k in keeps if k.id not in have][:max(0, self.MAX - len(self.keeps))]
        if new:
            self.keeps.extend(new)
            self.save()

    def get(self, kid: str) -> Keep:
        for k in self.keeps:
            if k.id == kid:
                return k
        raise KeepError(f"no keep {v.printable(kid)!r}")

    def update(self, kid: str, name: str | None = None, tags: list[str] | None = None,
               star: bool | None = None) -> Keep:
        k = self.get(kid)
        if name is not None:
            k.name = v.text(name.strip(), "name") or k.name
        if tags is not None:
            k.tags = v.text_list(sorted({t.strip() for t in tags if t.strip()}), "tags", MAX_TAGS)
        if star is not None:
            k.star = v.boolean(star, "star")
        self.save()
        return k

    def delete(self, kids: list[str]) -> None:
        gone = set(kids)
        self.keeps = [k for k in self.keeps if k.id not in gone]
        self.save()                         # the index first: a crash leaves orphan files, not holes
        for kid in gone:
            self._sidecars.pop(kid, None)
            for p in (self.wav(kid), self.sidecar(kid)):
                p.unlink(missing_ok=True)

    # ---- use --------------------------------------------------------------------------------
    def sidecar_doc(self, kid: str) -> dict:
        """Keep ``kid``'s sidecar as :func:`~ganstudio.export.sidecar.read_sidecar` checks it (cached:
        a keep's files are written once)."""
        from .export.settings import ExportError
        from .export.sidecar import read_sidecar
        if kid not in self._sidecars:
            try:
                self._sidecars[kid] = read_sidecar(self.sidecar(kid))
            except ExportError as exc:
                raise KeepError(str(exc)) from None
        return self._sidecars[kid]

    def pad_of(self, kid: str) -> dict:
        """What sending keep ``kid`` back to a pad needs, from its checked sidecar: ``latent``,
        ``label``, ``style`` (None: none), ``pad`` (settings) and ``model`` (name, path,
        weights_sha256)."""
        from .export.stems import source_fields
        doc = self.sidecar_doc(kid)
        if doc["source"]["type"] != "latent":
            raise KeepError("this keep was not made from a latent")
        return {"style": None, **source_fields(doc["source"]), "pad": doc["pad"] or {}, "model": doc["model"]}

    def export(self, kids: list[str], folder: str | Path) -> list[Path]:
        """Copy keeps ``kids`` (WAV and sidecar) into ``folder`` named ``{model}_{name}_{index:03d}``;
        existing files are never overwritten (a ``-2`` suffix is added)."""
        from .export.settings import SIDECAR_FORMAT, SIDECAR_VERSION
        from .export.stems import stem_name
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for i, kid in enumerate(kids):
            k = self.get(kid)
            stem = stem_name("{model}_{name}_{index:03d}", {"model": k.model or "keep", "name": k.name, "index": i + 1})
            dest, n = folder / f"{stem}.wav", 2
            while dest.exists() or dest.with_suffix(".json").exists():
                dest, n = folder / f"{stem}-{n}.wav", n + 1
            doc = read_json_document(self.sidecar(kid), SIDECAR_FORMAT, SIDECAR_VERSION, KeepError, "sidecar")
            shutil.copyfile(self.wav(kid), dest)
            doc["wav"] = dest.name
            atomic_write_bytes(dest.with_suffix(".json"), json.dumps(doc, indent=1, allow_nan=False).encode())
            out.append(dest)
        return out

    def similar(self, kid: str, keeps: list[Keep] | None = None) -> list[tuple[Keep, float]]:
        """``keeps`` (default: all) ordered by how alike their sound is to keep ``kid``'s, closest
        first, with the distance on the per-clip log-mel embedding (:mod:`ganstudio.metrics`) as a
        share of the median distance between the keeps (1: as alike as two keeps usually are).
        A keep whose file can't be read comes last (distance inf)."""
        keeps = self.keeps if keeps is None else keeps
        src = self._embedding(_checked_id(kid))
        if src is None:
            raise KeepError(f"the sound file of keep {self.get(kid).name!r} can't be read")
        embs = [self._embedding(k.id) for k in keeps]
        known = [e for e in embs if e is not None]
        d = [float(np.linalg.norm(e - src)) if e is not None else float("inf") for e in embs]
        pairs = [float(np.linalg.norm(a - b)) for i, a in enumerate(known) for b in known[i + 1:]]
        scale = float(np.median(pairs)) if pairs and np.median(pairs) > 0 else 1.0
        order = sorted(range(len(keeps)), key=lambda i: d[i])
        return [(keeps[i], d[i] / scale) for i in order]

    SIMILAR_RATE, SIMILAR_SECONDS = 16000, 2.0

    def _embedding(self, kid: str):
        """The keep's sound as a clip embedding (first 2 s at 16 kHz), cached; None if unreadable."""
        cache = self._embeddings
        if kid not in cache:
            from .data.decode import decode
            from .data.prepare import SkipFile
            from .dsp.pad import resample
            from .metrics import clip_embedding
            try:
                audio, rate = decode(self.wav(kid), 60.0)
            except (SkipFile, OSError):
                return None
            mono = resample(audio.mean(axis=1), rate, self.SIMILAR_RATE)
            clip = np.zeros(int(self.SIMILAR_RATE * self.SIMILAR_SECONDS), np.float32)
            clip[:min(len(clip), len(mono))] = mono[:len(clip)]
            cache[kid] = clip_embedding(clip[None], self.SIMILAR_RATE)[0]
        return cache[kid]

    def find(self, text: str = "", tag: str | None = None, starred: bool = False) -> list[Keep]:
        """Keeps whose name, model or tags contain ``text`` (any case), with ``tag``, starred."""
        text = text.strip().lower()
        return [k for k in self.keeps
                if (not text or text in k.name.lower() or text in k.model.lower()
                    or any(text in t.lower() for t in k.tags))
                and (tag is None or tag in k.tags) and (not starred or k.star)]


def _checked_id(kid: str) -> str:
    if not isinstance(kid, str) or not ID.fullmatch(kid):
        raise KeepError(f"not a keep id: {v.printable(str(kid))!r}")
    return kid
