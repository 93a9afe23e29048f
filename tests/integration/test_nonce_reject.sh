#!/usr/bin/env bash
# Pebble rejecting 30% of good nonces: badNonce answers are retried and the
# certificates are still issued. Two issues make ~25 signed requests, so the
# chance that none is rejected (and the check below proves nothing) is 0.7^25.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
PEBBLE_WFE_NONCEREJECT=30 cp_start_pebble
grep -q "reject 30% of good nonces" "$CP_WORK/pebble/pebble.log" ||
    cp_fail "Pebble did not take PEBBLE_WFE_NONCEREJECT=30"

cp_certpilot -v account new --agree-tos >/dev/null 2>"$CP_WORK/account.err"
cp_certpilot -v issue -d n.example.test -d '*.n.example.test' \
    --hook "$CP_SOURCE_DIR/examples/hooks/challtestsrv" >/dev/null 2>"$CP_WORK/issue.err"
cp_verify_cert "$CP_WORK/state/certs/n.example.test" n.example.test '*.n.example.test'
cp_certpilot -v issue -d m.example.test -d www.m.example.test -d '*.m.example.test' \
    --hook "$CP_SOURCE_DIR/examples/hooks/challtestsrv" >/dev/null 2>"$CP_WORK/issue2.err"
cp_verify_cert "$CP_WORK/state/certs/m.example.test" m.example.test www.m.example.test '*.m.example.test'
# grep reads the files itself: `cat | grep -q` fails under pipefail when grep stops early
grep -q "badNonce" "$CP_WORK/account.err" "$CP_WORK/issue.err" "$CP_WORK/issue2.err" ||
    cp_fail "no badNonce was retried (is PEBBLE_WFE_NONCEREJECT honoured?)"
echo "ok"
