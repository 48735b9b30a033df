"""Keeps travel in the session file (issue 16, item 2): the keeps made with the session's model
are listed in it, and opening it remakes those the keeps library lacks, under their own ids,
sample for sample; a stranger's entries are checked field by field first."""
import json

import numpy as np
import pytest
import soundfile as sf

from ganstudio.keeps import KeepLibrary
from ganstudio.library.demo_model import load_demo_model
from ganstudio.session import SessionError, load_session, save_session
from ganstudio.session_keeps import remake_keeps, session_keeps


def _pad(seed: int, **extra) -> dict:
    z = np.random.default_rng(seed).standard_normal(load_demo_model().config.latent_dim)
    return {"name": f"hit {seed}", "gain": 0.8, "clean": True, "latent": [float(x) for x in z], "label": None, **extra}


def test_a_sessions_keeps_come_back_into_an_empty_library_exactly(tmp_path):
    model = load_demo_model()
    lib = KeepLibrary(tmp_path / "home")
    a = lib.add(model, 2, _pad(1), 48000, tags=["kick"])
    style = [float(x) for x in np.linspace(-0.3, 0.3, model.generator.style_size, dtype=np.float32)]   # a sound-alike's
    b = lib.add(model, 5, _pad(2, width=0.8, pitch=-2.0, style=style), 48000)
    lib.update(a.id, name="deep kick", star=True)
    entries = session_keeps(lib, model.weights_hash)
    assert [e["id"] for e in entries] == [a.id, b.id]
    assert entries[1]["pad"]["style"] == style and "style" not in entries[0]["pad"]
    assert lib.pad_of(b.id)["style"] == style and lib.pad_of(a.id)["style"] is None
    assert session_keeps(lib, "0" * 64) == []                       # another model's session: none
    path = save_session(tmp_path / "s", model_path=None, model_hash=model.weights_hash, pads=[], keeps=entries)
    doc = load_session(path)
    other = KeepLibrary(tmp_path / "elsewhere")                      # another machine, an empty library
    keeps, problems = remake_keeps(other.folder, model, doc["keeps"], set(), other.MAX)
    other.adopt(keeps)
    assert (len(keeps), problems) == (2, [])
    again = KeepLibrary(tmp_path / "elsewhere")                      # written to its index
    assert [(k.id, k.name, k.tags, k.star) for k in again.keeps] == [(a.id, "deep kick", ["kick"], True),
                                                                     (b.id, "hit 2", [], False)]
    for k in (a, b):
        original, r1 = sf.read(lib.wav(k.id), dtype="float32")
        remade, r2 = sf.read(again.wav(k.id), dtype="float32")
        assert r1 == r2 == 48000 and original.shape == remade.shape
        np.testing.assert_array_equal(original, remade)
    assert remade.ndim == 2                                          # the stereo pad stays stereo
    have = {k.id for k in again.keeps}
    assert remake_keeps(again.folder, model, doc["keeps"], have, again.MAX) == ([], [])      # nothing twice
    again.adopt(keeps)                                                  # adopting again adds nothing
    assert len(KeepLibrary(tmp_path / "elsewhere").keeps) == 2


@pytest.mark.parametrize("change, message", [
    (lambda e: e.update(id="../../etc"), "id must be 12 hex digits"),
    (lambda e: e["pad"].update(latent=["loud"] * 8), "latent"),
    (lambda e: e["pad"].pop("latent"), "pad.latent is missing"),
    (lambda e: e["pad"].update(width=3.0), "width"),
    (lambda e: e["pad"].update(style=[9.0] * 480), "style holds non-finite values or values beyond"),
    (lambda e: e["processing"].update(rate=10**9), "sample rate"),
    (lambda e: e.update(tags=["x"] * 99), "tags"),
], ids=["path-id", "text-latent", "no-latent", "width", "style", "rate", "tags"])
def test_a_strangers_session_keep_is_refused_with_the_field_named(tmp_path, change, message):
    model = load_demo_model()
    lib = KeepLibrary(tmp_path / "home")
    lib.add(model, 0, _pad(3), 48000)
    path = save_session(tmp_path / "s", model_path=None, model_hash=model.weights_hash, pads=[],
                        keeps=session_keeps(lib, model.weights_hash))
    doc = json.loads(path.read_text())
    change(doc["keeps"][0])
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match=message):
        load_session(path)
    doc["keeps"] = [{}] * 501
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match="at most 500"):
        load_session(path)


def test_a_session_listing_one_keep_twice_is_refused(tmp_path):
    model = load_demo_model()
    lib = KeepLibrary(tmp_path / "home")
    lib.add(model, 0, _pad(4), 48000)
    entries = session_keeps(lib, model.weights_hash)
    path = save_session(tmp_path / "s", model_path=None, model_hash=model.weights_hash, pads=[], keeps=entries * 2)
    with pytest.raises(SessionError, match="one keep id twice"):
        load_session(path)


def test_remaking_stops_when_cancelled_or_the_library_is_full(tmp_path):
    from ganstudio.session_keeps import remake_keeps
    model = load_demo_model()
    lib = KeepLibrary(tmp_path / "home")
    for seed in (5, 6):
        lib.add(model, 0, _pad(seed), 48000)
    entries = [{**e, "pad": {**e["pad"]}} for e in session_keeps(lib, model.weights_hash)]
    keeps, problems = remake_keeps(tmp_path / "a", model, entries, set(), room=1)
    assert len(keeps) == 1 and "full" in problems[0]
    keeps, problems = remake_keeps(tmp_path / "b", model, entries, set(), room=10, cancelled=lambda: True)
    assert keeps == [] and "stopped before 2" in problems[0]
    assert not list((tmp_path / "b").glob("*.wav"))                   # nothing written
    seen = []
    keeps, problems = remake_keeps(tmp_path / "c", model, entries, {entries[0]["id"]}, room=10,
                                   progress=lambda i, n, name: seen.append((i, n)))
    assert [k.id for k in keeps] == [entries[1]["id"]] and seen == [(1, 1)] and not problems
