#!/usr/bin/env bash
# What the town needs to draw on this machine: a virtual screen for the visual tests
# (Xvfb and xvfb-run: real frames from Mesa's software renderer, no display needed)
# and a colour emoji font for the NPCs' activity bubbles (Noto Color Emoji, which
# Godot finds through the host's fontconfig). From the host's Debian/Ubuntu packages.
# Safe to run again; does nothing when they are there.
set -euo pipefail

EMOJI_FONT=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
if command -v Xvfb >/dev/null 2>&1 && command -v xvfb-run >/dev/null 2>&1 && [[ -f "$EMOJI_FONT" ]]; then
    echo "display: $(command -v Xvfb), $EMOJI_FONT"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: Xvfb or the emoji font is missing and this is not a Debian/Ubuntu system;" \
         "install Xvfb, xvfb-run and Noto Color Emoji" >&2
    exit 1
fi
source "$(dirname "${BASH_SOURCE[0]}")/as_root.sh"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends xvfb xauth fonts-noto-color-emoji >/dev/null
echo "display: $(command -v Xvfb), $EMOJI_FONT"
