#!/usr/bin/env bash
# README command 2: install the dependencies, build with -Werror and run every
# test (unit + integration against Pebble), then build again with
# AddressSanitizer + UndefinedBehaviorSanitizer in build-asan and run every
# test again, then run the unit tests and three integration tests under
# valgrind (scripts/valgrind.sh, about 6 minutes; CERTPILOT_VALGRIND=0 skips it)
# and each libFuzzer harness (scripts/fuzz.sh, FUZZ_SECONDS each, default 15,
# about 2.5 minutes). Exits non-zero when a build, any test, valgrind or a
# fuzzer fails.
#
# Integration tests each start their own Pebble on their own free loopback
# ports, so ctest runs them in parallel (CTEST_PARALLEL_LEVEL, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${CTEST_PARALLEL_LEVEL:-2}

echo "== installing dependencies"
bash scripts/deps.sh

echo "== build (build/, -Werror)"
BUILD_DIR=build bash scripts/build.sh -DCERTPILOT_WERROR=ON -DCERTPILOT_SANITIZE=OFF -DCERTPILOT_TESTS=ON

failed=()
echo "== tests (build/)"
(cd build && ctest --output-on-failure -j"$JOBS") || failed+=("tests in build/")

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
BUILD_DIR=build-asan bash scripts/build.sh -DCERTPILOT_WERROR=ON -DCERTPILOT_SANITIZE=ON -DCERTPILOT_TESTS=ON

echo "== tests under the sanitizers (build-asan/)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd build-asan && ctest --output-on-failure -j"$JOBS") || failed+=("tests in build-asan/")

echo "== valgrind on the normal build (build/): unit tests and three integration tests"
if [ "${CERTPILOT_VALGRIND:-1}" = 1 ]; then
    bash scripts/valgrind.sh || failed+=("valgrind")
else
    echo "   skipped (CERTPILOT_VALGRIND=0)"
fi

echo "== fuzzing every parser for ${FUZZ_SECONDS:-15} s each (build-fuzz/)"
bash scripts/fuzz.sh || failed+=("fuzzing")

if [ ${#failed[@]} -gt 0 ]; then
    echo "== FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "== all tests passed (build/, build-asan/, valgrind, fuzzers)"
