import threading

import numpy as np
import pytest

from ganstudio.audio import RingBuffer


def test_wraps_around_and_keeps_order():
    rb = RingBuffer(8, channels=2)
    out = np.empty((3, 2), np.float32)
    data = np.arange(40, dtype=np.float32).reshape(20, 2)
    got = []
    pos = 0
    while len(got) < 20:
        pos += rb.write(data[pos:pos + 5])
        n = rb.read_into(out)
        got.extend(out[:n].tolist())
    assert np.array_equal(np.array(got), data)


def test_full_buffer_refuses_extra_frames_and_underrun_gives_silence():
    rb = RingBuffer(4)
    assert rb.write(np.ones(6, np.float32)) == 4 and rb.space() == 0
    out = np.full((6, 1), 7.0, np.float32)
    assert rb.read_into(out) == 4
    assert np.array_equal(out[:, 0], [1, 1, 1, 1, 0, 0]) and rb.underruns == 1
    assert rb.read_into(out) == 0 and not out.any() and rb.underruns == 2


def test_reader_allocates_nothing():
    import tracemalloc
    rb = RingBuffer(1024)
    rb.write(np.ones(1024, np.float32))
    out = np.empty((256, 1), np.float32)
    rb.read_into(out)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for _ in range(3):
        rb.read_into(out)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename") if s.size_diff > 0
                and "ringbuffer" in str(s.traceback))
    # Python's counters are int objects (a few dozen bytes); a frame buffer would be >= 1 KiB.
    assert grown < 256


def test_one_writer_one_reader_threads_lose_nothing():
    rb = RingBuffer(257)
    total = 50_000
    src = np.arange(total, dtype=np.float32)
    dst = np.empty(total, np.float32)

    def writer():
        pos = 0
        while pos < total:
            pos += rb.write(src[pos:pos + 1000])
    t = threading.Thread(target=writer)
    t.start()
    got, out = 0, np.empty((64, 1), np.float32)
    while got < total:
        n = rb.read_into(out)
        dst[got:got + n] = out[:n, 0]
        got += n
    t.join()
    assert np.array_equal(src, dst)


def test_bad_sizes():
    with pytest.raises(ValueError):
        RingBuffer(0)
