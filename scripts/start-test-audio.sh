#!/usr/bin/env bash
# A real audio device for the tests: PulseAudio with a null sink (no sound card needed).
# Safe to run repeatedly. As root PulseAudio warns that it is not meant for root; it works.
set -u
command -v pulseaudio >/dev/null 2>&1 || { echo "pulseaudio is not installed" >&2; exit 1; }
if ! pulseaudio --check 2>/dev/null; then
    pulseaudio -D --exit-idle-time=-1 --disallow-exit 2>/dev/null || true
    for _ in $(seq 1 50); do pulseaudio --check 2>/dev/null && break; sleep 0.1; done
fi
pactl list short sinks 2>/dev/null | grep -q null || pactl load-module module-null-sink sink_name=null >/dev/null
pactl set-default-sink null >/dev/null 2>&1 || true
pulseaudio --check
