#!/usr/bin/env bash
# Debian packages the app needs beyond pip: Qt's xcb platform libraries for a real window,
# PortAudio for the voice, PulseAudio (daemon, pactl/parec, and ALSA's pulse plugin through
# which PortAudio reaches it) for the voice tests' private sound server. Installs what is
# missing when run as root (or with sudo); otherwise says what to install and carries on
# (tests run offscreen and without audio).
set -u
pkgs=(
  libegl1 libgl1 libopengl0 libglib2.0-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-shape0 libxcb-render-util0 libxcb-image0 libxcb-randr0 libxcb-xinerama0
  libportaudio2 pulseaudio-utils libasound2-plugins
)
command -v dpkg-query >/dev/null || exit 0
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
# A desktop running PipeWire keeps it: installing pulseaudio would remove pipewire-pulse
# (they conflict). The sound-server tests skip there, saying pulseaudio is missing.
installed pipewire-pulse || pkgs+=(pulseaudio)
missing=()
for p in "${pkgs[@]}"; do
  installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo -n"; else
  echo "system-deps: please install: ${missing[*]}" >&2; exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || echo "system-deps: could not install ${missing[*]}; voice or the real window may be unavailable" >&2
exit 0
