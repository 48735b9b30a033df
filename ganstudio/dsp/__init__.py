"""Pure numpy signal processing: spectrograms, mel features."""
from .mel import log_mel, mel_filterbank, stft_magnitude

__all__ = ["log_mel", "mel_filterbank", "stft_magnitude"]
