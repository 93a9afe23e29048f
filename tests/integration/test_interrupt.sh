#!/usr/bin/env bash
# Ctrl-C while a hook runs (issue 23 #4). Hooks run in their own process group, so
# the terminal's SIGINT never reaches them: certpilot itself has to stop them.
# 1. One SIGINT while the second `begin` sleeps (with a child of its own that sleeps):
#    certpilot ends within a few seconds with exit 130 and a message naming that hook
#    step; no third `begin` runs; `failed` runs for both challenges it began; neither
#    the hook nor its children are left running.
# 2. Two SIGINTs in a row, with a hook that ignores SIGTERM: the second kills the hook's
#    group and certpilot exits 130 at once; what stayed presented is left in the journal
#    for the next run, which runs `failed` for it.
# 3. A batch: the certificate after the interrupted one is not started.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
cp_certpilot -q account new --agree-tos >/dev/null

calls=$CP_WORK/calls
pids=$CP_WORK/pids
hook=$CP_WORK/slow-hook
cat >"$hook" <<HOOK
#!/bin/sh
echo "\$1 \$3" >>"$calls"
if [ "\$1" = begin ] && [ "\$(grep -c '^begin' "$calls")" = 2 ]; then
    if [ -e "$CP_WORK/ignore-term" ]; then trap '' TERM; fi
    sleep 60 &
    echo \$! >>"$pids"
    echo \$\$ >>"$pids"
    sleep 60
    exit 0
fi
exec "$CP_SOURCE_DIR/examples/hooks/challtestsrv" "\$@"
HOOK
chmod +x "$hook"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Is process $1 still there (a zombie counts as gone)?
alive() {
    [ -r "/proc/$1/stat" ] && ! sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^Z'
}

# Start the issue (of -d $1 -d $2 -d $3, or of the batch file $1) in the background;
# return once the slow begin and its child run.
start_issue() {
    local what=(-d "$1" -d "${2:-}" -d "${3:-}")
    [ $# = 3 ] || what=(--batch "$1" --jobs 1)
    : >"$calls"
    : >"$pids"
    "$CERTPILOT" --root "$CP_WORK/state" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" \
        issue "${what[@]}" --hook "$hook" >"$CP_WORK/run.out" 2>"$CP_WORK/run.err" &
    run_pid=$!
    for _ in $(seq 1 300); do
        [ "$(wc -l <"$pids")" -lt 2 ] || return 0
        kill -0 "$run_pid" 2>/dev/null || cp_fail "certpilot ended before the slow begin: $(cat "$CP_WORK/run.err")"
        sleep 0.1
    done
    cp_fail "the slow begin did not start within 30 s: $(cat "$calls")"
}

# Wait for certpilot (at most $1 ms): sets run_rc and took_ms.
finish_within() {
    local t0 left
    t0=$(now_ms)
    for _ in $(seq 1 $(($1 / 100 + 1))); do
        kill -0 "$run_pid" 2>/dev/null || break
        sleep 0.1
    done
    took_ms=$(($(now_ms) - t0))
    left=0
    kill -0 "$run_pid" 2>/dev/null && left=1
    if [ "$left" = 1 ]; then
        kill -KILL "$run_pid" 2>/dev/null || true
        cp_fail "certpilot still running $1 ms after the signal; calls: $(cat "$calls")"
    fi
    run_rc=0
    wait "$run_pid" || run_rc=$?
}

no_hook_left() {
    local p
    while read -r p; do
        if alive "$p"; then
            kill -KILL "$p" 2>/dev/null || true
            cp_fail "hook process $p (or its child) still runs after certpilot ended: $(cat "/proc/$p/cmdline" 2>/dev/null | tr '\0' ' ')"
        fi
    done <"$pids"
}

begun() { sed -n 's/^begin //p' "$calls"; }

# 1. One SIGINT.
start_issue one.int.test two.int.test three.int.test
kill -INT "$run_pid"
finish_within 5000
err=$(cat "$CP_WORK/run.err")
[ "$run_rc" = 130 ] || cp_fail "exit status $run_rc after SIGINT, expected 130: $err"
mapfile -t names < <(begun)
[ "${#names[@]}" = 2 ] || cp_fail "expected exactly two begins (the third must not start): $(cat "$calls")"
cp_assert_contains "$err" "certpilot: interrupted while hook $hook begin dns-01 ${names[1]} was running"
grep -qx "failed ${names[0]}" "$calls" || cp_fail "no failed for the presented ${names[0]}: $(cat "$calls")"
grep -qx "failed ${names[1]}" "$calls" || cp_fail "no failed for the interrupted ${names[1]}: $(cat "$calls")"
! grep -q '^done' "$calls" || cp_fail "done ran after an interruption: $(cat "$calls")"
no_hook_left
[ -z "$(find "$CP_WORK/state/certs" -mindepth 1 2>/dev/null)" ] || cp_fail "files under certs/ after an interruption"
[ ! -e "$CP_WORK/state/journal/one.int.test.json" ] || cp_fail "journal left although failed ran for everything"
cp_log "one SIGINT: exit 130 after $took_ms ms"

# 2. Two SIGINTs in a row; the hook ignores SIGTERM (so only SIGKILL stops it).
touch "$CP_WORK/ignore-term"
start_issue one.twice.test two.twice.test three.twice.test
kill -INT "$run_pid"
sleep 0.3
kill -INT "$run_pid"
finish_within 1500
err=$(cat "$CP_WORK/run.err")
[ "$run_rc" = 130 ] || cp_fail "exit status $run_rc after two SIGINTs, expected 130: $err"
[ "$(begun | wc -l)" = 2 ] || cp_fail "a begin started after the first SIGINT: $(cat "$calls")"
no_hook_left
cp_log "two SIGINTs: exit 130 after $took_ms ms"
# nothing was taken away by the second signal's run: the journal keeps it for the next run
journal=$CP_WORK/state/journal/one.twice.test.json
[ -e "$journal" ] || cp_fail "no journal of what the interrupted run left presented"
rm -f "$CP_WORK/ignore-term"
: >"$calls"
cp_certpilot -q issue -d one.twice.test -d two.twice.test -d three.twice.test \
    --hook "$CP_SOURCE_DIR/examples/hooks/challtestsrv" >/dev/null ||
    cp_fail "the run after an interrupted one failed"
[ ! -e "$journal" ] || cp_fail "the journal is still there after the next run"

# 3. A batch of three, one at a time: the first is issued, the second interrupted, the third
#    never started.
printf 'b1.batch.test\nb2.batch.test\nb3.batch.test\n' >"$CP_WORK/batch.txt"
start_issue "$CP_WORK/batch.txt"
kill -INT "$run_pid"
finish_within 5000
err=$(cat "$CP_WORK/run.err")
[ "$run_rc" = 130 ] || cp_fail "batch: exit status $run_rc after SIGINT, expected 130: $err"
[ "$(begun | paste -sd' ')" = "b1.batch.test b2.batch.test" ] || cp_fail "batch began: $(cat "$calls")"
grep -q "interrupted while hook $hook begin dns-01 b2.batch.test was running" "$CP_WORK/run.out" ||
    cp_fail "batch: no line for the interrupted certificate: $(cat "$CP_WORK/run.out")"
cp_assert_contains "$err" "interrupted: no further certificate was started"
[ -e "$CP_WORK/state/certs/b1.batch.test/cert.pem" ] || cp_fail "batch: b1 not stored"
[ ! -e "$CP_WORK/state/certs/b3.batch.test" ] || cp_fail "batch: b3 was issued after the interruption"
no_hook_left
echo "ok"
