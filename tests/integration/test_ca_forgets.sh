#!/usr/bin/env bash
# Pebble forgets its accounts when it restarts: certpilot says so in one line,
# and `account new` registers the same key again (the key is never replaced).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv

cp_certpilot account new --agree-tos --email a@example.test >/dev/null
cp_expect_fail cp_certpilot account new --agree-tos
cp_check_err 1 "already exists"
key=$(echo "$CP_WORK"/state/accounts/*/default/key.pem)
cp "$key" "$CP_WORK/key.before"

cp_restart_pebble
cp_expect_fail cp_certpilot issue -d f.example.test --hook "$hook"
cp_check_err 1 "no longer knows this account"
[ "$(printf '%s\n' "$CP_LAST_ERR" | grep -c '^certpilot: ')" = 1 ] || cp_fail "expected one error line"

cp_certpilot account new --agree-tos >/dev/null 2>"$CP_WORK/err"
grep -q "registered again" "$CP_WORK/err" || cp_fail "no re-registration: $(cat "$CP_WORK/err")"
cmp -s "$key" "$CP_WORK/key.before" || cp_fail "the account key was replaced"
cp_certpilot issue -d f.example.test --hook "$hook" >/dev/null
cp_verify_cert "$CP_WORK/state/certs/f.example.test" f.example.test
echo "ok"
