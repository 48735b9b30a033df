"""Stream to a JACK dummy server at block 256 while the `tiny` preset trains (in a child process as
the app does it, or with --train-mode thread in this process to show why it doesn't), its snapshots
re-rendering the pads ("hear it learn"), and pads triggered every 0.8 s. Prints JSON:
callback interval p50/p99/max, underruns, callback CPU time as a share of its deadline, and
pad-to-sound latency (stream frames from the trigger call to the voice's first sample; the
wall-clock wait adds less than one block, then PortAudio's reported output latency).

    python bench/stream.py --seconds 60
"""
from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time

import numpy as np
import torch

from ganstudio.audio import AudioEngine, SamplerWorker, VoiceMixer
from ganstudio.audio.jack import jack_output_device, realtime_allowed, start_dummy, stop_dummy
from ganstudio.audio.process import AudioProcess
from ganstudio.audio.texture import TextureStream
from ganstudio.data import Dataset, ImportSettings
from ganstudio.library import render_kit
from ganstudio.models import Generator
from ganstudio.training import TrainControl, Trainer, model_config_for, recipe
from ganstudio.training.subprocess import TrainerProcess


def mix_cpu_share(voices: int, block: int = 256, rate: int = 48000, blocks: int = 2000,
                  stereo: bool = False) -> dict:
    """The mix loop's CPU time per block as a share of the block's deadline, with ``voices``
    looping, pitched, reversed, trimmed voices, mono or (``stereo``) all true-stereo pads (no
    stream: the callback's own work, measured)."""
    from ganstudio.audio.voices import VoiceMixer
    mixer = VoiceMixer(pads=17, voices=voices, max_frames=4 * rate, max_block=4096)
    rng = np.random.default_rng(0)
    for p in range(16):
        mixer.load_clip(p, (0.1 * rng.standard_normal((rate, 2) if stereo else rate)).astype(np.float32))
    for v in range(voices):
        mixer.trigger(v % 16, gain=0.3, rate=0.75 + 0.5 * v / voices, loop=True, reverse=bool(v % 2),
                      start=0.1, end=0.9)
    out = np.zeros((block, 2), np.float32)
    times = np.empty(blocks)
    for i in range(blocks):
        out.fill(0.0)
        t0 = time.perf_counter()
        mixer.mix_into(out)
        times[i] = time.perf_counter() - t0
    deadline = block / rate
    return {"voices": voices, "stereo": stereo, "share_p50": round(float(np.percentile(times, 50) / deadline), 4),
            "share_p99": round(float(np.percentile(times, 99) / deadline), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--block", type=int, default=256)
    ap.add_argument("--rate", type=int, default=48000)
    ap.add_argument("--train-mode", default="none,child,thread",
                    help="comma list of: child (a child process, the app's way), thread (a thread of this "
                         "process), none; each streams --seconds in turn, in this one run")
    ap.add_argument("--texture", action="store_true", help="also play texture mode")
    ap.add_argument("--snapshot-every", type=int, default=25, help="training steps between snapshots")
    ap.add_argument("--no-realtime", action="store_true",
                    help="run JACK without SCHED_FIFO even where it is allowed")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the training process")
    ap.add_argument("--train-threads", type=int, default=0, help="torch threads (0 = torch's default)")
    ap.add_argument("--engine", choices=("process", "inline"), default="process",
                    help="the callback in its own process (the app's way) or in this process")
    ap.add_argument("--mix-table", action="store_true",
                    help="only measure the mix loop's CPU share at 8, 32 and 64 voices (no stream)")
    a = ap.parse_args()
    if a.mix_table:
        print(json.dumps({"block": a.block, "rate": a.rate,
                          "mix_cpu_share": [mix_cpu_share(v, a.block, a.rate, stereo=st)
                                            for st in (False, True) for v in (8, 32, 64)]}, indent=1))
        return
    if a.train_threads:
        torch.set_num_threads(a.train_threads)
    realtime = realtime_allowed() and not a.no_realtime
    jack = start_dummy(a.rate, a.block, realtime=realtime)
    try:
        device = jack_output_device()
        modes = a.train_mode.split(",")
        reports = {m: run(a, m, device) for m in modes}
    finally:
        stop_dummy(jack)
    out = {"realtime_jack": realtime, "modes": reports}
    if "child" in reports and "thread" in reports:     # the comparison, within this one run
        c, t = reports["child"], reports["thread"]
        out["thread_vs_child"] = {
            "interval_max_ratio": round(t["interval_ms_max"] / c["interval_ms_max"], 2),
            "underruns": [t["underruns"], c["underruns"]],
            "train_steps_ratio": round(t["train_steps"] / max(c["train_steps"], 1), 3)}
    print(json.dumps(out, indent=2))


def run(a, mode: str, device: int) -> dict:
    """Stream for ``a.seconds`` with training in ``mode``; the engine's figures as a dict."""
    ds = Dataset.from_arrays(render_kit(per_class=12), ImportSettings())
    mc = model_config_for(ds, "tiny", False)
    if a.engine == "process":          # the app's way: the callback in its own process
        engine = AudioProcess(pads=16, voices=16, max_frames=2 * a.rate, sample_rate=a.rate, blocksize=a.block,
                              channels=2, device=device)
        mixer = engine.mixer
    else:
        mixer = VoiceMixer(pads=16, voices=16, max_frames=2 * a.rate, max_block=4096)
        engine = AudioEngine(mixer, a.rate, a.block, channels=2, device=device)
    worker = SamplerWorker(mixer, Generator(mc).eval().requires_grad_(False), device_rate=a.rate)
    texture = TextureStream(engine.texture, Generator(mc).eval(), device_rate=a.rate) if a.texture else None
    worker.start()
    worker.wait_idle()
    if texture:
        texture.start()
        engine.texture_on, engine.texture_gain = True, 0.3

    def snapshot(g, step):
        worker.submit_generator(g, step)
        if texture:
            texture.submit_generator(g, step)
    control, steps = TrainControl(), {"n": 0}
    trainer_thread = child = None
    tmp = tempfile.mkdtemp()
    tc = recipe("tiny", snapshot_every=a.snapshot_every, checkpoint_every=10**9, checkpoint_minutes=1e9)
    count = lambda p: steps.__setitem__("n", p.step)  # noqa: E731
    if mode == "thread":
        trainer = Trainer(ds, tmp, mc, tc, control=control, snapshot_fn=snapshot, progress_fn=count)
        trainer_thread = threading.Thread(target=trainer.run, daemon=True)
        trainer_thread.start()
    elif mode == "child":
        child = TrainerProcess(ds, tmp, mc, tc, progress_fn=count, snapshot_fn=snapshot,
                               threads=a.train_threads, nice=a.nice)
        child.start()
    engine.start()
    time.sleep(0.3)
    latencies, pending = [], None
    drained = 0
    buf = np.zeros((engine.scope.capacity, 2), np.float32)
    rng = np.random.default_rng(0)
    t_end = time.monotonic() + a.seconds
    next_trigger = time.monotonic() + 0.5
    while time.monotonic() < t_end:
        n = engine.scope.available()
        engine.scope.read_into(buf[:n])
        if pending is not None:
            hits = np.flatnonzero(np.abs(buf[:n, 0]) > 1e-4)
            hits = hits[drained + hits >= pending]
            if hits.size:
                latencies.append((drained + hits[0] - pending) / a.rate)
                pending = None
        drained += n
        if time.monotonic() >= next_trigger and pending is None and not a.texture:
            pending = engine.frames
            mixer.trigger(int(rng.integers(16)))
            next_trigger = time.monotonic() + 0.8
        time.sleep(0.02)
    out_latency = engine.output_latency_s
    engine.stop()
    control.stop()
    if trainer_thread:
        trainer_thread.join(60)
    if child:
        child.stop()
        child.join(60)
    worker.stop()
    if texture:
        texture.stop()
    stats = engine.timing_stats()
    tex_underruns = engine.texture.underruns if a.texture else None
    if a.engine == "process":
        engine.close()
    lat_ms = np.array(latencies) * 1000
    report = {"seconds": a.seconds, "block": a.block, "rate": a.rate, "train_mode": mode,
              "texture": a.texture, "train_steps": steps["n"], "torch_threads": torch.get_num_threads(),
              "engine": a.engine, **stats, "texture_underruns": tex_underruns,
              "pad_presses": len(latencies),
              # frames of stream between the press and the voice's first sample: 0 means the
              # sound starts with the very next block (wall-clock wait < one block)
              "pad_to_sound_stream_ms_p50": round(float(np.median(lat_ms)), 2) if len(lat_ms) else None,
              "pad_to_sound_stream_ms_max": round(float(lat_ms.max()), 2) if len(lat_ms) else None,
              "block_ms": round(1000 * a.block / a.rate, 2),
              "portaudio_output_latency_ms": round(1000 * out_latency, 2)}
    return report


if __name__ == "__main__":
    main()
