"""Real-time audio (no Qt): ring buffer, pads and voices, master limiter and meters, and the
sounddevice stream, and the sampler worker that keeps the pads rendered from the generator.
Texture mode, morphing and MIDI follow with issue 4. Only ``sampler`` imports torch: it runs in
its own thread, never in the callback."""
from .engine import AudioDeviceError, AudioEngine, output_devices
from .master import Limiter, Meter
from .ringbuffer import RingBuffer
from .sampler import Pad, SamplerWorker
from .voices import VoiceMixer

__all__ = ["AudioDeviceError", "AudioEngine", "Limiter", "Meter", "Pad", "RingBuffer", "SamplerWorker",
           "VoiceMixer", "output_devices"]
