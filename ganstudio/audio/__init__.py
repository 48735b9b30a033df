"""Real-time audio (no Qt): ring buffer, pads and voices, master limiter and meters, the
sounddevice stream, the sampler worker that keeps the pads rendered from the generator, texture
mode, MIDI input and the :class:`~ganstudio.audio.studio.Studio` that ties them together. The
callback's own files (engine, voices, ringbuffer, master) import numpy only and allocate nothing
per block; the generator runs in the sampler and texture threads, never in the callback."""
from .engine import AudioDeviceError, AudioEngine, output_devices
from .master import Limiter, Meter
from .ringbuffer import RingBuffer
from .sampler import Pad, SamplerWorker
from .voices import VoiceMixer

__all__ = ["AudioDeviceError", "AudioEngine", "Limiter", "Meter", "Pad", "RingBuffer", "SamplerWorker",
           "VoiceMixer", "output_devices"]
