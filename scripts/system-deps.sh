#!/bin/sh
# Install the Debian/Ubuntu system libraries voicecoach needs, when apt is usable.
# Usage: scripts/system-deps.sh runtime|test
#   runtime: PortAudio (microphone), espeak-ng (reading questions aloud), ALSA tools
#   test:    runtime + PulseAudio (virtual real-time microphone) + Chromium (HTML report tests)
# Where apt cannot be used, prints the exact command to run and exits 1 (for `test`) or 0.
set -eu
want="${1:-runtime}"
pkgs="libportaudio2 libasound2 alsa-utils espeak-ng libespeak-ng1 libsndfile1"
if [ "$want" = "test" ]; then
    pkgs="$pkgs pulseaudio pulseaudio-utils libasound2-plugins chromium"
fi
missing=""
if command -v dpkg-query >/dev/null 2>&1; then
    for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing="$missing $p"
    done
else
    echo "voicecoach: not a Debian/Ubuntu system; install the equivalents of:$pkgs" >&2
    exit 0
fi
[ -z "$missing" ] && exit 0
echo "voicecoach: installing system packages:$missing"
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "voicecoach: cannot run apt-get here. Run this once, then retry:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y$missing" >&2
    [ "$want" = "test" ] && exit 1
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
if ! $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
    echo "voicecoach: apt-get failed. Run: sudo apt-get install -y$missing" >&2
    [ "$want" = "test" ] && exit 1
fi
exit 0
