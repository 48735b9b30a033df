#!/usr/bin/env bash
# Install GAN Studio on a fresh Debian/Ubuntu machine: system libraries (as root), then a venv in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
APT_PACKAGES=(
  libportaudio2 jackd2 alsa-utils sox              # sound: PortAudio, a JACK dummy server, measuring
  xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-cursor0 libxkbcommon0 libxkbcommon-x11-0
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3   # Qt 6 on X11 and offscreen
)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
elif [ "$(id -u)" != 0 ]; then
  echo "note: not root, skipping system packages (${APT_PACKAGES[*]})" >&2
fi
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
# constraints.txt pins torch to the small CPU build; a plain torch range would pull the CUDA one.
.venv/bin/python -m pip install -q -c constraints.txt -e ".[test,midi]" 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c "import ganstudio, torch, soundfile, soxr; print('ganstudio', ganstudio.__version__, 'torch', torch.__version__)"
