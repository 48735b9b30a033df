"""Real-time audio (no Qt): ring buffer, pads and voices, master limiter and meters, the
sounddevice stream, the sampler worker that keeps the pads rendered from the generator, texture
mode, MIDI input and the :class:`~ganstudio.audio.studio.Studio` that ties them together. The
callback's own files (engine, voices, ringbuffer, master) import numpy only and allocate nothing
per block; the generator runs in the sampler and texture threads, never in the callback."""
from .engine import AudioDeviceError, AudioEngine, output_devices
from .master import Limiter, Meter
from .ringbuffer import RingBuffer
from .voices import VoiceMixer


def __getattr__(name: str):
    # the sampler imports torch: loaded on first use, so the audio process (which imports this
    # package to run the callback) starts without it
    if name in ("Pad", "SamplerWorker"):
        from . import sampler
        return getattr(sampler, name)
    raise AttributeError(name)

__all__ = ["AudioDeviceError", "AudioEngine", "Limiter", "Meter", "Pad", "RingBuffer", "SamplerWorker",
           "VoiceMixer", "output_devices"]
