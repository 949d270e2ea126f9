#!/usr/bin/env bash
# Sourced by the install scripts: a private Debian sid root (debootstrap) holding
# packages the host does not have, without touching the host's own packages. Programs
# in it are run through the root's own dynamic loader (see root_loader_command).
#
#   debian_root_install PACKAGE...   make the root (with these packages) or add them
#
# sets ROOT and LIB. Safe to run again and from two installs at once: a finished root
# is reused, and only a complete root gets its final name.

ROOT="${SIMULACRA_CACHE:-$HOME/.cache/simulacra}/godot-sid"
TMP="$ROOT.tmp"
LIB="$ROOT/usr/lib/x86_64-linux-gnu"

source "$(dirname "${BASH_SOURCE[0]}")/as_root.sh"

# Another run may be building the root right now; wait for it rather than deleting
# its work. A .tmp that nothing has written to for 2 minutes is stale.
wait_for_other_build() {
    local waited=0 last_change
    while [[ -d "$TMP" && ! -d "$ROOT" ]]; do
        last_change="$(find "$TMP" -xdev -newermt '2 minutes ago' -print -quit 2>/dev/null || true)"
        if [[ -z "$last_change" ]]; then
            return 0
        fi
        if ((waited == 0)); then
            echo "another install is writing $TMP; waiting for it to finish"
        fi
        sleep 5
        waited=$((waited + 5))
        if ((waited > 1800)); then
            echo "error: gave up waiting for $TMP after 30 minutes" >&2
            exit 1
        fi
    done
}

debian_root_install() {
    if [[ ! -r /etc/debian_version ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "error: unsupported OS: the private root can only be made on Debian or Ubuntu." >&2
        return 1
    fi
    if [[ ! -d "$ROOT" ]]; then
        wait_for_other_build
    fi
    if [[ ! -d "$ROOT" ]]; then
        if ! command -v debootstrap >/dev/null 2>&1; then
            as_root apt-get update
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
        fi
        mkdir -p "$(dirname "$ROOT")"
        if [[ -e "$TMP" ]]; then
            echo "removing the stale, unfinished root $TMP"
            as_root rm -rf "$TMP"
        fi
        as_root debootstrap --variant=minbase sid "$TMP" http://deb.debian.org/debian
        as_root chroot "$TMP" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends "$@"
        # Only a complete root gets the final name, so an interrupted run is redone.
        as_root mv "$TMP" "$ROOT"
        return 0
    fi
    local missing=() package
    for package in "$@"; do
        if ! dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
            missing+=("$package")
        fi
    done
    if ((${#missing[@]})); then
        echo "adding ${missing[*]} to the private root $ROOT"
        # The package lists debootstrap left are tried first; fresher ones only if they
        # fail (a mirror's snapshot may be past its Valid-Until date: accept it).
        if ! as_root chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends "${missing[@]}"; then
            as_root chroot "$ROOT" apt-get -o Acquire::Check-Valid-Until=false update
            as_root chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y --no-install-recommends "${missing[@]}"
        fi
    fi
}
