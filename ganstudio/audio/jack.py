"""Start a JACK dummy server for tests and benchmarks on machines without a sound card."""
from __future__ import annotations

import os
import shutil
import subprocess
import time


def _env() -> dict:
    """The environment JACK's tools run in: no D-Bus device reservation (there is no session bus)."""
    return {**os.environ, "JACK_NO_AUDIO_RESERVATION": "1"}


def jack_running() -> bool:
    out = subprocess.run(["jack_wait", "-c"], capture_output=True, text=True, env=_env())
    return out.stdout.strip() == "running"


def realtime_allowed() -> bool:
    """Whether this process may use SCHED_FIFO (root, CAP_SYS_NICE or an rtprio limit)."""
    try:
        return subprocess.run(["chrt", "-f", "10", "true"], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


def start_dummy(rate: int = 48000, period: int = 256, realtime: bool = False) -> subprocess.Popen | None:
    """Start ``jackd -d dummy`` unless a server runs already; returns the process we started.

    ``realtime`` runs the server and its clients' process threads (our audio callback) with
    SCHED_FIFO, as a desktop sound server does; without it a loaded machine starves them.

    Raises FileNotFoundError if jackd is not installed. PortAudio must be (re)initialised after
    this (``sounddevice._terminate(); sounddevice._initialize()``) to see the server.
    """
    if not shutil.which("jackd"):
        raise FileNotFoundError("jackd is not installed (Debian: jackd2)")
    if jack_running():
        return None
    env = _env()
    mode = ["--realtime"] if realtime else ["--no-realtime"]
    proc = subprocess.Popen(["jackd", *mode, "-d", "dummy", "-r", str(rate), "-p", str(period)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    subprocess.run(["jack_wait", "-w", "-t", "10"], check=True, capture_output=True, env=env)
    return proc


def jack_output_device() -> int:
    """The PortAudio index of the JACK output device, after rescanning host APIs."""
    import sounddevice as sd

    from .engine import rescan_devices
    rescan_devices()
    for i, d in enumerate(sd.query_devices()):
        if "JACK" in sd.query_hostapis(d["hostapi"])["name"] and d["max_output_channels"] >= 2:
            return i
    raise RuntimeError("PortAudio does not see the JACK server")


def _jack(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True, env=_env()).stdout


def jack_ports() -> set[str]:
    return {line.strip() for line in _jack("jack_lsp").splitlines() if line.strip()}


def loop_through(client: str, signal, tmp_dir, timeout: float = 60.0, on_play=None):
    """Play ``signal`` (float32 mono, 48 kHz) into JACK client ``client``'s first input and
    record its first output, from a probe client of our own (:mod:`.jack_probe`); returns the
    recording, sample-aligned with ``signal``, as long as it, and how many of the probe's
    cycles the server flagged as xruns while it played. ``on_play()`` is called as the
    probe is told to start (once its own start-up, which loads the machine, is over)."""
    import sys
    from pathlib import Path

    import numpy as np
    play, record = Path(tmp_dir) / "play.npy", Path(tmp_dir) / "record.npy"
    np.save(play, np.asarray(signal, np.float32))
    before = jack_ports()
    probe = subprocess.Popen([sys.executable, "-m", "ganstudio.audio.jack_probe", str(play), str(record)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if probe.stdout.readline().strip() != "ready":
            raise RuntimeError("the JACK probe did not start")
        new = sorted(jack_ports() - before)
        out_port = next(p for p in new if p.endswith(":out_0"))
        in_port = next(p for p in new if p.endswith(":in_0"))
        _jack("jack_connect", out_port, f"{client}:in_0")
        _jack("jack_connect", f"{client}:out_0", in_port)
        if on_play is not None:
            on_play()
        probe.stdin.write("go\n")
        probe.stdin.flush()
        if probe.wait(timeout) != 0:
            raise RuntimeError("the JACK probe failed")
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait()
    got = np.load(record)
    return got[:-1], int(got[-1])


def record_live(audio, client: str, converter, signal, tmp_dir, settle_s: float = 1.0,
                start_timeout_s: float = 120.0) -> dict:
    """Live conversion of ``audio``'s input (an AudioProcess on JACK, input open, as JACK client
    ``client``) with the converter folder ``converter`` (None: passed through), recorded by
    :func:`loop_through` playing ``signal`` once it has run ``settle_s`` on silence. Returns the
    ``recording``, what the live process ``said``, the stream's dropouts (counted while the probe
    started and while it played), and while it played: the input blocks the card flagged as
    overflowed, the output blocks it flagged as underflowed and the probe's own flagged cycles
    (JACK's xruns: sound lost on the way, outside the studio's rings)."""
    from .live import LiveProcess
    live = LiveProcess(audio, converter)
    said, deadline = [], time.monotonic() + start_timeout_s
    while not any(k == "started" for k, _ in said):
        if time.monotonic() > deadline or not live.running:
            said += live.stop()
            raise RuntimeError(f"live conversion did not start: {said}")
        said += live.poll()
        time.sleep(0.02)
    time.sleep(settle_s)                # its past is silence, as in converted_offline's reference
    base = {"all": audio.stream.underruns}
    rec, probe_xruns = loop_through(
        client, signal, tmp_dir, timeout=len(signal) / 48000 * 4 + 30,
        on_play=lambda: base.update(playing=audio.stream.underruns, overflows=audio.input_overflows,
                                    card=audio.underruns))
    counts = {"dropouts_while_the_probe_started": base["playing"] - base["all"],
              "dropouts_while_playing": audio.stream.underruns - base["playing"],
              "input_blocks_the_card_flagged_as_overflowed": audio.input_overflows - base["overflows"],
              "output_blocks_the_card_flagged_as_underflowed": audio.underruns - base["card"],
              "probe_cycles_flagged": probe_xruns}
    said += live.poll() + live.stop()
    return {"recording": rec, "said": said, **counts}


def match_pieces(recording, reference, piece: int = 2400, max_lag: int = 9600, slip: int = 2048,
                 tol: float = 1e-4) -> dict:
    """Where each ``piece``-sample piece of ``reference`` lies in ``recording``, in order: the
    first within ``max_lag`` samples, each next one within ``slip`` of the last placed one (a
    dropout plays silence for part of a block, so everything after it comes that much later; a
    cycle the recording client missed makes it come earlier).
    A piece matches when it equals the recording there to ``tol`` of the reference's peak.
    ``reference`` is one signal or several of the same length ([C, N]: what the chain may have
    made, one candidate each): pieces match against the candidate the last matched piece used,
    and only after a piece that broke against any of them (a stretch lost on the way in can
    change which candidate the chain makes from then on).
    Returns the ``lags`` of the pieces, which ``matched``, the ``candidate`` each was placed
    against and the ``largest_difference`` of those that did; pieces under a tenth of the peak
    are left out. A piece a gap fell into cannot match; nor can what a chain with memory made
    from input that lost a stretch on the way in."""
    import numpy as np
    from scipy.signal import correlate
    refs = np.atleast_2d(np.asarray(reference, np.float64))
    rec = np.asarray(recording, np.float64)
    peak = np.abs(refs[0]).max()
    bound = tol * peak
    lags, matched, used, largest, lo, hi, last = [], [], [], 0.0, 0, max_lag, 0
    allowed = range(len(refs))
    for start in range(0, refs.shape[1] - piece + 1, piece):
        if np.abs(refs[0, start:start + piece]).max() < 0.1 * peak:   # near silence lies anywhere
            continue
        if start + last + piece > len(rec):         # where it would be, the recording has ended
            break
        window = rec[start + lo:start + hi + piece]
        energy = np.convolve(window ** 2, np.ones(piece), "valid")
        best = None
        for c in allowed:
            seg = refs[c, start:start + piece]
            # the lag of least squared difference (the correlation's peak favours louder places)
            lag = lo + int(np.argmin(energy - 2 * correlate(window, seg, "valid")))
            diff = float(np.abs(rec[start + lag:start + lag + piece] - seg).max())
            if best is None or diff < best[1]:
                best = (lag, diff, c)
        lag, diff, c = best
        ok = diff <= bound
        lags.append(lag)
        matched.append(ok)
        used.append(c)
        if ok:
            largest = max(largest, diff)
            lo, hi, last = max(0, lag - slip), lag + slip, lag
            allowed = [c]
        else:
            allowed = range(len(refs))
    return {"lags": lags, "matched": matched, "candidate": used, "largest_difference": largest}


def match_offline(conv, signal, recording, rate: int = 48000, **kw) -> dict:
    """:func:`match_pieces` of the recording of a live conversion against
    :func:`~.live.converted_offline` of ``signal`` at each of the 4 places the chain's frame count
    may have been at when the signal came (it sets the vocoder's phase advance; a block lost on
    the way in moves it on for the rest of the recording, so each piece may be any of the 4, and
    changes only after one that broke), with the ``reference`` the first piece was placed
    against (without a converter there is no phase to try)."""
    import numpy as np

    from .live import converted_offline
    refs = np.stack([converted_offline(conv, signal, rate, lead_blocks=188 + j)
                     for j in range(4 if conv is not None else 1)])
    got = match_pieces(recording, refs, **kw)
    return {**got, "reference": refs[got["candidate"][0] if got["candidate"] else 0]}


def stop_dummy(proc: subprocess.Popen | None) -> None:
    """Shut PortAudio down first (its JACK back end aborts if the server vanishes), then jackd."""
    if proc is None:
        return
    import sounddevice as sd
    while sd._initialized:
        sd._terminate()
    proc.terminate()
    proc.wait(5)
