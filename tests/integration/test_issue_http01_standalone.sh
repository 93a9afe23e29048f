#!/usr/bin/env bash
# http-01 through the built-in responder on IPv4 and IPv6 loopback (Pebble
# dials [::1] when the test DNS has an AAAA record); a busy port fails cleanly.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble

p=$PEBBLE_HTTP_PORT
cp_certpilot issue --agree-tos -d web.example.test -d www.web.example.test \
    --standalone --listen "127.0.0.1:$p" --listen "[::1]:$p" >/dev/null
cp_verify_cert "$CP_WORK/state/certs/web.example.test" web.example.test www.web.example.test

# Occupy the port, then ask for it: exit 1 and a message naming the address.
pebble-challtestsrv -http01 "127.0.0.1:$p" -dns01 "" -https01 "" -tlsalpn01 "" \
    -management "127.0.0.1:$("$FREEPORT")" >"$CP_WORK/blocker.log" 2>&1 &
CP_PIDS+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.1; done
cp_expect_fail cp_certpilot issue -d busy.example.test --standalone --listen "127.0.0.1:$p"
cp_check_err 1
cp_assert_contains "$CP_LAST_ERR" "cannot listen on 127.0.0.1:$p"
[ ! -e "$CP_WORK/state/certs/busy.example.test" ] || cp_fail "files left for a failed issue"
echo "ok"
