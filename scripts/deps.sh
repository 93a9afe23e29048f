#!/usr/bin/env bash
# Install the Debian packages certpilot needs to build, test and run its demo,
# on Debian 12 (bookworm) and Debian 13 (trixie). Idempotent: when every
# package is already installed, apt is not run at all. Runs apt through sudo
# when not root.
#
# Besides the build dependencies, the tests use: pebble (a test ACME CA, with
# pebble-challtestsrv), bind9 (a real `named` for the nsupdate hook test),
# bind9-dnsutils (dig, nsupdate), nginx (the --webroot test) and iproute2 (`ip`: the
# DNS tests give each BIND a loopback address of its own). The tests
# start their own instances on loopback; the packaged services are not needed,
# so when this script's install starts them, it stops them again. Test fakes
# (tests/fakes/) are python3 with its standard library, and python3-cryptography
# (the Alibaba fake checks that an uploaded key belongs to its certificate); certbot
# makes the real files `certpilot import certbot` is tested with.
# nodejs and npm run Alibaba's own SDKs (from the npm registry) against that fake;
# valgrind, clang and clang's runtime (libFuzzer, sanitizers: libclang-rt-N-dev,
# N being the version of the distribution's clang) the memory checks and the
# fuzzers; `time` (/usr/bin/time) the benchmark's smoke test.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config git
    libcurl4-openssl-dev libssl-dev libjansson-dev libldns-dev libinih-dev libcmocka-dev
    libmicrohttpd-dev libidn2-dev
    openssl curl ca-certificates
    pebble bind9-dnsutils bind9 nginx iproute2
    python3 python3-cryptography clang valgrind time certbot
    nodejs
)
SERVICES=(named nginx)

SUDO=()
if [ "$(id -u)" != 0 ]; then
    SUDO=(sudo)
fi

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q ' installed$'
}

# npm comes with some nodejs builds (NodeSource's provides it and conflicts with
# Debian's npm package): ask for the package only when there is no npm command.
wanted() {
    printf '%s\n' "${PACKAGES[@]}"
    command -v npm >/dev/null 2>&1 || echo npm
    # clang's runtime is versioned like clang itself: 14 on Debian 12, 19 on 13.
    local v
    if command -v clang >/dev/null 2>&1; then
        v=$(clang -dumpversion | cut -d. -f1)
    else
        v=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
    fi
    [ -z "$v" ] || echo "libclang-rt-$v-dev"
}

missing_packages() {
    local p
    while read -r p; do
        installed "$p" || echo "$p"
    done < <(wanted)
}

have_systemctl() { command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; }
service_active() { have_systemctl && systemctl is-active --quiet "$1" 2>/dev/null; }

apt_install() {
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all packages are installed"
    exit 0
fi
if [ ${#SUDO[@]} -gt 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "deps: missing packages: ${missing[*]}; run this as root or install sudo" >&2
    exit 1
fi

was_active=()
for svc in "${SERVICES[@]}"; do
    if service_active "$svc"; then was_active+=("$svc"); fi
done

echo "deps: installing ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
# Asked again after the update: a fresh system's package lists only now name clang's version.
mapfile -t missing < <(missing_packages)
apt_install "${missing[@]}"
# clang came with this install: its runtime's name is known only now.
mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

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
