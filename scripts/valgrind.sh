#!/usr/bin/env bash
# Run the unit tests and a few integration tests with certpilot under
#   valgrind --error-exitcode=1 --leak-check=full
# on the normal build (valgrind and ASan cannot share a binary). Any memory
# error or leak fails the run.
#
#   BUILD_DIR   the normal build to use (default build/; configured and built if missing)
#   VG_TESTS    integration tests to run (default: errors evil_ca issue_http01_standalone)
#
# Integration tests expect certpilot's own exit codes (1 on a refused issuance),
# so there the wrapper uses --error-exitcode=99 and every valgrind log is
# checked afterwards: a memory error or leak in any certpilot run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}
ROOT=$(pwd)
VG=(valgrind --leak-check=full --num-callers=30 --track-fds=no --quiet)

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed (scripts/deps.sh)" >&2; exit 1; }
if [ ! -x "$BUILD/certpilot" ]; then
    BUILD_DIR=$BUILD bash scripts/build.sh -DCERTPILOT_WERROR=ON -DCERTPILOT_SANITIZE=OFF -DCERTPILOT_TESTS=ON
fi
grep -q 'CERTPILOT_SANITIZE:BOOL=OFF' "$BUILD/CMakeCache.txt" ||
    { echo "valgrind.sh: $BUILD is a sanitizer build; use a normal one" >&2; exit 1; }

failed=()
echo "== unit tests under valgrind"
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    start=$(date +%s)
    if CP_TEST_DATA=$ROOT/tests/data CP_TEST_SKIP_SLOW=1 "${VG[@]}" --error-exitcode=1 "$t" >"$BUILD/valgrind-$(basename "$t").log" 2>&1; then
        echo "   $(basename "$t"): clean ($(($(date +%s) - start)) s)"
    else
        echo "   $(basename "$t"): FAILED (see $BUILD/valgrind-$(basename "$t").log)" >&2
        failed+=("$(basename "$t")")
    fi
done

logs=$(mktemp -d "${TMPDIR:-/tmp}/certpilot-vg.XXXXXX")
trap 'rm -rf "$logs"' EXIT
wrapper=$logs/certpilot
cat >"$wrapper" <<WRAP
#!/bin/sh
exec ${VG[*]} --error-exitcode=99 --log-file=$logs/vg.%p.log "$ROOT/$BUILD/certpilot" "\$@"
WRAP
chmod +x "$wrapper"

echo "== integration tests with certpilot under valgrind"
for name in ${VG_TESTS:-errors evil_ca issue_http01_standalone}; do
    start=$(date +%s)
    if CERTPILOT=$wrapper FREEPORT=$ROOT/$BUILD/tests/freeport CP_SOURCE_DIR=$ROOT CP_QUIET_LOGS=1 CP_SLOW=1 \
        bash "tests/integration/test_$name.sh" >"$BUILD/valgrind-it-$name.log" 2>&1; then
        echo "   test_$name: passed ($(($(date +%s) - start)) s)"
    else
        echo "   test_$name: FAILED (see $BUILD/valgrind-it-$name.log)" >&2
        failed+=("test_$name")
    fi
done
runs=$(find "$logs" -name 'vg.*.log' | wc -l)
bad=$(find "$logs" -name 'vg.*.log' -size +0 | sort)
if [ -n "$bad" ]; then
    for f in $bad; do
        echo "--- $f" >&2
        head -40 "$f" >&2
    done
    failed+=("valgrind reports in certpilot runs")
fi
echo "   $runs certpilot runs checked"

if [ ${#failed[@]} -gt 0 ]; then
    echo "== valgrind FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "== valgrind: no memory error or leak"
