#!/usr/bin/env bash
# Makes a virtual screen available for the visual tests (real rendered frames with
# Mesa's software renderer, no display needed): Xvfb and xvfb-run from the host's
# Debian/Ubuntu packages. Safe to run again; does nothing when they are there.
set -euo pipefail

if command -v Xvfb >/dev/null 2>&1 && command -v xvfb-run >/dev/null 2>&1; then
    echo "xvfb: $(command -v Xvfb)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: Xvfb is missing and this is not a Debian/Ubuntu system; install Xvfb and xvfb-run (package xvfb)" >&2
    exit 1
fi
as_root() {
    if [[ "$(id -u)" == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: need root (or sudo) to install Xvfb: $*" >&2
        exit 1
    fi
}
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends xvfb xauth >/dev/null
echo "xvfb: $(command -v Xvfb)"
