#!/usr/bin/env bash
# Install the Debian 12 packages certpilot needs to build, test and run its demo.
# Idempotent: when every package is already installed, apt is not run at all.
# Runs apt through sudo when not root.
#
# Besides the build dependencies, the tests use: pebble (a test ACME CA, with
# pebble-challtestsrv), bind9 (a real `named` for the nsupdate hook test),
# bind9-dnsutils (dig, nsupdate), nginx (the --webroot test) and iproute2 (`ip`: the
# DNS tests give each BIND a loopback address of its own). The tests
# start their own instances on loopback; the packaged services are not needed,
# so when this script's install starts them, it stops them again. Test fakes
# (tests/fakes/) are python3 with its standard library, and python3-cryptography
# (the Alibaba fake checks that an uploaded key belongs to its certificate).
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config git
    libcurl4-openssl-dev libssl-dev libjansson-dev libldns-dev libinih-dev libcmocka-dev
    libmicrohttpd-dev
    openssl curl ca-certificates
    pebble bind9-dnsutils bind9 nginx iproute2
    python3 python3-cryptography clang valgrind
)
SERVICES=(named nginx)

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q ' installed$'
}

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#PACKAGES[@]} packages are installed"
    exit 0
fi

SUDO=()
if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "deps: missing packages: ${missing[*]}; run this as root or install sudo" >&2
        exit 1
    fi
    SUDO=(sudo)
fi

have_systemctl() { command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; }
service_active() { have_systemctl && systemctl is-active --quiet "$1" 2>/dev/null; }

was_active=()
for svc in "${SERVICES[@]}"; do
    if service_active "$svc"; then was_active+=("$svc"); fi
done

echo "deps: installing ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

# Stop the packaged services this install started (the tests run their own on
# free loopback ports); leave alone what was running before.
for svc in "${SERVICES[@]}"; do
    case " ${was_active[*]} " in *" $svc "*) continue ;; esac
    if service_active "$svc"; then
        echo "deps: stopping the $svc service that the package started (not needed by certpilot)"
        "${SUDO[@]}" systemctl stop "$svc" || true
    fi
done
echo "deps: done"
