#!/usr/bin/env bash
# Install the built Debian packages on a fresh minimal Debian and check them there.
#
#   scripts/package-test.sh DIST [DEBDIR]   # DIST: bookworm or trixie; DEBDIR: build-deb/
#   scripts/package-test.sh --build DIST    # first build them in a fresh DIST chroot
#                                           # (scripts/package.sh there) into build-deb-DIST/
#
# As root. The chroot is `debootstrap --variant=minbase DIST`, made once and kept
# under /var/cache/certpilot-package-test/ (with apt's downloaded packages, so a
# second run is fast); every run works on a fresh copy of it, removed at the end.
# apt-get installs ./certpilot_*.deb ./libcertpilot-dev_*.deb there, pulling
# their dependencies from Debian by name; then one PASS/FAIL line per check.
# Exits non-zero when a check fails. Needs minutes and the network: not part
# of .ci/run.
set -euo pipefail

cd "$(dirname "$0")/.."
TOP=$PWD
MIRROR=http://deb.debian.org/debian
CACHE=/var/cache/certpilot-package-test

usage() { echo "usage: $0 [--build] bookworm|trixie [DEBDIR]" >&2; exit 2; }
build=no
if [ "${1:-}" = --build ]; then build=yes; shift; fi
DIST=${1:-}
case "$DIST" in bookworm|trixie) ;; *) usage ;; esac
if [ "$(id -u)" != 0 ]; then
    echo "package-test: debootstrap and chroot need root" >&2
    exit 2
fi

WORK=
ROOT=
MOUNTS=()

# Everything mounted is unmounted again, and the copy removed only once nothing
# is mounted below it (rm would otherwise reach the host's /dev or the cache).
cleanup() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" || true
    done
    MOUNTS=()
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if grep -q " $WORK/" /proc/mounts; then
            echo "package-test: still mounted below $WORK; not removing it" >&2
        else
            rm -rf "$WORK"
        fi
    fi
    WORK=
    ROOT=
}
trap cleanup EXIT
trap 'exit 130' INT TERM

have_debootstrap() {
    command -v debootstrap >/dev/null 2>&1 && return 0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
}

# The base system of DIST, made once.
base() {
    local dir=$CACHE/$DIST
    if [ ! -e "$dir/.complete" ]; then
        have_debootstrap
        rm -rf "$dir.tmp"
        mkdir -p "$CACHE"
        echo "package-test: debootstrap --variant=minbase $DIST (once; kept in $dir)"
        debootstrap --variant=minbase "$DIST" "$dir.tmp" "$MIRROR" >"$CACHE/$DIST.log" 2>&1 || {
            tail -20 "$CACHE/$DIST.log" >&2
            return 1
        }
        rm -rf "$dir"
        mv "$dir.tmp" "$dir"
        touch "$dir/.complete"
    fi
    mkdir -p "$CACHE/$DIST-archives/partial"
}

mount_in() {  # mount_in TARGET mount-args...
    local target=$ROOT$1
    shift
    mkdir -p "$target"
    mount "$@" "$target"
    MOUNTS+=("$target")
}

# A fresh copy of the base, ready for apt: the host's DNS and CAs (this network
# may need them for HTTPS), /proc, /sys, /dev, apt's cache, no service started.
fresh_root() {
    base
    WORK=$(mktemp -d /var/tmp/certpilot-package-test.XXXXXX)
    ROOT=$WORK/root
    cp -a "$CACHE/$DIST" "$ROOT"
    rm -f "$ROOT/.complete"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    mkdir -p "$ROOT/usr/local/share/ca-certificates"
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
    fi
    printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
    chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
    mount_in /proc -t proc proc
    mount_in /sys -t sysfs sysfs
    mount_in /dev --bind /dev
    mount_in /dev/pts --bind /dev/pts
    mount_in /var/cache/apt/archives --bind "$CACHE/$DIST-archives"
    in_root apt-get -q update >/dev/null
    apt_in ca-certificates >/dev/null
    in_root update-ca-certificates >/dev/null
}

in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
apt_in() { in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; }

# The same tree (without build output) into the chroot, scripts/package.sh there.
build_in_root() {
    local out=$TOP/build-deb-$DIST
    echo "package-test: building the packages in a fresh $DIST chroot"
    fresh_root
    mkdir -p "$ROOT/src/certpilot"
    tar -C "$TOP" --exclude=./.git --exclude=./build --exclude='./build-*' --exclude=./demo-state \
        --exclude='./obj-*' -cf - . | tar -C "$ROOT/src/certpilot" -xf -
    in_root bash /src/certpilot/scripts/package.sh /src/out
    rm -rf "$out"
    mkdir -p "$out"
    cp "$ROOT"/src/out/*.deb "$ROOT"/src/out/*.changes "$ROOT"/src/out/*.buildinfo "$out/"
    cleanup
    DEBDIR=$out
}

failed=0
# check NAME command...: one PASS/FAIL line, the command's output on failure. The
# command runs as an if's condition, where set -e does not hold: each t_ chains its steps.
check() {
    local name=$1 log
    shift
    log=$(mktemp)
    if "$@" >"$log" 2>&1; then
        echo "PASS $name"
    else
        echo "FAIL $name"
        sed 's/^/    /' "$log" | tail -20
        failed=1
    fi
    rm -f "$log"
}

t_install() {
    in_root sh -c 'cd /tmp/debs && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./certpilot_*.deb ./libcertpilot-dev_*.deb'
}
t_version() {
    local out
    out=$(in_root certpilot --version)
    echo "certpilot --version: $out (package $version)"
    [ "$out" = "certpilot $version" ]
}
t_tools() { apt_in man-db systemd gcc libc6-dev pkg-config; }
t_man() {
    in_root sh -c 'man -P cat certpilot | grep -q "^NAME" && man -P cat 5 certpilot.ini | grep -q "^NAME"'
}
unit() { in_root dpkg -L certpilot | grep "/systemd/system/certpilot-renew\.$1\$"; }
t_units() {
    local timer service
    timer=$(unit timer) && service=$(unit service) || return 1
    echo "$timer $service"
    grep -qx 'OnCalendar=\*-\*-\* 00,12:00:00' "$ROOT$timer" &&
        grep -qx 'WantedBy=timers.target' "$ROOT$timer" &&
        grep -qx 'ExecStart=/usr/bin/certpilot renew --interval 43200' "$ROOT$service"
}
t_verify() { in_root systemd-analyze verify "$(unit timer)" "$(unit service)"; }
t_enabled() { [ -L "$ROOT/etc/systemd/system/timers.target.wants/certpilot-renew.timer" ]; }
t_config() {
    local f=/etc/certpilot/certpilot.ini
    in_root dpkg-query -W -f='${Conffiles}\n' certpilot | grep -q " $f " &&
        [ "$(stat -c '%a %U:%G' "$ROOT$f")" = "644 root:root" ] &&
        in_root certpilot check &&
        in_root certpilot renew
}
t_pkgconfig() { in_root pkg-config --cflags --libs certpilot; }
t_embed() {
    cp "$TOP/examples/embed.c" "$ROOT/tmp/embed.c" &&
        in_root sh -c 'cc -o /tmp/embed /tmp/embed.c $(pkg-config --cflags --libs certpilot)' || return 1
    # without arguments it prints its usage and exits 2: it links and runs
    local rc=0
    in_root /tmp/embed || rc=$?
    [ "$rc" = 2 ]
}
t_state() {
    local got
    got=$(stat -c '%a %U:%G' "$ROOT/var/lib/certpilot")
    echo "/var/lib/certpilot: $got"
    [ "$got" = "700 root:root" ]
}
t_remove() {
    in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q certpilot libcertpilot-dev
    # the state (accounts, keys) stays, as README.md says
    [ ! -e "$ROOT/usr/bin/certpilot" ] &&
        [ ! -e "$ROOT/etc/systemd/system/timers.target.wants/certpilot-renew.timer" ] &&
        [ -d "$ROOT/var/lib/certpilot" ]
}

# All of it in one function, parsed before it runs: editing the script meanwhile is safe.
main() {
    DEBDIR=${2:-$TOP/build-deb}
    if [ "$build" = yes ]; then
        build_in_root
    fi
    DEBDIR=$(cd "$DEBDIR" && pwd)
    for p in certpilot libcertpilot-dev; do
        if ! compgen -G "$DEBDIR/${p}_*.deb" >/dev/null; then
            echo "package-test: no $DEBDIR/${p}_*.deb; run scripts/package.sh first" >&2
            exit 2
        fi
    done
    debs=("$DEBDIR"/certpilot_*.deb)
    deb=${debs[0]}
    version=$(dpkg-deb -f "$deb" Version)

    echo "package-test: $DIST, $(basename "$deb") and its libcertpilot-dev"
    fresh_root
    mkdir -p "$ROOT/tmp/debs"
    cp "$DEBDIR"/certpilot_*.deb "$DEBDIR"/libcertpilot-dev_*.deb "$ROOT/tmp/debs/"

    check "install the packages (apt-get install ./certpilot_*.deb ./libcertpilot-dev_*.deb)" t_install
    check "certpilot --version" t_version
    check "install man-db, systemd, gcc, pkg-config in the chroot" t_tools
    check "man certpilot and man 5 certpilot.ini render" t_man
    check "the timer and service unit files are installed" t_units
    check "systemd-analyze verify accepts the units" t_verify
    check "the timer is enabled" t_enabled
    check "/etc/certpilot/certpilot.ini: a conffile, 0644 root:root, certpilot check and renew accept it" t_config
    check "pkg-config --cflags --libs certpilot" t_pkgconfig
    check "examples/embed.c compiles and links against libcertpilot" t_embed
    check "/var/lib/certpilot is 0700 root:root" t_state
    check "apt-get purge removes the packages and the timer's link, keeps /var/lib/certpilot" t_remove

    if [ "$failed" != 0 ]; then
        echo "package-test: $DIST: some check failed"
        exit 1
    fi
    echo "package-test: $DIST: every check passed"
}

main "$@"
