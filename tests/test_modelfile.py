import json
import pickle
import zipfile

import numpy as np
import pytest
import torch

from ganstudio.models import Generator, preset
from ganstudio.models.modelfile import ModelFileError, load_model, pack_gsm, save_model
from ganstudio.models.sampling import class_index, latents, render


@pytest.fixture()
def model_dir(tmp_path):
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, class_names=("kick", "snare"))
    torch.manual_seed(0)
    g = Generator(cfg)
    save_model(tmp_path / "m", g, cfg, {"clips": 12}, {"step": 7})
    return tmp_path / "m", g


def test_round_trip_gives_identical_audio(model_dir):
    folder, g = model_dir
    m = load_model(folder)
    z = latents(4, 100, seed=3)
    with torch.no_grad():
        expected = g.eval()(torch.from_numpy(z), torch.tensor([0, 1, 0, 1])).squeeze(1).numpy()
    np.testing.assert_allclose(render(m, z, np.array([0, 1, 0, 1])), expected, rtol=0, atol=1e-5)
    assert m.meta["training"]["step"] == 7 and m.meta["data"]["clips"] == 12
    assert m.meta["sample_rate"] == 16000 and m.meta["class_names"] == ["kick", "snare"]
    assert not any(p.requires_grad for p in m.generator.parameters()) and not m.generator.training


def test_gsm_zip_loads_the_same(model_dir, tmp_path):
    folder, _ = model_dir
    gsm = pack_gsm(folder, tmp_path / "drums.gsm")
    a, b = load_model(folder), load_model(gsm)
    z = latents(2, 100, 0)
    np.testing.assert_allclose(render(a, z), render(b, z), rtol=0, atol=1e-5)
    assert b.name == "drums"


def test_tampered_config_is_refused(model_dir):
    folder, _ = model_dir
    meta = json.loads((folder / "config.json").read_text())
    meta["model"]["model_dim"] = 8
    (folder / "config.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="do not fit|does not match"):
        load_model(folder)


def test_tampered_weights_are_refused(model_dir):
    folder, _ = model_dir
    data = bytearray((folder / "generator.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (folder / "generator.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="does not match the hash"):
        load_model(folder)


def test_pickle_payload_is_never_executed(tmp_path, model_dir):
    folder, _ = model_dir
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (folder / "generator.safetensors").write_bytes(pickle.dumps({"w": Evil()}))
    with pytest.raises(ModelFileError):
        load_model(folder)
    assert not marker.exists()
    # The same payload inside a .gsm under the weights' name.
    gsm = tmp_path / "evil.gsm"
    with zipfile.ZipFile(gsm, "w") as z:
        z.writestr("generator.safetensors", pickle.dumps({"w": Evil()}))
        z.writestr("config.json", (folder / "config.json").read_text())
    with pytest.raises(ModelFileError):
        load_model(gsm)
    assert not marker.exists()


@pytest.mark.parametrize("change,match", [
    (lambda m: m.update(format_version=99), "newer GAN Studio"),
    (lambda m: m.update(format="something"), "not a GAN Studio model config"),
    (lambda m: m["model"].update(upsample="magic"), "invalid model settings"),
    (lambda m: m.pop("weights_sha256"), "no weights hash"),
])
def test_bad_configs_are_refused(model_dir, change, match):
    folder, _ = model_dir
    meta = json.loads((folder / "config.json").read_text())
    change(meta)
    (folder / "config.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match=match):
        load_model(folder)


def test_missing_and_non_model_paths(tmp_path):
    with pytest.raises(ModelFileError, match="no model"):
        load_model(tmp_path / "nothing.gsm")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFileError, match="missing generator.safetensors, config.json"):
        load_model(tmp_path / "empty")
    (tmp_path / "junk.gsm").write_text("hello")
    with pytest.raises(ModelFileError, match="neither a model folder"):
        load_model(tmp_path / "junk.gsm")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "generator.safetensors").write_bytes(b"x")
    (tmp_path / "bad" / "config.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_model(tmp_path / "bad")


def test_class_names(model_dir):
    m = load_model(model_dir[0])
    assert class_index(m, "snare") == 1
    with pytest.raises(ValueError, match="has no class 'clap'; it has kick, snare"):
        class_index(m, "clap")


def test_shapes_read_on_the_meta_device_are_the_built_networks_shapes():
    """A model file's shapes are checked against a network built on the meta device with its random
    initialisation skipped (modelfile._ShapesOnly): every family gives the shapes a real build has."""
    import dataclasses
    from ganstudio.models import PRESETS, Discriminator
    from ganstudio.models.converter import Converter, ConverterConfig
    from ganstudio.models.extender import Extender, ExtenderConfig
    from ganstudio.models.modelfile import net_shapes
    from ganstudio.models.vocoder import Vocoder
    cases = [(Extender, ExtenderConfig()), (Converter, ConverterConfig()), (Vocoder, ConverterConfig())]
    for name in PRESETS:
        for classes in ((), ("kick", "snare")):
            for up in ("transposed", "nearest", "istft"):
                cfg = dataclasses.replace(preset(name, class_names=classes), upsample=up)
                cases += [(Generator, cfg), (Discriminator, cfg)]
    for build, cfg in cases:
        built = {k: tuple(t.shape) for k, t in build(cfg).state_dict().items()}
        assert net_shapes(build, cfg) == built, (build.__name__, cfg)
