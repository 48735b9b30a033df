"""WAV stems a DAW takes as they are: formats, processing, naming, sidecars, atomic writes."""
from .render import make_audio
from .settings import ExportedStem, ExportError, ExportSettings, StemSpec
from .sidecar import read_sidecar, remake_from_sidecar
from .stems import export_stems, pad_spec, random_specs, safe_name, texture_spec, variation_specs
from .wav import SUBTYPES, write_wav

__all__ = ["ExportError", "ExportSettings", "ExportedStem", "SUBTYPES", "StemSpec", "export_stems", "make_audio",
           "pad_spec", "random_specs", "read_sidecar", "remake_from_sidecar", "safe_name", "texture_spec",
           "variation_specs", "write_wav"]
