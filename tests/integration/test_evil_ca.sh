#!/usr/bin/env bash
# certpilot against a lying CA (tests/fakes/evil_ca.py), one --mode per
# misbehaviour: absurd Retry-After values end in a bounded number of polls
# within the timeout; http:// URLs and redirects are refused or not followed;
# a certificate that is a CA, does not chain, or names more than we ordered is
# not stored; authorizations for names we did not order never reach the hook;
# a lost alternate chain falls back to the default one; terminal escapes in a
# problem document never reach the terminal.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3 openssl curl
cp_make_tls
FAKE=$CP_SOURCE_DIR/tests/fakes/evil_ca.py
EVIL_PID=""
EVIL_PORT=""
N=0

# evil_start MODE: a fresh fake CA on a free port (state of the previous one gone).
evil_start() {
    if [ -n "$EVIL_PID" ]; then
        cp_stop_pids "$EVIL_PID"
    fi
    EVIL_PORT=$("$FREEPORT")
    python3 "$FAKE" --port "$EVIL_PORT" --cert "$CP_WORK/tls/cert.pem" --key "$CP_WORK/tls/key.pem" \
        --mode "$1" >>"$CP_WORK/evil_ca.log" 2>&1 &
    EVIL_PID=$!
    CP_PIDS+=("$EVIL_PID")
    cp_wait_url "https://localhost:$EVIL_PORT/stats" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "evil_ca ($1) did not start"
}

# stat ROUTE: how often the fake was asked for ROUTE (0 when never).
stat() {
    curl -sSf --max-time 5 --cacert "$PEBBLE_CA_BUNDLE" "https://localhost:$EVIL_PORT/stats" |
        python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], 0))' "$1"
}

HOOK=$CP_WORK/hook
CALLS=$CP_WORK/hook.calls
# shellcheck disable=SC2016 # $1.. are the hook's arguments
printf '#!/bin/sh\necho "$1 $2 $3" >>"%s"\nexit 0\n' "$CALLS" >"$HOOK"
chmod +x "$HOOK"

# issue [ARGS...]: one issuance against the fake with its own state dir; sets STATE.
issue() {
    N=$((N + 1))
    STATE=$CP_WORK/state$N
    : >"$CALLS"
    "$CERTPILOT" --root "$STATE" --server "https://localhost:$EVIL_PORT/dir" --ca-bundle "$PEBBLE_CA_BUNDLE" \
        issue --agree-tos -d a.evil.test -d '*.evil.test' --hook "$HOOK" "$@"
}

# refused MODE NEEDLE [ARGS...]: issuance fails with one line containing NEEDLE; nothing stored.
refused() {
    local mode=$1 needle=$2
    shift 2
    evil_start "$mode"
    cp_expect_fail issue "$@"
    cp_check_err 1 "$needle"
    [ -z "$(find "$STATE/certs" -name '*.pem' 2>/dev/null)" ] || cp_fail "$mode: certificate files were stored"
    cp_log "ok: $mode refused: $(grep '^certpilot:' <<<"$CP_LAST_ERR")"
}

# 0. the fake itself works: a well-behaved run stores a certificate, finalizing once
evil_start ok
issue -q >/dev/null || cp_fail "issuance against the well-behaved fake failed"
[ -s "$STATE/certs/a.evil.test/cert.pem" ] || cp_fail "ok: no certificate stored"
# the authorizations are valid, so the order is finalized without being read first
[ "$(stat fin)" = 1 ] && [ "$(stat order-poll)" = 0 ] ||
    cp_fail "ok: finalize $(stat fin) time(s), order read $(stat order-poll) time(s); want 1 and 0"
# a CA whose order turns ready late says orderNotReady: the order is read, then finalized again
evil_start finalize-not-ready
issue -v 2>"$CP_WORK/notready.err" >/dev/null || cp_fail "finalize-not-ready: issuance failed: $(cat "$CP_WORK/notready.err")"
[ "$(stat fin)" = 2 ] || cp_fail "finalize-not-ready: finalize was sent $(stat fin) time(s), want 2"
cp_assert_contains "$(cat "$CP_WORK/notready.err")" "the CA says the order is not ready yet"

# 1. Retry-After: clamped, never below the back-off step nor past the timeout. The upper
# bound is the whole run's (account, key, TLS): under valgrind (CP_SLOW, scripts/valgrind.sh)
# that alone takes seconds on a busy machine, so only there it is wider.
max_ms=9000
[ -z "${CP_SLOW:-}" ] || max_ms=30000
for mode in retry-after-huge retry-after-zero retry-after-past; do
    evil_start "$mode"
    start=$(date +%s%N)
    cp_expect_fail issue --timeout 3
    ms=$((($(date +%s%N) - start) / 1000000))
    cp_check_err 1 "timed out after 3 s"
    polls=$(stat order-poll)
    if [ "$ms" -lt 2900 ] || [ "$ms" -gt "$max_ms" ]; then cp_fail "$mode: took $ms ms for a 3 s timeout"; fi
    if [ "$polls" -lt 2 ] || [ "$polls" -gt 14 ]; then cp_fail "$mode: $polls order polls in 3 s"; fi
    cp_log "ok: $mode: $polls order polls, gave up after $ms ms"
done

# 2. URLs: http:// from an https directory is refused; redirects are not followed
refused http-location 'order Location "http://localhost'
refused http-authz 'order authorization URL "http://localhost'
refused http-finalize 'order finalize URL "http://localhost'
refused http-challenge 'challenge URL "http://localhost'
refused http-certificate 'order certificate URL "http://localhost'
refused redirect "fin/1: HTTP 302 redirect to https://localhost:"
cp_assert_contains "$CP_LAST_ERR" "/redirected refused (ACME needs no redirects)"
[ "$(stat redirected)" = 0 ] || cp_fail "redirect: certpilot followed the redirect"
# an http:// alternate is never fetched; the default chain is kept
evil_start http-alternate
issue --preferred-chain "Evil Alternate Root" 2>"$CP_WORK/alt.err" >/dev/null ||
    cp_fail "http-alternate: issuance failed: $(cat "$CP_WORK/alt.err")"
[ "$(stat alt)" = 0 ] || cp_fail "http-alternate: the http:// alternate was fetched"
cp_assert_contains "$(cat "$CP_WORK/alt.err")" 'alternate chain link "http://localhost'
# another host (127.0.0.1 for localhost) is allowed, and said
evil_start other-host
issue 2>"$CP_WORK/host.err" >/dev/null || cp_fail "other-host: issuance failed: $(cat "$CP_WORK/host.err")"
cp_assert_contains "$(cat "$CP_WORK/host.err")" "on another host than the directory: https://127.0.0.1:"

# 3. issued certificates that are not what we ordered are not stored
refused leaf-ca "basicConstraints CA:TRUE"
refused chain-broken "chain certificate 1 did not issue the certificate before it"
refused extra-san "certificate holds the name evil.attacker.test, which was not ordered"

# 4. authorizations: foreign names never reach the hook; their number is capped
refused foreign-authz 'is for dns "evil.other.test", not a name of this order; refused'
! grep -q -e evil.other.test -e ' -rf' "$CALLS" || cp_fail "foreign-authz: the hook saw: $(cat "$CALLS")"
[ ! -s "$CALLS" ] || cp_fail "foreign-authz: the hook ran before the refusal: $(cat "$CALLS")"
refused many-authz "lists 502 authorizations, more than 128; refused"
[ "$(stat authz)" = 0 ] || cp_fail "many-authz: authorizations were fetched"

# 5. a lost alternate chain falls back to the default chain
evil_start alt-fail
issue --preferred-chain "Evil Alternate Root" 2>"$CP_WORK/altfail.err" >/dev/null ||
    cp_fail "alt-fail: issuance failed: $(cat "$CP_WORK/altfail.err")"
[ "$(stat alt)" = 1 ] || cp_fail "alt-fail: the alternate was asked $(stat alt) times"
issuer=$(openssl x509 -in "$STATE/certs/a.evil.test/chain.pem" -noout -issuer -nameopt RFC2253)
[ "$issuer" = "issuer=CN=Evil Root" ] || cp_fail "alt-fail: the default chain was not kept: $issuer"

# 6. problem documents: no ESC, C1 or bidi control reaches the terminal
refused problem-escape "rejectedIdentifier: bad"
if LC_ALL=C grep -q -P '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]' \
    "$CP_WORK/last.err"; then
    cp_fail "problem-escape: control characters on stderr: $(od -c "$CP_WORK/last.err" | head)"
fi
cp_log "PASS: every misbehaviour of the evil CA was handled"
