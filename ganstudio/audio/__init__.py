"""Real-time audio (no Qt): ring buffer, pads and voices, master limiter and meters, and the
sounddevice stream. The sampler worker, texture mode and MIDI follow with issue 4."""
from .engine import AudioDeviceError, AudioEngine, output_devices
from .master import Limiter, Meter
from .ringbuffer import RingBuffer
from .voices import VoiceMixer

__all__ = ["AudioDeviceError", "AudioEngine", "Limiter", "Meter", "RingBuffer", "VoiceMixer",
           "output_devices"]
