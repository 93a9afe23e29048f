#!/usr/bin/env bash
# Build the libFuzzer harnesses in fuzz/ with clang (build-fuzz/, the library
# instrumented with -fsanitize=fuzzer-no-link,address,undefined) and run each
# one for a fixed time. Exits non-zero on any crash, leak, UB report or timeout.
#
#   FUZZ_SECONDS  seconds per harness (default 15)
#   FUZZ_ONLY     run only harnesses whose name contains this (e.g. pem)
#   FUZZ_JOBS     build jobs (default 2)
#
# Each run starts from the committed seeds in fuzz/corpus/<name>/ (never
# written to); what the fuzzer finds goes to build-fuzz/corpus/<name>/, a
# crashing input to build-fuzz/artifacts/. Regression inputs in
# fuzz/regressions/<name>/ are replayed first. fuzz/README.md explains long runs.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-15}
BUILD=build-fuzz

command -v clang >/dev/null || { echo "fuzz.sh: clang is not installed (scripts/deps.sh)" >&2; exit 1; }
echo "== build ($BUILD/, clang, libFuzzer + ASan + UBSan)"
CC=clang cmake -S . -B "$BUILD" -DCERTPILOT_FUZZ=ON -DCERTPILOT_TESTS=OFF -DCERTPILOT_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"${FUZZ_JOBS:-2}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$BUILD/artifacts"
failed=()
for src in fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    short=${name#fuzz_}
    [ -z "${FUZZ_ONLY:-}" ] || [[ $name == *"$FUZZ_ONLY"* ]] || continue
    bin=$BUILD/fuzz/$name
    seeds=fuzz/corpus/$short
    work=$BUILD/corpus/$short
    mkdir -p "$work"
    log=$BUILD/$name.log
    if [ -d "fuzz/regressions/$short" ] &&
        ! "$bin" -runs=0 "fuzz/regressions/$short" >"$log.regress" 2>&1; then
        echo "== $name: a regression input fails (see $log.regress)" >&2
        failed+=("$name")
        continue
    fi
    start=$(date +%s)
    if "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -artifact_prefix="$BUILD/artifacts/$name-" -print_final_stats=1 "$work" "$seeds" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        echo "== $name: ${runs:-?} runs in $(($(date +%s) - start)) s, no failure"
    else
        echo "== $name: FAILED (see $log; input in $BUILD/artifacts/)" >&2
        grep -E "ERROR|SUMMARY|runtime error" "$log" | head -5 >&2 || true
        failed+=("$name")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "== fuzzing FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "== fuzzing: every harness ran ${SECONDS_EACH} s without a failure"
