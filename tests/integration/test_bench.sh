#!/usr/bin/env bash
# Benchmark smoke test, certpilot alone (no peers, nothing installed): a tiny
# bench/batch.sh run prints all three tables with every certificate issued and
# request counts taken from Pebble's log, and refuses a bad option with status
# 2; bench/run.sh (which shares bench/lib.sh with it) still issues and prints
# its row.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
bench=$CP_SOURCE_DIR/bench/batch.sh
out=$CP_WORK/table.txt
# LeakSanitizer cannot run under ptrace, which bench/measure.c uses: a
# sanitizer build is measured with /usr/bin/time instead (RSS shows "-").
if ldd "$CERTPILOT" 2>/dev/null | grep -q libasan; then export BENCH_NO_MEASURE=1; fi

cp_expect_fail bash "$bench" --count-b x
cp_check_err 2 "--count-b needs a number"
cp_expect_fail bash "$bench" --scenarios e
cp_check_err 2 "unknown scenario e"
cp_expect_fail bash "$CP_SOURCE_DIR/bench/dns.sh" --clients nope
cp_check_err 2 "unknown client nope"
cp_expect_fail bash "$CP_SOURCE_DIR/bench/dns.sh" --batch many
cp_check_err 2 "--batch needs a number"

bash "$bench" --no-install --scenarios a,b,c --clients certpilot --count-b 3 --count-c 10 --jobs 4 --out "$out" \
    >"$CP_WORK/stdout" 2>"$CP_WORK/stderr" ||
    cp_fail "batch.sh failed: $(grep -v -e '^pebble-challtestsrv - ' -e '^[a-z][a-z0-9]* *0x[0-9a-f]*$' \
        "$CP_WORK/stderr" | tail -n 25); table: $(cat "$CP_WORK/stdout")"
cmp -s "$out" "$CP_WORK/stdout" || cp_fail "--out differs from what was printed"
table=$(cat "$out")

# (a): 5 of 5, a request count from Pebble's log beside the minimum 8.
row=$(grep -E '^certpilot +[^ ]+ +[0-9]+/5 ' <<<"$table" | head -n 1)
[[ $row =~ ^certpilot\ +[^\ ]+\ +5/5\ +[0-9.]+\ +[0-9.]+\ +([0-9]+|-)\ +[0-9]+\ +([0-9]+)\ +8\ + ]] ||
    cp_fail "(a) row: $row"
[ "${BASH_REMATCH[2]}" -ge 8 ] || cp_fail "(a) counted ${BASH_REMATCH[2]} requests, fewer than the minimum 8"
cp_assert_contains "$table" "certpilot (run 5 or last good one): dir 1, nonce-plz 1, order-plz 1"
# (b): the batch row with 3 of 3 and requests per certificate.
grep -Eq '^certpilot --batch --jobs 4 +3/3 +[0-9.]+ +[0-9.]+ +[0-9.]+ +([0-9]+|-) +[0-9]+ +[0-9.]+ +[0-9.]+' <<<"$table" ||
    cp_fail "(b) row missing: $table"
# (c): N = 1, 3, 10, each fully issued, with a marginal time after the first.
for n in 1 3 10; do
    grep -Eq "^ +$n +$n/$n " <<<"$table" || cp_fail "(c) row for N=$n missing: $table"
done
cp_assert_contains "$table" "marginal ms per certificate between runs: N=1..3:"
cp_assert_contains "$table" "  N=10: dir "
# bench/run.sh through the shared bench/lib.sh.
bash "$CP_SOURCE_DIR/bench/run.sh" --no-install --count 1 --clients certpilot >"$CP_WORK/run.out" \
    2>"$CP_WORK/run.err" || cp_fail "run.sh failed: $(tail -n 20 "$CP_WORK/run.err")"
grep -Eq '^certpilot +[^ ]+ +1/1 +[0-9.]+ +[0-9.]+ +([0-9]+|-) ' "$CP_WORK/run.out" ||
    cp_fail "run.sh printed no certpilot row: $(cat "$CP_WORK/run.out")"
# (d) through bench/dns.sh: a BIND on a loopback address of its own needs root.
if [ "$(id -u)" = 0 ] && PATH=$PATH:/usr/sbin command -v named >/dev/null; then
    bash "$CP_SOURCE_DIR/bench/dns.sh" --no-install --count 1 --clients certpilot >"$CP_WORK/dns.out" \
        2>"$CP_WORK/dns.err" || cp_fail "dns.sh failed: $(tail -n 20 "$CP_WORK/dns.err")"
    grep -Eq '^certpilot +[^ ]+ +1/1 +[0-9.]+ ' "$CP_WORK/dns.out" ||
        cp_fail "dns.sh printed no certpilot row: $(cat "$CP_WORK/dns.out")"
else
    cp_log "skipping bench/dns.sh: needs root and named"
fi
echo "ok"
