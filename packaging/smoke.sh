#!/usr/bin/env bash
# Smoke test of the built app: it starts offscreen, plays the embedded demo model's pads on a JACK
# dummy server, trains briefly from the panel (the training child process must start from the
# frozen app) and records what was played; fails unless both worked.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=${1:-dist/ganstudio/ganstudio}
export QT_QPA_PLATFORM=offscreen JACK_NO_AUDIO_RESERVATION=1
started=""
if [ "$(jack_wait -c 2>/dev/null)" != "running" ]; then
  jackd --no-realtime -d dummy -r 48000 -p 256 >/dev/null 2>&1 &
  started=$!
  jack_wait -w -t 10 >/dev/null
fi
out=$(mktemp --suffix=.wav)
status=0
HOME=$(mktemp -d) "$APP" selftest --device JACK --seconds 3 --train --out "$out" || status=$?
[ -n "$started" ] && kill "$started"
[ "$status" = 0 ] && python3 - "$out" <<'PY'
import sys, wave, struct
w = wave.open(sys.argv[1])
print(f"smoke: {w.getnframes() / w.getframerate():.2f} s recorded at {w.getframerate()} Hz")
PY
exit $status
