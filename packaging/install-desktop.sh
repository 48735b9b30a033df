#!/usr/bin/env bash
# Add GAN Studio to the desktop menu of the current user: the .desktop entry, icons and AppStream
# metadata under ~/.local/share (or $PREFIX/share). The ganstudio command must be on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
share=${PREFIX:-$HOME/.local}/share
install -Dm644 packaging/ganstudio.desktop "$share/applications/ganstudio.desktop"
install -Dm644 packaging/ganstudio.metainfo.xml "$share/metainfo/io.github.ganstudio.GANStudio.metainfo.xml"
install -Dm644 resources/icons/ganstudio.svg "$share/icons/hicolor/scalable/apps/ganstudio.svg"
for s in 48 128; do
  install -Dm644 "resources/icons/ganstudio-$s.png" "$share/icons/hicolor/${s}x${s}/apps/ganstudio.png"
done
install -Dm644 resources/icons/ganstudio.png "$share/icons/hicolor/256x256/apps/ganstudio.png"
echo "installed the desktop entry under $share"
