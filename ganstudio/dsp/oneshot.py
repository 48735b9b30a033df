"""Clean one-shots: a generated sound starts at its onset (with a 1 ms fade-in, so the first
sample is zero and nothing clicks) and ends in true silence where it has decayed into its own
floor (a gate with a 30 ms fade, so the crackle and hiss a young generator leaves in the tail
never reach a stem); its length follows the sound.

Thresholds follow how ``shared/tools/stem_hygiene.py`` judges a stem (a 5 ms envelope; the sound
has decayed 60 dB below its peak, and nothing may come back over -45 dB after that); see
:func:`oneshot_bounds`. A tail that goes on decaying is kept down to -80 dB, not cut at -60: a
cut at -60 dB takes the last of a real decay too (run 22 in ``docs/quality.md``). Past -60 dB the
tail must keep falling: real drum tails there climb a median 3 dB (90th percentile 13.5 dB) over
their lowest point so far, a young generator's crackle 11-18 dB. Such crackle is turned down to
the decay it interrupts (tail rule 3), not cut there with the rest of the decay (rule 2): cut, a
young drum model's tails lost a median 0.1 s and read further from real (run 24).
"""
from __future__ import annotations

import numpy as np

from .stereo import to_mono

START_DB = -30.0     # where stem_hygiene.py (and a sound designer) puts the onset
END_DB = -80.0       # where the tail is faded out, when it decays cleanly that far
DECAYED_DB = -60.0   # where stem_hygiene.py says the sound has decayed: past it, a tail ...
RISE_DB = 10.0       # ... climbing this far over its own lowest point so far is crackle, not decay
# how a tail ends: 3 (the default) down to -80 dB, the part past -60 dB held under its lowest point
# so far plus HELD_RISE_DB, so crackle that climbs back is turned down instead of ending the
# sound; 2 down to -80 dB but cut where it climbs RISE_DB back; 1 cut where it first falls 60 dB
# under the peak. Stems made by an older rule record it in their sidecars and remake with it.
TAIL_RULES = (1, 2, 3)
TAIL_RULE = 3
HELD_RISE_DB = 3.0     # a real tail's median climb over its running minimum past -60 dB (run 22)
SUSTAINED_DB = -30.0
FLOOR_MARGIN_DB = 6.0
PREROLL_S = 0.001
FADE_IN_S = 0.001
FADE_OUT_S = 0.030     # quadratic: the last 10 ms are 19 dB under the gate already
TAIL_SILENCE_S = 0.010  # true digital silence after the fade: the stem ends on silence, not on a fade
HOLD_S = 0.020          # the envelope must stay under the gate this long (not a dip between hits)
ENV_S = 0.005


def _db(x: float) -> float:
    return float(10.0 ** (x / 20.0))


def _envelope(a: np.ndarray, rate: int) -> np.ndarray:
    """The 5 ms moving average of ``a`` (|x|), centred, same length."""
    w = max(1, int(ENV_S * rate))
    return np.convolve(a, np.ones(w, np.float32) / w, mode="same")


def _floor_gate(env: np.ndarray) -> float:
    """6 dB over the envelope's quietest fifth, or 0 where that is within 30 dB of its peak (a
    sustained sound, not a floor)."""
    floor = float(np.percentile(env, 20))
    return floor * _db(FLOOR_MARGIN_DB) if floor < float(env.max()) * _db(SUSTAINED_DB) else 0.0


def held_tail_gain(x: np.ndarray, rate: int) -> np.ndarray:
    """Tail rule 3's gain for mono float32 ``x`` at ``rate``: float32 [frames], 1 up to where the
    5 ms envelope first falls 60 dB under the peak (after the peak), and after it whatever holds
    the envelope under its own lowest point so far plus :data:`HELD_RISE_DB`. A decay passes
    untouched (a real tail's wobble climbs a median 3 dB); crackle that climbs back 11-18 dB, as a
    young generator's does, is turned down to the decay it interrupts. Over a hiss floor higher
    than -60 dB nothing is turned down: the floor gate ends such sounds, and the silent gaps
    between a clap's bursts are dips, not a decay."""
    a = np.abs(np.asarray(x, dtype=np.float32))
    gain = np.ones(len(a), np.float32)
    peak = float(a.max()) if len(a) else 0.0
    if peak <= 0.0:
        return gain
    env = _envelope(a, rate)
    top = int(np.argmax(env))
    down = np.flatnonzero(env[top:] < peak * _db(DECAYED_DB))
    if down.size and _floor_gate(env) < peak * _db(DECAYED_DB):
        d = top + int(down[0])
        held = np.minimum.accumulate(env[d:]) * np.float32(_db(HELD_RISE_DB))
        gain[d:] = np.minimum(1.0, held / np.maximum(env[d:], np.float32(1e-30)))
    return gain


def oneshot_bounds(x: np.ndarray, rate: int, tail: int = TAIL_RULE) -> tuple[int, int]:
    """(start, end) frames of the sound in mono float32 ``x`` at ``rate``, its tail ended by rule
    ``tail`` (:data:`TAIL_RULES`).

    The gates sit at -30 dB (start) and -80 dB (end) below the peak, or 6 dB above the clip's
    own floor (its quietest fifth) when a hiss floor is higher than that; a floor within 30 dB
    of the peak is a sustained sound, not a floor, and gates nothing. The sound is the event
    around the envelope's peak: it starts 1 ms before the first sample over the start gate after
    the last 20 ms of silence before the peak (a tick parted from the hit by silence is dropped;
    a swell keeps its lead-in), and ends where the envelope, after the peak, falls under the end
    gate (stays under it for 20 ms, for a floor gate); the 30 ms fade-out ends there. Once it has
    fallen under -60 dB, a tail also ends where its envelope climbs 10 dB over its lowest point
    so far: what climbs back is crackle, not the decay. Rule 1 ends every tail at -60 dB; rule 3
    ends it at -80 dB alone (its crackle is turned down first, by :func:`held_tail_gain`)."""
    if tail not in TAIL_RULES:
        raise ValueError(f"unknown tail rule {tail!r}; choose from {TAIL_RULES}")
    end_db = DECAYED_DB if tail == 1 else END_DB
    a = np.abs(np.asarray(x, dtype=np.float32))
    n = len(a)
    peak = float(a.max()) if n else 0.0
    if peak <= 0.0 or n < 4:
        return 0, n
    env = _envelope(a, rate)
    floor_gate = _floor_gate(env)
    start_gate = max(peak * _db(START_DB), floor_gate)
    end_gate = max(peak * _db(end_db), floor_gate)
    decayed = peak * _db(DECAYED_DB)
    decayed_gate = max(decayed, floor_gate)
    hold_s = max(1, int(HOLD_S * rate))
    top = int(np.argmax(env))
    # the sound is the event around the peak: a tick before it, parted from it by 20 ms of
    # silence (a young generator's pre-echo), is not part of it
    head = 0
    if top >= hold_s:
        quiet_runs = np.convolve((env[:top] < decayed_gate).astype(np.int32), np.ones(hold_s, np.int32), mode="valid")
        gaps = np.flatnonzero(quiet_runs == hold_s)
        if gaps.size:
            head = int(gaps[-1])
    # the start from the samples themselves: the centred envelope rises 2.5 ms early
    above = a[head:top + 1] > start_gate
    first = head + int(np.argmax(above)) if bool(above.any()) else top
    start = max(0, first - int(round(PREROLL_S * rate)))
    under = env[top:] < end_gate
    # below -80 dB the sound has ended: cut at the first frame (crackle after it must not count
    # as sound); a gate set by a hiss floor waits 20 ms, so a dip between hits is not an end
    hold = hold_s if floor_gate > peak * _db(end_db) else 1
    end = n
    if len(under) >= hold:
        # the first frame whose next `hold` frames are all under the gate
        runs = np.convolve(under.astype(np.int32), np.ones(hold, np.int32), mode="valid")
        quiet = np.flatnonzero(runs == hold)
        if quiet.size:
            # the fade ends at the gate: what follows (the crackle and hiss of a young
            # generator's tail) never reaches the stem
            end = top + int(quiet[0])
    # past -60 dB a tail must keep decaying: it ends where it climbs back (crackle); the fade
    # before that point takes it down from where it still decayed. A floor gate above -60 dB
    # ends the tail as rule 1 does, so rule 2 never ends a sound sooner.
    if tail == 2 and end_gate < decayed:       # rule 3 turns the climb down instead (held_tail_gain)
        down = np.flatnonzero(env[top:end] < decayed)
        if down.size:
            low = env[top + int(down[0]):end]
            rising = np.flatnonzero(low > np.minimum.accumulate(low) * _db(RISE_DB))
            if rising.size:
                end = top + int(down[0]) + int(rising[0])
    return (start, max(start + 2, end)) if end < n else (start, n)


def clean_oneshot(x: np.ndarray, rate: int, tail: int = TAIL_RULE) -> np.ndarray:
    """``x`` (float32 [frames], or [frames, channels] cut where their mono mix is, so a stereo
    sound keeps its image, at ``rate``) from 1 ms before its onset to where it has decayed (tail
    rule ``tail``), with a 1 ms fade-in, a 30 ms fade-out to zero and 10 ms of true silence;
    silence stays as it is. Rule 3 first holds the tail past -60 dB to its decay
    (:func:`held_tail_gain`, the same gain on every channel)."""
    x = np.asarray(x, dtype=np.float32)
    if tail == 3:
        gain = held_tail_gain(to_mono(x), rate)
        x = x * (gain if x.ndim == 1 else gain[:, None])
    start, end = oneshot_bounds(to_mono(x), rate, tail)
    if (start, end) == (0, len(x)) and (not len(x) or float(np.abs(x).max()) == 0.0):
        return x.copy()
    y = x[start:end].copy()
    col = (-1,) + (1,) * (y.ndim - 1)       # a ramp over frames, the same on every channel
    n_in = min(len(y), max(1, int(round(FADE_IN_S * rate))))
    y[:n_in] *= np.linspace(0.0, 1.0, n_in, endpoint=False, dtype=np.float32).reshape(col)
    n_out = min(len(y) - n_in, max(1, int(round(FADE_OUT_S * rate))))
    if n_out > 0:
        y[len(y) - n_out:] *= (np.linspace(1.0, 0.0, n_out + 1, dtype=np.float32)[1:] ** 2).reshape(col)
    return np.concatenate([y, np.zeros((int(round(TAIL_SILENCE_S * rate)),) + y.shape[1:], np.float32)])


def clean_oneshots(clips: np.ndarray, rate: int) -> np.ndarray:
    """:func:`clean_oneshot` of each of ``clips`` [N, frames], back in an [N, frames] array (each
    onset-aligned at the start, silence after its end): a batch as the pads play it, for measures
    that need equal lengths."""
    out = np.zeros_like(clips)
    for i, c in enumerate(clips):
        y = clean_oneshot(c, rate)[:clips.shape[1]]
        out[i, :len(y)] = y
    return out
