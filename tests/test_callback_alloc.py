"""The audio callback allocates nothing per block: 1000 blocks of the whole engine callback (32
looping, pitched, reversed, trimmed voices, half of them stereo, 8 fading out; texture on; limiter, meter and scope) under
tracemalloc. Python's own small objects (floats, bound methods) come and go in every call, so the
bound is far below one block of audio data, and memory must not grow."""
import tracemalloc
from types import SimpleNamespace

import numpy as np

from ganstudio.audio.engine import AudioEngine
from ganstudio.audio.voices import VoiceMixer

BLOCK = 4096            # one block of float32 data is 16 kB (32 kB stereo): any buffered copy shows


def _engine():
    mixer = VoiceMixer(pads=17, voices=32, max_frames=48000 * 4, max_block=BLOCK)
    rng = np.random.default_rng(0)
    for p in range(16):         # odd pads stereo (true-stereo width), even pads mono
        mixer.load_clip(p, (0.1 * rng.standard_normal((48000, 2) if p % 2 else 48000)).astype(np.float32))
    eng = AudioEngine(mixer, 48000, BLOCK)
    eng._running, eng.texture_on = True, True
    for v in range(32):
        mixer.trigger(v % 16, gain=0.5, rate=0.75 + 0.02 * v, loop=True, reverse=bool(v % 2), start=0.1, end=0.9)
    mixer.fade_frames = 10**9           # pads 0-3 fade out (stopped) for the whole measurement
    for p in range(4):
        mixer.stop_pad(p)
    return eng


def _traced(blocks) -> tuple[int, int]:
    """(bytes allocated at most at once, bytes still allocated) over ``blocks()``, by tracemalloc."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        blocks()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base, current - base


def test_the_engine_callback_allocates_nothing_per_block():
    eng = _engine()
    out = np.zeros((BLOCK, 2), np.float32)
    status = SimpleNamespace(output_underflow=False)
    tex = np.zeros((BLOCK, 2), np.float32)
    for _ in range(50):                           # warm up: first calls fill numpy's caches
        eng.texture.write(tex)
        eng.scope.read_into(np.zeros((eng.scope.available(), 2), np.float32))
        eng._callback(out, BLOCK, None, status)
    assert eng.mixer.active_voices == 32

    def blocks():       # 400 blocks: one kept Python object (16 bytes or more) per block shows
        for _ in range(400):
            eng._callback(out, BLOCK, None, status)
    at_once, grown = _traced(blocks)
    assert np.isfinite(out).all() and np.abs(out).max() > 0
    assert not np.array_equal(out[:, 0], out[:, 1])            # the stereo voices play in stereo
    assert at_once < 4096, f"the callback allocated {at_once} bytes at once"
    assert grown < 1024, f"memory grew by {grown} bytes over 400 blocks"


def test_the_input_callback_allocates_nothing_per_block():
    """Live conversion's input callback copies each block into the input ring, and nothing else."""
    eng = AudioEngine(VoiceMixer(pads=1, voices=1, max_frames=100, max_block=BLOCK), 48000, BLOCK)
    block = np.random.default_rng(0).standard_normal((BLOCK, 1)).astype(np.float32)
    status = SimpleNamespace(input_overflow=False)
    drain = np.zeros((eng.input.capacity, 1), np.float32)
    for _ in range(20):
        eng._in_callback(block, BLOCK, None, status)
        eng.input.read_into(drain[:eng.input.available()])

    def blocks():
        for i in range(1000):
            eng._in_callback(block, BLOCK, None, status)
            if i % 8 == 7:                      # a reader keeps up, except for the blocks below
                eng.input.read_into(drain[:eng.input.available()])
    at_once, grown = _traced(blocks)
    assert eng.input_blocks == 1020 and eng.input_dropped == 0
    assert at_once < 4096 and grown < 1024, (at_once, grown)
    for _ in range(eng.input.capacity // BLOCK + 2):        # nobody reads: the ring fills, then counts
        eng._in_callback(block, BLOCK, None, status)
    assert eng.input_dropped >= 1
