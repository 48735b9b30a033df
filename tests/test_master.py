import tracemalloc

import numpy as np

from ganstudio.audio import Limiter, Meter

SR = 48000


def blocks(signal, size=256):
    for i in range(0, len(signal), size):
        yield signal[i:i + size]


def test_limiter_never_exceeds_ceiling_and_leaves_quiet_audio_alone():
    lim = Limiter(SR, max_block=256)
    t = np.arange(SR, dtype=np.float32) / SR
    loud = (3.0 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)[:, None].repeat(2, 1)
    for b in blocks(loud):
        lim.process(b)
    assert np.max(np.abs(loud)) <= lim.ceiling + 1e-7
    assert lim.gain < 0.4
    quiet_lim = Limiter(SR, max_block=256)
    quiet = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)[:, None]
    original = quiet.copy()
    for b in blocks(quiet):
        quiet_lim.process(b)
    np.testing.assert_array_equal(quiet, original)


def test_limiter_recovers_after_a_loud_burst_without_jumps():
    lim = Limiter(SR, max_block=256, release_s=0.1)
    sig = np.full((SR, 1), 0.5, np.float32)
    sig[:4800] = 2.0
    for b in blocks(sig):
        lim.process(b)
    assert lim.gain > 0.99                                   # released after ~1 s
    steps = np.abs(np.diff(sig[4800:, 0]))
    assert steps.max() < 0.01                                # the gain ramps, it never jumps


def test_limiter_and_meter_allocate_no_frame_buffers():
    lim, meter = Limiter(SR, max_block=1024), Meter(2)
    block = np.random.default_rng(0).uniform(-2, 2, (1024, 2)).astype(np.float32)
    lim.process(block)
    meter.update(block)
    tracemalloc.start()
    for _ in range(5):
        lim.process(block)
        meter.update(block)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1024 * 2 * 4    # less than one block's worth of float32


def test_meter_values():
    m = Meter(2)
    block = np.zeros((100, 2), np.float32)
    block[:, 0] = 0.5
    block[10, 1] = -0.8
    m.update(block)
    peak, rms = m.read()
    np.testing.assert_allclose(peak, [0.5, 0.8])
    np.testing.assert_allclose(rms, [0.5, 0.08], rtol=1e-5)
    assert m.serial == 1


def test_meter_reader_never_sees_a_half_measured_block():
    """The audio thread measures while the GUI reads: the RMS row once held the sum of squares
    mid-update (CI read an RMS of 13.7 for a 0.5 sine)."""
    import threading
    m = Meter(2)
    block = np.full((256, 2), 0.5, np.float32)
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            m.update(block)

    import sys
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)          # switch threads often, as a busy GUI thread does
    t = threading.Thread(target=writer)
    t.start()
    seen = []
    try:
        for _ in range(20000):
            seen.append(m.read())
    finally:
        stop.set()
        t.join(5)
        sys.setswitchinterval(interval)
    assert m.serial > 0
    for peak, rms in seen:
        assert np.all(rms <= peak + 1e-6) and np.all(rms <= 0.5 + 1e-6)
