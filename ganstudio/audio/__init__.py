"""Real-time audio (no Qt): ring buffer, limiter and meters so far; the stream, voices and sampler
worker follow with issue 4."""
from .ringbuffer import RingBuffer

__all__ = ["RingBuffer"]
