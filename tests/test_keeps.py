"""The keeps library: a kept pad is a stem plus its sidecar, survives a reload and a model
change, and a hostile index can't choose a path or break the library."""
import json

import numpy as np
import pytest
import soundfile as sf

from ganstudio.keeps import INDEX, KeepError, KeepLibrary
from ganstudio.library.demo_model import load_demo_model


@pytest.fixture(scope="module")
def model():
    return load_demo_model()


def pad(model, seed=0, **over):
    z = np.random.default_rng(seed).standard_normal(model.config.latent_dim).tolist()
    return {"name": "Pad 3", "gain": 0.5, "pitch": 2.0, "reverse": False, "loop": False, "start": 0.0,
            "end": 1.0, "clean": True, "latent": z, "label": None, **over}


def test_keep_rename_tag_star_reload_export_and_send_back(model, tmp_path):
    lib = KeepLibrary(tmp_path / "keeps")
    k = lib.add(model, 2, pad(model), 48000)
    assert k.name == "pad03" and k.model == model.name
    audio, rate = sf.read(lib.wav(k.id))
    assert rate == 48000 and 0.05 < np.abs(audio).max() <= 0.5 + 1e-3 and abs(audio[0]) < 1e-3
    lib.update(k.id, name="  big kick ", tags=["kick", "808", "kick", " "], star=True)
    other = lib.add(model, 5, pad(model, seed=1, name="snare"), 48000)
    again = KeepLibrary(tmp_path / "keeps")                # what the next session sees
    assert [(x.name, x.tags, x.star) for x in again.keeps] == [("big kick", ["808", "kick"], True),
                                                               ("snare", [], False)]
    assert [x.id for x in again.find("KICK")] == [k.id] and [x.id for x in again.find(starred=True)] == [k.id]
    assert [x.id for x in again.find(tag="808")] == [k.id]
    back = again.pad_of(k.id)
    assert np.allclose(back["latent"], pad(model)["latent"]) and back["pad"]["pitch"] == 2.0
    assert back["model"]["weights_sha256"] == model.weights_hash
    out = again.export([k.id, other.id, k.id], tmp_path / "out")
    assert [p.name for p in out] == ["demo-model_big-kick_001.wav", "demo-model_snare_002.wav",
                                     "demo-model_big-kick_003.wav"]
    assert json.loads(out[0].with_suffix(".json").read_text())["wav"] == out[0].name
    again.delete([other.id])
    assert [x.id for x in KeepLibrary(tmp_path / "keeps").keeps] == [k.id]
    assert not again.wav(other.id).exists() and not again.sidecar(other.id).exists()


def test_a_hostile_or_damaged_index_loses_only_the_bad_entries(model, tmp_path):
    lib = KeepLibrary(tmp_path)
    good = lib.add(model, 0, pad(model), 48000)
    doc = json.loads((tmp_path / INDEX).read_text())
    doc["keeps"] += [{"id": "../../etc/pas", "name": "x"}, {"id": "0123456789ab", "name": "gone"},
                     {"id": good.id, "name": "twice"}, {"id": "abcdefabcdef", "star": "yes"}, 42]
    (tmp_path / INDEX).write_text(json.dumps(doc))
    again = KeepLibrary(tmp_path)
    assert [k.id for k in again.keeps] == [good.id]
    assert len(again.problems) == 5 and any("id is longer than 12" in p for p in again.problems)
    doc["keeps"][1:] = [{"id": "../../etc/pa", "name": "x"}]
    (tmp_path / INDEX).write_text(json.dumps(doc))
    assert "12 hex digits" in KeepLibrary(tmp_path).problems[0]
    with pytest.raises(KeepError, match="not a keep id"):
        again.wav("../x")
    (tmp_path / INDEX).write_text('{"format": "ganstudio-keeps", "version": 1, "keeps": [NaN]}')
    broken = KeepLibrary(tmp_path)
    assert broken.keeps == [] and "NaN" in broken.problems[0]
    (tmp_path / INDEX).write_text('{"format": "ganstudio-keeps", "version": 99, "keeps": []}')
    assert "newer than this app" in KeepLibrary(tmp_path).problems[0]


def test_keeps_start_with_given_tags_and_order_by_likeness(model, tmp_path):
    lib = KeepLibrary(tmp_path / "keeps")
    a = lib.add(model, 0, pad(model, seed=3), 48000, tags=["snare", " "])
    assert a.tags == ["snare"]
    b = lib.add(model, 1, pad(model, seed=3, pitch=0.5), 48000)        # nearly the same sound
    c = lib.add(model, 2, pad(model, seed=40, reverse=True), 48000)    # another sound, reversed
    ranked = lib.similar(a.id)
    assert [k.id for k, _ in ranked] == [a.id, b.id, c.id]
    assert ranked[0][1] == 0.0 and ranked[1][1] < ranked[2][1]
    lib.wav(c.id).write_bytes(b"not a wav")                             # a damaged file comes last
    lib._embeddings.clear()
    assert lib.similar(a.id)[-1] == (lib.get(c.id), float("inf"))
    with pytest.raises(KeepError, match="can't be read"):
        lib.similar(c.id)
