"""``python -m ganstudio.audio.jack_probe PLAY.npy RECORD.npy``: a JACK client of its own that
plays PLAY (float32 mono at 48 kHz) once told to (a line on stdin) and records its own input
meanwhile, sample-aligned with what it played: for measuring what another client, connected in
between (:func:`~.jack.loop_through`), does to a sound and how late (live conversion's latency).
It prints "ready" once its ports exist. RECORD holds the recording and, last, how many of the
callbacks while it played the sound server flagged (an xrun: a cycle this client or the server
was too late for, so that cycle's sound is lost on the way)."""
from __future__ import annotations

import sys
import threading

import numpy as np


def main(play_path: str, record_path: str) -> int:
    import sounddevice as sd

    from .jack import jack_output_device
    sig = np.load(play_path).astype(np.float32)
    rec = np.zeros_like(sig)
    state = {"go": False, "pos": 0, "flagged": 0}
    done = threading.Event()

    def callback(indata, outdata, frames, time_info, status):
        outdata.fill(0.0)
        if not state["go"]:
            return
        pos = state["pos"]
        state["flagged"] += bool(status)
        n = min(frames, len(sig) - pos)
        outdata[:n, 0] = sig[pos:pos + n]
        rec[pos:pos + n] = indata[:n, 0]
        state["pos"] = pos + n
        if state["pos"] >= len(sig):
            done.set()

    with sd.Stream(device=jack_output_device(), samplerate=48000, blocksize=256, channels=1, dtype="float32",
                   callback=callback):
        print("ready", flush=True)
        sys.stdin.readline()
        state["go"] = True
        if not done.wait(len(sig) / 48000 * 4 + 10):
            print(f"timed out at {state['pos']} of {len(sig)} frames", file=sys.stderr)
            return 1
    np.save(record_path, np.append(rec, np.float32(state["flagged"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
