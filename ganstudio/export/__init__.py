"""WAV stems a DAW takes as they are: formats, processing, naming, sidecars, atomic writes. What
renders (and needs torch) loads on first use (``ganstudio.lazy``)."""
from ..lazy import lazy_names
from .settings import ExportedStem, ExportError, ExportSettings, StemSpec
from .wav import SUBTYPES, write_wav

_LAZY = {"make_audio": "render", "read_sidecar": "sidecar", "remake_from_sidecar": "sidecar",
         **{n: "stems" for n in ("export_stems", "pad_spec", "random_specs", "safe_name", "texture_spec",
                                 "variation_specs")}}
__all__ = ["ExportError", "ExportSettings", "ExportedStem", "SUBTYPES", "StemSpec", "write_wav", *_LAZY]
__getattr__ = lazy_names(__name__, _LAZY)
