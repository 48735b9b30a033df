"""Live conversion measured through a real sound card stream (issue 17, part 3). Prints JSON.

A JACK dummy server at 48 kHz / 256 frames stands in for the sound card. A probe client
(:mod:`ganstudio.audio.jack_probe`) plays held-out speech of the source voice into the studio's
input and records the studio's output, sample-aligned with what it played. Both runs go through
the same engine, rings and live process, in one run:

- **monitor**: the live process passing the input through (no converter): what the path itself
  costs (JACK's period, the input block, the queue);
- **converted**: the live converter.

For each: the delay of the recording behind the sound the chain makes offline
(:func:`~ganstudio.audio.live.converted_offline`), piece by piece (50 ms pieces; a dropout
makes what follows come later, so the delay at the end is given too), how many pieces are
exactly the converted samples, the largest difference in those, dropouts during the recording,
(from the probe's start of play: its own start-up loads a 2-core machine), and the share of
real time converting took. **Added latency** is converted minus monitor.
Also the chain's real-time factor on one thread offline.

    python bench/convert_live.py --converter C      # C trained with train-convert --live
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganstudio.audio.jack import (jack_output_device, jack_ports, match_offline, record_live,  # noqa: E402
                                  start_dummy, stop_dummy)
from ganstudio.audio.live import LiveChain                          # noqa: E402
from ganstudio.audio.process import AudioProcess                   # noqa: E402
from ganstudio.data.recordings import import_recordings            # noqa: E402
from ganstudio.models.converter_file import load_converter         # noqa: E402

RATE = 48000


def speech(seconds: float) -> np.ndarray:
    """Held-out sentences of the source voice, back to back, at 48 kHz."""
    rec = import_recordings(ROOT / "bench" / "data" / "vc" / "a_test", RATE)
    x = np.concatenate(rec.audio)[:int(seconds * RATE)]
    return (0.5 * x / np.abs(x).max()).astype(np.float32)


def run(audio, client, converter, signal, tmp) -> dict:
    got = record_live(audio, client, converter, signal, tmp)
    said, rec = got.pop("said"), got["recording"]
    net = load_converter(converter).net if converter else None
    got_m = match_offline(net, signal, rec, RATE)
    lags = [lag for lag, ok in zip(got_m["lags"], got_m["matched"]) if ok]
    stats = [p for k, p in said if k == "stats"]
    return {"delay_ms": round(min(lags or [0]) / RATE * 1000, 2),
            "delay_ms_at_the_end": round(max(lags or [0]) / RATE * 1000, 2),
            "pieces_matched": f"{sum(got_m['matched'])}/{len(got_m['matched'])}",
            "largest_difference": got_m["largest_difference"],
            "peak": round(float(np.abs(got_m["reference"]).max()), 4), **got,
            "queue_blocks": max([s["queue_blocks"] for s in stats] or [0]),
            "batch_blocks": max([s.get("batch_blocks", 1) for s in stats] or [1]),
            "load_max": max([s["load"] for s in stats] or [0.0]),
            "problems": [p for k, p in said if k in ("overload", "error")]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--converter", required=True, help="a converter trained with train-convert --live")
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--wav", help="also write the converted recording here")
    a = ap.parse_args()
    conv = load_converter(a.converter)
    signal = np.concatenate([np.zeros(RATE // 5, np.float32), speech(a.seconds)])
    torch.set_num_threads(1)
    chain = LiveChain(conv.net, RATE)
    t0 = time.perf_counter()
    for i in range(0, len(signal), 256):
        chain.process(signal[i:i + 256])
    rtf_load = (time.perf_counter() - t0) / (len(signal) / RATE)
    server = start_dummy(RATE, 256)
    audio = AudioProcess(pads=2, voices=4, max_frames=RATE, device=jack_output_device())
    try:
        audio.start()
        before = jack_ports()
        audio.start_input(audio.device)
        client = next(p.split(":")[0] for p in jack_ports() - before if p.endswith(":in_0"))
        with tempfile.TemporaryDirectory() as tmp:
            runs = {"monitor": run(audio, client, None, signal, tmp),
                    "converted": run(audio, client, a.converter, signal, tmp)}
    finally:
        audio.close()
        stop_dummy(server)
    rec = runs["converted"].pop("recording")
    runs["monitor"].pop("recording")
    if a.wav:
        import soundfile as sf
        sf.write(a.wav, rec, RATE, subtype="PCM_24")
    report = {"converter": a.converter, "training_step": conv.meta.get("training", {}).get("step"),
              "jack": "dummy, 48000 Hz, 256 frames", "seconds": round(len(signal) / RATE, 1),
              "added_latency_ms": round(runs["converted"]["delay_ms"] - runs["monitor"]["delay_ms"], 2),
              "added_latency_ms_at_the_end": round(runs["converted"]["delay_ms_at_the_end"]
                                                   - runs["monitor"]["delay_ms"], 2),
              "chain_time_share_of_real_time_1_thread": round(rtf_load, 3),
              **runs}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
