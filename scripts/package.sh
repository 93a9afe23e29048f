#!/usr/bin/env bash
# Build the Debian packages certpilot and libcertpilot-dev from this tree into
# build-deb/ (or OUTDIR), then run lintian on them.
#
#   scripts/package.sh [OUTDIR]
#
# Installs what it needs through apt (as root, else through sudo): debhelper,
# dpkg-dev, fakeroot, lintian, and debian/control's Build-Depends. The build runs
# in a copy of the tree under OUTDIR/src/, because dpkg-buildpackage writes its
# results next to the source directory. The version is CMakeLists.txt's; a
# debian/changelog that says otherwise stops the build (debian/rules).
set -euo pipefail

cd "$(dirname "$0")/.."
TOP=$PWD
OUT=${1:-build-deb}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

SUDO=()
if [ "$(id -u)" != 0 ]; then
    SUDO=(sudo)
fi

version=$(sed -n 's/^project(certpilot VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
changelog=$(sed -n '1s/^certpilot (\([^)]*\)).*/\1/p' debian/changelog)
if [ "$version" != "$changelog" ]; then
    echo "package: CMakeLists.txt says $version, debian/changelog says $changelog; add a changelog entry" >&2
    exit 1
fi

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q ' installed$'
}
tools=(debhelper dpkg-dev fakeroot lintian)
missing=()
for p in "${tools[@]}"; do
    installed "$p" || missing+=("$p")
done
apt_get() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q "$@"; }
if [ ${#missing[@]} -gt 0 ]; then
    echo "package: installing ${missing[*]}"
    apt_get update
    apt_get install -y --no-install-recommends "${missing[@]}"
fi
if ! dpkg-checkbuilddeps debian/control >/dev/null 2>&1; then
    echo "package: installing the build dependencies"
    apt_get build-dep -y --no-install-recommends "$TOP"
fi

src="$OUT/src/certpilot-$version"
rm -rf "$OUT/src"
mkdir -p "$src"
tar -C "$TOP" --exclude=./.git --exclude=./build --exclude='./build-*' --exclude=./demo-state \
    --exclude=./obj-\* -cf - . | tar -C "$src" -xf -
(cd "$src" && dpkg-buildpackage -us -uc -b)
rm -f "$OUT"/*.deb "$OUT"/*.changes "$OUT"/*.buildinfo
mv "$OUT"/src/*.deb "$OUT"/src/*.changes "$OUT"/src/*.buildinfo "$OUT"/
rm -rf "$OUT/src"

echo "package: built in $OUT:"
ls -1 "$OUT"
changes=$(ls "$OUT"/certpilot_"$version"_*.changes)
echo "package: lintian $changes"
# lintian's exit status is non-zero on an error (its default --fail-on)
lintian_root=()
[ "$(id -u)" != 0 ] || lintian_root=(--allow-root)
lintian "${lintian_root[@]}" --display-info "$changes"
echo "package: lintian found no error"
