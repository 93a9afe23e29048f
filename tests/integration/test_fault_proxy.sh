#!/usr/bin/env bash
# certpilot through tests/fakes/fault_proxy.py in front of Pebble: 503 and 429
# with Retry-After are waited out as asked and retried; a reset connection and
# a truncated body are retried (a POST re-signed with a fresh nonce); more
# faults than the retry budget, or a Retry-After beyond the limit, end in one
# clear error naming the limit, in bounded time.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3
cp_start_pebble
PROXY=$CP_SOURCE_DIR/tests/fakes/fault_proxy.py
PROXY_PID=""

# proxy [--fault REGEX ACTION FIRST COUNT]... [--retry-after S]: a fresh proxy before Pebble.
proxy() {
    if [ -n "$PROXY_PID" ]; then
        cp_stop_pids "$PROXY_PID"
    fi
    PROXY_PORT=$("$FREEPORT")
    python3 "$PROXY" --port "$PROXY_PORT" --cert "$CP_WORK/tls/cert.pem" --key "$CP_WORK/tls/key.pem" \
        --upstream "https://localhost:${PEBBLE_URL#https://localhost:}" --ca "$PEBBLE_CA_BUNDLE" "$@" \
        >>"$CP_WORK/fault_proxy.log" 2>&1 &
    PROXY_PID=$!
    CP_PIDS+=("$PROXY_PID")
    cp_wait_url "https://localhost:$PROXY_PORT/_proxy/stats" --cacert "$PEBBLE_CA_BUNDLE" ||
        cp_fail "fault_proxy did not start"
}

faults() {
    curl -sSf --max-time 5 --cacert "$PEBBLE_CA_BUNDLE" "https://localhost:$PROXY_PORT/_proxy/stats" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["faults"])'
}

# issue NAME: one issuance through the proxy (dns-01 through challtestsrv); ELAPSED_MS after.
issue() {
    local start rc=0
    start=$(date +%s%N)
    "$CERTPILOT" --root "$CP_WORK/state" --server "https://localhost:$PROXY_PORT/dir" \
        --ca-bundle "$PEBBLE_CA_BUNDLE" issue --agree-tos -d "$@" \
        --hook "$CP_SOURCE_DIR/examples/hooks/challtestsrv" --timeout 60 || rc=$?
    ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
    return "$rc"
}
export CHALLTESTSRV_URL

# ok NAME MIN_MS WANT_FAULTS: issuance succeeded, waited at least MIN_MS, saw the faults.
ok() {
    cp_verify_cert "$CP_WORK/state/certs/$1" "$1" || cp_fail "$1: the certificate does not verify"
    [ "$ELAPSED_MS" -ge "$2" ] || cp_fail "$1: took $ELAPSED_MS ms, expected the waits asked (>= $2 ms)"
    [ "$ELAPSED_MS" -le $(($2 + 20000)) ] || cp_fail "$1: took $ELAPSED_MS ms"
    [ "$(faults)" = "$3" ] || cp_fail "$1: $(faults) faults injected, expected $3"
    cp_log "ok: $1 in $ELAPSED_MS ms with $3 faults"
}

# 1. Two 503s with Retry-After: 2 on newOrder: waited 2 s each, then issued.
proxy --fault 'POST /order-plz' 503 1 2 --retry-after 2
issue busy.example.test -q >/dev/null
ok busy.example.test 4000 2

# 2. 429 rateLimited with Retry-After: 1 on the first authorization fetch.
proxy --fault 'POST /authZ/' 429 1 1
issue limited.example.test -q >/dev/null
ok limited.example.test 1000 1

# 3. Resets on the challenge answer and on newOrder (signed POSTs). libcurl itself
#    resends once when a reused connection dies before any reply, so each rule
#    resets twice: the second reaches certpilot, which re-signs and waits 1 s.
proxy --fault 'POST /chalZ/' reset 1 2 --fault 'POST /order-plz' reset 1 2
issue reset.example.test -q >/dev/null
ok reset.example.test 2000 4

# 4. A truncated certificate download and a truncated order poll.
proxy --fault 'POST /certZ/' truncate 1 1 --fault 'POST /my-order/' truncate 1 1
issue truncated.example.test -q >/dev/null
ok truncated.example.test 2000 2

# 5. More 503s than the budget (3 retries; Retry-After: 0 still waits 1 s): a clear error.
proxy --fault 'POST /order-plz' 503 1 100 --retry-after 0
cp_expect_fail issue never.example.test -q
cp_check_err 1 "still refused after 3 retries"
cp_check_one_line
[ "$(faults)" = 4 ] || cp_fail "budget: $(faults) attempts, expected 4"

# 6. Resets on every try: gives up, saying so.
proxy --fault 'POST /order-plz' reset 1 100
cp_expect_fail issue never.example.test -q
cp_check_err 1 "gave up after 3 retries"
cp_check_one_line
f=$(faults)
if [ "$f" -lt 4 ] || [ "$f" -gt 8 ]; then cp_fail "resets: $f resets, expected 4 tries (libcurl may add one each)"; fi

# 7. Retry-After beyond the limit: refused at once, naming the limit.
proxy --fault 'POST /order-plz' 429 1 100 --retry-after 3600
cp_expect_fail issue never.example.test -q
cp_check_err 1 "the CA asks to wait 3600 s, more than the 60 s limit"
[ "$(faults)" = 1 ] || cp_fail "too long: $(faults) attempts, expected 1"
[ ! -e "$CP_WORK/state/certs/never.example.test" ] || cp_fail "a failed issuance stored a certificate"
cp_log "PASS: faults were waited out, retried within bounds, or reported"
