#!/usr/bin/env bash
# examples/tls-server.c, an HTTPS server over the C API: on first start it gets its
# certificate from Pebble (cp_cert_issue) and serves it; SIGUSR1 makes its background
# thread renew (cp_renew, forced) and the same running process then serves the new
# certificate, seen by `openssl s_client`, without a restart. A second start serves the
# stored certificate without ordering.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
[ -x "${TLS_SERVER:-}" ] || cp_fail "tls-server example not built (TLS_SERVER=${TLS_SERVER:-})"
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
name=tls.example.test

# start_server: runs it in the background (pid in $server), its address in $addr
start_server() {
    : >"$CP_WORK/server.out"
    "$TLS_SERVER" "$CP_WORK/state" "$PEBBLE_URL" "$PEBBLE_CA_BUNDLE" "$hook" 0 "$name" \
        >"$CP_WORK/server.out" 2>>"$CP_WORK/server.err" &
    server=$!
    CP_PIDS+=("$server")
    for _ in $(seq 1 600); do
        grep -q '^listening on ' "$CP_WORK/server.out" && break
        kill -0 "$server" 2>/dev/null || cp_fail "tls-server died: $(cat "$CP_WORK/server.err")"
        sleep 0.1
    done
    addr=$(sed -n 's/^listening on //p' "$CP_WORK/server.out")
    [ -n "$addr" ] || cp_fail "tls-server did not listen within 60 s: $(cat "$CP_WORK/server.err")"
}

# The serial of the certificate the server presents.
served_serial() {
    openssl s_client -connect "$addr" -servername "$name" </dev/null 2>/dev/null |
        openssl x509 -noout -serial | sed 's/^serial=//'
}

stored_serial() {
    openssl x509 -noout -serial -in "$CP_WORK/state/certs/$name/cert.pem" | sed 's/^serial=//'
}

start_server
first=$(served_serial)
[ -n "$first" ] || cp_fail "no certificate presented at $addr"
[ "$first" = "$(stored_serial)" ] || cp_fail "served $first, stored $(stored_serial)"
# the chain verifies for the name against Pebble's root, and the response names the serial
body=$(curl -sS --max-time 10 --cacert "$PEBBLE_ROOT" --resolve "$name:${addr##*:}:127.0.0.1" \
    "https://$name:${addr##*:}/") || cp_fail "curl could not verify the served chain"
[ "$body" = "serial: $first" ] || cp_fail "the response names another certificate: $body (served $first)"

# A forced renewal in the running process: the new certificate is served by the same pid.
kill -USR1 "$server"
second=$first
for _ in $(seq 1 600); do
    kill -0 "$server" 2>/dev/null || cp_fail "tls-server died while renewing: $(cat "$CP_WORK/server.err")"
    second=$(served_serial || true)
    [ -z "$second" ] || [ "$second" = "$first" ] || break
    sleep 0.1
done
[ -n "$second" ] && [ "$second" != "$first" ] ||
    cp_fail "still serving $first 60 s after SIGUSR1: $(cat "$CP_WORK/server.err")"
[ "$second" = "$(stored_serial)" ] || cp_fail "served $second, stored $(stored_serial)"
grep -q '^renewed (forced' "$CP_WORK/server.out" || cp_fail "no renewal reported: $(cat "$CP_WORK/server.out")"
[ "$(cp_certpilot list --json | grep -c '"serial"')" = 1 ] || cp_fail "certpilot list does not show one certificate"

# SIGTERM stops it cleanly.
kill -TERM "$server"
rc=0
wait "$server" || rc=$?
[ "$rc" = 0 ] || cp_fail "tls-server exited $rc on SIGTERM"

# A second start serves what is stored: nothing is ordered.
start_server
[ "$(served_serial)" = "$second" ] || cp_fail "a restart did not serve the stored certificate"
kill -TERM "$server"
wait "$server" || true
echo "ok"
