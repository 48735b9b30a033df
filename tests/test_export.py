"""Stems: formats, processing, loudness, names, sidecars that remake the same samples, atomicity."""
import errno
import json
import os
import subprocess
import sys

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

from ganstudio.dsp import processing as dsp
from ganstudio.export import (ExportError, ExportSettings, export_stems, pad_spec, random_specs,
                              remake_from_sidecar, safe_name, texture_spec, variation_specs)
from ganstudio.library.demo_model import load_demo_model


@pytest.fixture(scope="module")
def model():
    return load_demo_model()


@pytest.mark.parametrize("fmt,subtype", [("pcm16", "PCM_16"), ("pcm24", "PCM_24"), ("float", "FLOAT")])
@pytest.mark.parametrize("rate", [None, 44100, 48000])
def test_formats_rates_and_channels_read_back(model, tmp_path, fmt, subtype, rate):
    st = ExportSettings(fmt=fmt, rate=rate, channels=2 if fmt == "pcm16" else 1, trim=False, clean=False)
    [e] = export_stems(model, random_specs(model, 1, seed=3), tmp_path, st)
    info = sf.info(e.path)
    assert info.subtype == subtype and info.format == "WAV"
    assert info.samplerate == (rate or model.config.sample_rate)
    assert info.channels == st.channels
    assert info.frames == round(model.config.clip_length * info.samplerate / model.config.sample_rate)
    data, _ = sf.read(e.path, always_2d=True)
    assert abs(20 * np.log10(np.abs(data).max()) - (-1.0)) < 0.05        # peak-normalised to -1 dBFS
    if st.channels == 2:
        np.testing.assert_array_equal(data[:, 0], data[:, 1])


def test_loudness_within_half_an_lu_and_never_clipping(model, tmp_path):
    st = ExportSettings(normalize="lufs", lufs=-24.0, fmt="float")
    stems = export_stems(model, random_specs(model, 6, seed=5), tmp_path / "a", st)
    for e in stems:
        data, sr = sf.read(e.path)
        # measured by the exporter's convention: a sound shorter than one 400 ms gating block is
        # padded with silence to one block (clean one-shots are often shorter than that)
        need = int(np.ceil(0.4 * sr)) + 1
        pad = np.zeros(max(0, need - len(data)))
        loud = pyloudnorm.Meter(sr).integrated_loudness(np.concatenate([data, pad]))
        if not e.info["limited_by_peak"]:
            assert abs(loud + 24.0) < 0.5
        assert np.abs(data).max() <= dsp.db_to_gain(-0.3) + 1e-6
    hot = export_stems(model, random_specs(model, 3, seed=5), tmp_path / "b",
                       ExportSettings(normalize="lufs", lufs=-3.0, fmt="float"))
    for e in hot:                       # unreachable without clipping: held at the ceiling instead
        data, _ = sf.read(e.path)
        assert e.info["limited_by_peak"] and abs(20 * np.log10(np.abs(data).max()) + 0.3) < 0.01


def test_trim_fades_and_dc():
    sr = 1000
    x = np.concatenate([np.zeros(100), 0.5 + 0.1 * np.sin(np.arange(300) / 5.0), np.zeros(200)]).astype(np.float32)
    t = dsp.trim_silence(x, -60)
    assert len(t) == 300
    f = dsp.fade(t, sr, in_ms=50, out_ms=100)
    assert f[0] == 0 and f[-1] < 0.01 and np.isclose(f[150], t[150])
    assert abs(dsp.remove_dc(t).mean()) < 1e-6


def test_the_dc_blocker_keeps_a_silent_tail_silent():
    sr, n = 48000, 24000
    rng = np.random.default_rng(0)
    body = (0.3 * rng.standard_normal(n) * np.exp(-8 * np.arange(n) / sr) + 0.01).astype(np.float32)
    x = np.concatenate([body, np.zeros(n, np.float32)])      # a body with an offset, then silence
    tail = slice(n + sr // 10, None)                          # from 100 ms after the body
    # the whole clip's mean writes the body's offset, negated, into the silence
    np.testing.assert_allclose(dsp.remove_dc(x)[tail], -x.mean(), atol=1e-6)
    y = dsp.block_dc(x, sr)
    assert np.abs(y[tail]).max() < 1e-4 and abs(float(x[tail].max())) == 0.0
    assert abs(float(y[sr // 10:n].mean())) < 0.2 * abs(float(x[sr // 10:n].mean()))     # the body's offset is gone
    np.testing.assert_allclose(dsp.block_dc(np.stack([x, -x], 1), sr), np.stack([y, -y], 1), atol=1e-7)
    t = np.arange(2 * sr) / sr
    for hz, most_db in ((40, 0.3), (1000, 0.01)):        # a kick's fundamental keeps its level
        s = np.sin(2 * np.pi * hz * t).astype(np.float32)
        lost = 20 * np.log10(np.std(s[sr:]) / np.std(dsp.block_dc(s, sr)[sr:]))
        assert 0.0 <= lost < most_db


def _dc_share_before_the_fade(y, sr):
    """Share of the DC in the power of the 50 ms before a clean stem's 30 ms fade and 10 ms of silence."""
    t = y[:len(y) - int(0.04 * sr)][-int(0.05 * sr):]
    return float(t.mean() ** 2 / max(float((t ** 2).mean()), 1e-30))


def test_a_stem_whose_sound_ends_in_silence_ends_without_a_dc_plateau(model):
    from ganstudio.export.render import make_audio
    spec = random_specs(model, 32, seed=0)[6]      # a demo hit whose generated tail is silent for 0.3 s
    old, sr, _ = make_audio(model, spec, ExportSettings(dc_method="mean"))
    new, _, _ = make_audio(model, spec, ExportSettings())
    assert _dc_share_before_the_fade(old, sr) > 0.9 and len(old) == round(model.config.clip_length * sr / model.config.sample_rate) + sr // 100
    assert _dc_share_before_the_fade(new, sr) < 0.1 and len(new) < 0.8 * len(old)
    assert ExportSettings().processing()["dc_method"] == "highpass"
    assert ExportSettings.from_dict({"fmt": "pcm24", "dc": True}).dc_method == "mean"     # older sidecars remake as made
    with pytest.raises(ValueError, match="dc_method"):
        ExportSettings(dc_method="zero")


def test_sidecar_remakes_the_same_samples_in_another_process(model, tmp_path):
    pad = {"name": "snare/up?", "start": 0.05, "end": 0.8, "reverse": True, "pitch": 3.0, "gain": 0.7}
    z = np.random.default_rng(2).standard_normal(model.config.latent_dim)
    specs = [pad_spec(2, z, None, pad)] + variation_specs(z, None, 2, 0.3, seed=9) + [texture_spec(1.5, seed=4)]
    stems = export_stems(model, specs, tmp_path / "stems", ExportSettings(fmt="float", fade_in_ms=2))
    assert stems[0].path.name == "demo-model_snare_up__001.wav"      # "/" and "?" made safe
    out = tmp_path / "again"
    cmd = [sys.executable, "-m", "ganstudio", "generate", "--out", str(out)]
    for e in stems:
        cmd += ["--from-sidecar", str(e.sidecar)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for e in stems:
        a, _ = sf.read(e.path, dtype="float32")
        b, _ = sf.read(out / e.path.name, dtype="float32")
        np.testing.assert_array_equal(a, b)
    doc = json.loads(stems[0].sidecar.read_text())
    assert doc["model"]["weights_sha256"] == model.weights_hash and doc["pad"]["pitch"] == 3.0
    assert np.allclose(doc["source"]["latent"], z.astype(np.float32))
    # full band: made through the demo model's own extender, whose hash the sidecar keeps (issue 14)
    from ganstudio.models.extender_file import SHIPPED, extender_for, load_extender
    assert doc["processing"]["hifi"] is True
    assert doc["result"]["extender_sha256"] == extender_for(model.path).weights_hash != load_extender(SHIPPED).weights_hash
    doc["result"]["extender_sha256"] = "0" * 64
    stems[0].sidecar.write_text(json.dumps(doc))
    with pytest.raises(ExportError, match="another bandwidth extender"):
        remake_from_sidecar(stems[0].sidecar)
    remake_from_sidecar(stems[0].sidecar, accept_different=True)


def test_a_sidecar_from_before_tail_rule_2_remakes_the_tail_it_was_made_with(model, tmp_path):
    """Stems made when clean one-shots were cut 60 dB under the peak (their sidecars have no
    ``clean_tail``) remake with that cut, sample for sample; today's stems keep more of the decay."""
    specs = random_specs(model, 4, seed=11)
    old = export_stems(model, specs, tmp_path / "old", ExportSettings(fmt="float", clean_tail=1))
    new = export_stems(model, specs, tmp_path / "new", ExportSettings(fmt="float"))
    lengths = [(sf.info(a.path).frames, sf.info(b.path).frames) for a, b in zip(old, new)]
    assert all(n >= o for o, n in lengths) and any(n > o for o, n in lengths)      # the longer tail
    for e in old:
        doc = json.loads(e.sidecar.read_text())
        assert doc["processing"].pop("clean_tail") == 1
        e.sidecar.write_text(json.dumps(doc))           # as the stems of before were described
        again, _, settings, _ = remake_from_sidecar(e.sidecar)
        assert settings.clean_tail == 1
        np.testing.assert_array_equal(again, sf.read(e.path, dtype="float32")[0])
    doc = json.loads(new[0].sidecar.read_text())
    assert doc["processing"]["clean_tail"] == 3
    # a stem made by tail rule 2 (crackle cut, not turned down) remakes with rule 2
    [two] = export_stems(model, specs[:1], tmp_path / "two", ExportSettings(fmt="float", clean_tail=2))
    again, _, settings, _ = remake_from_sidecar(two.sidecar)
    assert settings.clean_tail == 2
    np.testing.assert_array_equal(again, sf.read(two.path, dtype="float32")[0])
    doc["processing"]["clean_tail"] = 9
    new[0].sidecar.write_text(json.dumps(doc))
    with pytest.raises((ExportError, ValueError), match="clean_tail"):
        remake_from_sidecar(new[0].sidecar)


def test_sidecar_refuses_another_model(model, tmp_path):
    [e] = export_stems(model, random_specs(model, 1, seed=1), tmp_path, ExportSettings())
    doc = json.loads(e.sidecar.read_text())
    doc["model"]["weights_sha256"] = "0" * 64
    e.sidecar.write_text(json.dumps(doc))
    with pytest.raises(ExportError, match="not the model this stem was made with"):
        remake_from_sidecar(e.sidecar)
    (tmp_path / "junk.json").write_text("[1, 2]")
    with pytest.raises(ExportError, match="not a GAN Studio sidecar"):
        remake_from_sidecar(tmp_path / "junk.json")


def test_a_full_disk_leaves_no_partial_file(model, tmp_path, monkeypatch):
    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ExportError, match="disk is full"):
        export_stems(model, random_specs(model, 2, seed=1), tmp_path / "out", ExportSettings())
    assert list((tmp_path / "out").iterdir()) == []


def test_a_failed_sidecar_takes_its_wav_with_it(model, tmp_path, monkeypatch):
    import ganstudio.export.stems as stems
    real = stems.atomic_write_bytes

    def failing(path, data):
        if str(path).endswith(".json"):
            raise OSError(errno.EACCES, "Permission denied")
        real(path, data)
    monkeypatch.setattr(stems, "atomic_write_bytes", failing)
    with pytest.raises(ExportError, match="no permission"):
        export_stems(model, random_specs(model, 1, seed=1), tmp_path, ExportSettings())
    assert list(tmp_path.iterdir()) == []


def test_bad_folders_and_templates(model, tmp_path):
    f = tmp_path / "a-file"
    f.write_text("x")
    with pytest.raises(ExportError, match="can't write|not a folder"):
        export_stems(model, random_specs(model, 1, seed=1), f / "sub", ExportSettings())
    with pytest.raises(ExportError, match="bad name template"):
        export_stems(model, random_specs(model, 1, seed=1), tmp_path / "o", ExportSettings(template="{nope}"))
    with pytest.raises(ValueError, match="format must be one of pcm16, pcm24, float"):
        ExportSettings(fmt="mp3")


def test_names_are_safe_and_nothing_is_overwritten_unless_asked(model, tmp_path):
    assert safe_name('a/b\\c:d*e?"<>|.wav. ') == "a_b_c_d_e_.wav"
    assert safe_name("CON") == "_CON" and safe_name("  ") == "stem" and safe_name("kick à l'été") == "kick à l'été"
    st = ExportSettings(template="{kind}_{class}_{index:03d}")
    first = export_stems(model, random_specs(model, 1, seed=1), tmp_path, st)
    second = export_stems(model, random_specs(model, 1, seed=2), tmp_path, st)
    assert first[0].path.name == "random_any_001.wav" and second[0].path.name == "random_any_001-2.wav"
    before = first[0].path.read_bytes()
    third = export_stems(model, random_specs(model, 1, seed=2), tmp_path,
                         ExportSettings(template=st.template, overwrite=True))
    assert third[0].path == first[0].path and third[0].path.read_bytes() != before


def test_pads_and_their_variations_share_one_zero_padded_name():
    """Pads with the default name export as pad01-pad16 (they sort in pad order), the same
    name their variations carry; a pad's own name keeps its words, joined by hyphens."""
    from ganstudio.export.selection import Selection, select_stems
    from ganstudio.export.stems import stem_name
    z = np.zeros(100).tolist()
    pads = [{"name": f"Pad {i + 1}", "latent": z} for i in range(15)] + [{"name": "big tom", "latent": z}]
    model = type("M", (), {"config": type("C", (), {"latent_dim": 100})()})()
    specs = select_stems(model, pads, Selection(pads=[1, 10, 16], variations=1, variations_of=10))
    assert [s.name for s in specs] == ["pad01", "pad10", "big tom", "pad10"]
    names = [stem_name("{model}_{name}_{index:03d}", {"model": "demo-model", "name": s.name, "index": 1})
             for s in specs]
    assert names[2] == "demo-model_big-tom_001" and " " not in "".join(names)


def test_cli_exports_pads_of_a_session(model, tmp_path):
    from ganstudio.session import save_session
    rng = np.random.default_rng(0)
    pads = [{"name": f"hit {i}", "latent": rng.standard_normal(model.config.latent_dim).tolist(),
             "label": None, "gain": 1.0, "pitch": 0.0, "reverse": False, "loop": False, "start": 0.0, "end": 1.0}
            for i in range(4)]
    session = save_session(tmp_path / "s", model_path=None, model_hash=model.weights_hash, pads=pads)
    proc = subprocess.run([sys.executable, "-m", "ganstudio", "export", str(session), "--out", str(tmp_path / "o"),
                           "--pads", "2,4", "--variations", "2", "--of-pad", "2", "--rate", "44100",
                           "--format", "pcm16", "--quiet"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (tmp_path / "o").glob("*.wav"))
    # pads 2 and 4 (named "hit 1" and "hit 3"), then two variations of pad 2
    assert names == ["demo-model_hit-1_001.wav", "demo-model_hit-1_003.wav", "demo-model_hit-1_004.wav",
                     "demo-model_hit-3_002.wav"]
    assert all(sf.info(tmp_path / "o" / n).samplerate == 44100 for n in names)
    bad = subprocess.run([sys.executable, "-m", "ganstudio", "export", str(session), "--out", str(tmp_path / "o"),
                          "--pads", "9"], capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "there is no pad 9" in bad.stderr


def test_stems_carry_bwf_and_ixml_metadata_and_the_same_audio(model, tmp_path):
    import xml.etree.ElementTree as ET

    from ganstudio.export.bwf import BwfError, chunks
    from ganstudio.export.stems import pad_spec
    pad = {"name": "Dusty <snare> & ünïcode", "gain": 0.8}
    z = np.random.default_rng(5).standard_normal(model.config.latent_dim)
    st = ExportSettings(template="{catid}_{name}_GANStudio_{model}")       # a UCS name: the snare is percussion
    [e] = export_stems(model, [pad_spec(2, z, None, pad)], tmp_path / "a", st)
    assert e.path.name == "MUSCPerc_Dusty-_snare_-&-ünïcode_GANStudio_demo-model.wav"
    raw = e.path.read_bytes()
    ids = [cid for cid, _ in chunks(raw)]
    assert ids.index(b"fmt ") < ids.index(b"bext") < ids.index(b"iXML") < ids.index(b"data")
    bext = dict(chunks(raw))[b"bext"]
    description = bext[:256].rstrip(b"\0").decode("ascii")
    assert description.startswith("Dusty <snare> & ") and "demo-model" in description
    assert bext[256:288].rstrip(b"\0") == b"GAN Studio"
    assert bext[288:320].rstrip(b"\0").decode() == model.weights_hash[:32]
    assert len(bext[320:330].decode()) == 10 and bext[330:338].decode().count(":") == 2   # date, time
    assert bext[602:].decode().startswith("A=PCM,F=48000,W=24,M=mono")
    root = ET.fromstring(dict(chunks(raw))[b"iXML"])
    assert root.findtext("PROJECT") == "demo-model" and root.findtext("USER/USERCATEGORY") == "pad"
    assert [root.findtext(f"USER/{k}") for k in ("CATID", "CATEGORY", "SUBCATEGORY", "CATEGORYFULL")] == \
        ["MUSCPerc", "MUSICAL", "PERCUSSION", "MUSICAL-PERCUSSION"]
    assert root.findtext("USER/MODEL_SHA256") == model.weights_hash
    # the metadata is metadata only: the samples are those of a stem without it
    [plain] = export_stems(model, [pad_spec(2, z, None, pad)], tmp_path / "b", ExportSettings(bwf=False))
    assert b"bext" not in [cid for cid, _ in chunks(plain.path.read_bytes())]
    np.testing.assert_array_equal(sf.read(e.path)[0], sf.read(plain.path)[0])
    with pytest.raises(BwfError):
        chunks(b"RIFF\x10\x00\x00\x00WAVEdata\xff\xff\x00\x00")            # a chunk past the end


def test_the_ucs_category_comes_from_the_class_then_the_category_then_the_name():
    from ganstudio.export.ucs import DEFAULT, TABLE, ucs_category
    assert ucs_category("kick").catid == "MUSCPerc" and ucs_category(None, "Deep Kick 02").catid == "MUSCPerc"
    assert ucs_category("metal impact").catid == "METLImpt"          # the specific entry before the general
    assert ucs_category("impact").full == "DESIGNED-BOOM"
    assert ucs_category("whoosh_long").catid == "WHSH" and ucs_category("digits").catid == "VOXMisc"
    assert ucs_category("pad", "pad07") == DEFAULT == ucs_category(None, None)
    assert ucs_category("sweep", "kick").catid == "WHSH"              # the first name that says wins
    catids = [row[0] for row in TABLE]
    assert len(set(catids)) == len(catids)
    # every CatID is its category's 3-5 letter short form and a subcategory word (UCS's own scheme)
    assert all(c[:3].isupper() and (len(c) <= 5 or c[5:].islower() or c[4:].islower()) for c in catids)


def test_a_sidecar_from_before_the_extender_cap_remakes_without_it():
    from ganstudio.export import ExportSettings as S
    assert S().hifi_cap and S().processing()["hifi_cap"] is True           # new stems: capped, and say so
    assert S.from_dict({"fmt": "pcm24", "hifi": True}).hifi_cap is False   # older sidecars: as they were made
