#!/usr/bin/env bash
# README command 2: install, build, run every test; then again under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

echo "== build (-Werror)"
BUILD_DIR=build bash scripts/build.sh -DCERTPILOT_WERROR=ON -DCERTPILOT_SANITIZE=OFF
echo "== tests"
ctest --test-dir build --output-on-failure -j2

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
BUILD_DIR=build-asan bash scripts/build.sh -DCERTPILOT_WERROR=ON -DCERTPILOT_SANITIZE=ON
echo "== tests under sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j2
