"""Real-time audio (no Qt). So far: the ring buffer and the master limiter and meters; the
stream, voices and sampler worker follow with issue 4."""
from .master import Limiter, Meter
from .ringbuffer import RingBuffer

__all__ = ["Limiter", "Meter", "RingBuffer"]
