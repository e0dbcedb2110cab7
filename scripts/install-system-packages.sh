#!/usr/bin/env bash
# Debian/Ubuntu libraries that Qt (PySide6) needs: display, fonts, and sound (Qt Multimedia
# plays through PulseAudio; the tests use its null sink as a real audio device). Qt WebEngine
# prints the PDF report offscreen: it needs ALSA, GBM and xkbfile too, and CJK fonts so that
# Chinese text prints as text (fonts-noto-cjk); the tests read PDFs back with pdftotext.
# Installs only what is missing, so running it again costs nothing. Elsewhere it does nothing:
# on Windows and macOS the PySide6 wheels carry what they need.
#
# --test: also what the tests need beyond the app: Debian's PostgreSQL server, which the test
# session starts as a throwaway cluster on loopback (tests/pg_server.py) and stops at the end.
set -euo pipefail
command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 || exit 0

packages=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
          libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
          libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libnss3
          libxcomposite1 libxdamage1 libxrandr2 libxtst6 fonts-dejavu-core
          libpulse0 pulseaudio pulseaudio-utils
          libasound2 libgbm1 libxkbfile1 libxcb-dri3-0 libnspr4 fonts-noto-cjk poppler-utils)
if [ "${1:-}" = "--test" ]; then
    packages+=(postgresql)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
