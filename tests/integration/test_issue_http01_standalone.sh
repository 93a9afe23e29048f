#!/usr/bin/env bash
# http-01 through the built-in responder on IPv4 and IPv6 loopback (Pebble
# dials [::1] first: challtestsrv answers AAAA queries with ::1); a port that is
# already taken fails cleanly with a line naming the address.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble

p=$PEBBLE_HTTP_PORT
cp_certpilot issue --agree-tos -d web.example.test -d www.web.example.test \
    --standalone --listen "127.0.0.1:$p" --listen "[::1]:$p" >/dev/null
cp_verify_cert "$CP_WORK/state/certs/web.example.test" web.example.test www.web.example.test
# the responder is gone once issue returns
if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/"; then
    cp_fail "something still listens on 127.0.0.1:$p after issue returned"
fi

# Occupy the port (a second challtestsrv serving http-01 there), then ask for it.
pebble-challtestsrv -http01 "127.0.0.1:$p" -dns01 "" -https01 "" -tlsalpn01 "" \
    -management "127.0.0.1:$("$FREEPORT")" >"$CP_WORK/blocker.log" 2>&1 &
blocker=$!
CP_PIDS+=("$blocker")
cp_wait_url "http://127.0.0.1:$p/" || cp_fail "the port blocker did not start"
cp_expect_fail cp_certpilot -q issue -d busy.example.test --standalone --listen "127.0.0.1:$p"
cp_check_err 1 "127.0.0.1:$p"
cp_check_one_line
[ ! -e "$CP_WORK/state/certs/busy.example.test" ] || cp_fail "files left for a failed issue"
kill -0 "$blocker" 2>/dev/null || cp_fail "the blocker died: the port was not really taken"
echo "ok"
