#!/usr/bin/env bash
# The propagation check against a primary BIND and a lagging secondary (it
# transfers the zone only when told: no NOTIFY, an hour's refresh), each on a
# loopback address of its own, port 53: the check waits until the secondary
# serves the value, asks without recursion, times out with the server and
# record named; SIGTERM during the wait removes the records; a run killed
# with SIGKILL leaves a journal that --recover cleans up.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/dnslib.sh
source "$(dirname "$0")/dnslib.sh"
cp_harness_init
dns_setup secondary
P=$DNS_PRIMARY S=$DNS_SECONDARY
name=_acme-challenge.www.example.test

# dns_wait_exit PID SECONDS: bounded wait for a background dnssolve; its status in WAIT_RC.
dns_wait_exit() {
    for _ in $(seq 1 $(($2 * 10))); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$1" 2>/dev/null && cp_fail "dnssolve $1 still runs after $2 s"
    WAIT_RC=0
    wait "$1" || WAIT_RC=$?
}

# 1. The check waits for the lagging secondary.
"$DNSSOLVE" "${DNS_ARGS[@]}" -v --keep -t 60 www.example.test=lag-value >"$CP_WORK/lag.out" 2>"$CP_WORK/lag.err" &
pid=$!
CP_PIDS+=("$pid")
for _ in $(seq 1 50); do
    [ -n "$(dns_txt "$P" $name)" ] && break
    sleep 0.1
done
[ "$(dns_txt "$P" $name)" = '"lag-value" ' ] || cp_fail "the primary did not get the value"
sleep 2
kill -0 "$pid" 2>/dev/null || cp_fail "dnssolve did not wait for the secondary: $(cat "$CP_WORK/lag.err")"
[ -z "$(dns_txt "$S" $name)" ] || cp_fail "the secondary is not lagging"
[ ! -s "$CP_WORK/lag.out" ] || cp_fail "ready before the secondary had the value"
dns_refresh_secondary
dns_wait_exit "$pid" 20
[ "$WAIT_RC" = 0 ] || cp_fail "dnssolve failed: $(cat "$CP_WORK/lag.err")"
[ "$(cat "$CP_WORK/lag.out")" = ready ] || cp_fail "no ready line"
[ "$(dns_txt "$S" $name)" = '"lag-value" ' ] || cp_fail "ready, but the secondary lacks the value"
cp_assert_contains "$(cat "$CP_WORK/lag.err")" "propagation: 2 name server address(es) serve every value"
# the check asked the secondary itself, without recursion (BIND logs "-" for RD=0)
grep -q "query: $name IN TXT -" "$CP_WORK/secondary/named.log" ||
    cp_fail "no non-recursive TXT query at the secondary"
! grep -q "query: $name IN TXT +" "$CP_WORK/secondary/named.log" || cp_fail "the check asked for recursion"
[ "$(dns_solve --recover)" = "recovered 1" ] || cp_fail "recover after --keep failed"
[ -z "$(dns_txt "$P" $name)" ] || cp_fail "value left at the primary"
dns_refresh_secondary

# 2. A timeout names the server and the record still lacking the value, and cleans up.
cp_expect_fail dns_solve -t 2 www.example.test=late-value
cp_check_err 1
[ "$CP_LAST_ERR" = "dnssolve: propagation: $S (ns2.example.test.) has no TXT \"late-value\" at $name. after 2 s" ] ||
    cp_fail "timeout error: $CP_LAST_ERR"
[ -z "$(dns_txt "$P" $name)" ] || cp_fail "value left at the primary after a timeout"
! ls "$DNS_STATE"/dns-journal-*.json >/dev/null 2>&1 || cp_fail "journal left after a timeout"

# 3. SIGTERM during the wait: prompt exit, records removed, no journal.
"$DNSSOLVE" "${DNS_ARGS[@]}" -t 60 www.example.test=term-1 '*.www.example.test=term-2' 2>"$CP_WORK/term.err" &
pid=$!
CP_PIDS+=("$pid")
for _ in $(seq 1 50); do
    [ -n "$(dns_txt "$P" $name)" ] && break
    sleep 0.1
done
[ "$(dns_txt "$P" $name)" = '"term-1" "term-2" ' ] || cp_fail "values not published: [$(dns_txt "$P" $name)]"
sleep 0.5
start=$(date +%s%N)
kill -TERM "$pid"
dns_wait_exit "$pid" 5
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$WAIT_RC" = 1 ] || cp_fail "exit status $WAIT_RC after SIGTERM"
[ "$elapsed_ms" -lt 2000 ] || cp_fail "took $elapsed_ms ms to stop after SIGTERM"
cp_assert_contains "$(cat "$CP_WORK/term.err")" "dnssolve: propagation: interrupted"
[ -z "$(dns_txt "$P" $name)" ] || cp_fail "values left after SIGTERM: [$(dns_txt "$P" $name)]"
! ls "$DNS_STATE"/dns-journal-*.json >/dev/null 2>&1 || cp_fail "journal left after SIGTERM"

# 4. SIGKILL: the journal survives and --recover removes what it lists.
"$DNSSOLVE" "${DNS_ARGS[@]}" -t 60 www.example.test=crash-1 '*.www.example.test=crash-2' 2>/dev/null &
pid=$!
CP_PIDS+=("$pid")
for _ in $(seq 1 50); do
    [ -n "$(dns_txt "$P" $name)" ] && break
    sleep 0.1
done
sleep 0.3
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
[ "$(dns_txt "$P" $name)" = '"crash-1" "crash-2" ' ] || cp_fail "values not there after the crash"
journal=$(ls "$DNS_STATE"/dns-journal-*.json) || cp_fail "no journal after SIGKILL"
grep -q '"crash-2"' "$journal" || cp_fail "journal lacks a value: $(cat "$journal")"
! grep -qi secret "$journal" || cp_fail "journal mentions a secret"
[ "$(dns_solve --recover)" = "recovered 2" ] || cp_fail "recover did not remove 2 records"
[ -z "$(dns_txt "$P" $name)" ] || cp_fail "values left after recover: [$(dns_txt "$P" $name)]"
[ ! -e "$journal" ] || cp_fail "journal left after recover"
echo "ok"
