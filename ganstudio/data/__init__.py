"""Import a folder of sounds: decode, mono, resample, trim, fixed length, labels, cache, skip report."""
from .importer import Dataset, DatasetError, SkippedFile, import_folder
from .prepare import SkipFile, prepare_clip
from .settings import SUPPORTED_RATES, ImportSettings

__all__ = ["Dataset", "DatasetError", "ImportSettings", "SUPPORTED_RATES", "SkipFile", "SkippedFile",
           "import_folder", "prepare_clip"]
