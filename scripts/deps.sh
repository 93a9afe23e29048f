#!/usr/bin/env bash
# Install every Debian package certpilot needs to build, test and run its demo.
# Idempotent: apt is skipped when everything is already installed.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config git ca-certificates
    libcurl4-openssl-dev libssl-dev libjansson-dev libldns-dev libinih-dev libmicrohttpd-dev
    libcmocka-dev
    openssl curl pebble bind9 bind9-dnsutils nginx-light
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all packages present"
    exit 0
fi

SUDO=()
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps: run as root or install sudo" >&2; exit 1; }
    SUDO=(sudo)
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
# The packaged services are not wanted running: the tests start their own on loopback.
for svc in named bind9 nginx; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
        "${SUDO[@]}" systemctl stop "$svc" || true
    fi
done
