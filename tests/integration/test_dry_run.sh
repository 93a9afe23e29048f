#!/usr/bin/env bash
# --dry-run on issue and renew (certbot's meaning): the CA orders, solves and
# issues (the challenge hook runs), and nothing is stored: the state directory
# is byte-for-byte the same, no deploy target runs, no account is stored (a key
# in memory when there is none). Pebble has no staging twin: it is used as it is.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
state=$CP_WORK/state
export CHALLTESTSRV_URL
spy=$CP_WORK/spy-hook
printf '#!/bin/sh\necho "$1 $3" >>%s/spy.log\nexec %s "$@"\n' "$CP_WORK" "$hook" >"$spy"
chmod +x "$spy"
snapshot() { (cd "$1" && find . | LC_ALL=C sort && find . -type f | LC_ALL=C sort | xargs sha256sum); }

cp_certpilot account new --agree-tos >/dev/null 2>&1
mkdir -p "$CP_WORK/out-a" "$CP_WORK/out-new"
out=$(cp_certpilot issue -d a.example.test --hook "$spy" --deploy "files:$CP_WORK/out-a" 2>&1) || cp_fail "issue a: $out"
sum_a=$(sha256sum "$CP_WORK/out-a/cert.pem")
before=$(snapshot "$state")
rm -f "$CP_WORK/spy.log"

out=$(cp_certpilot issue --dry-run -d new.example.test --hook "$spy" --deploy "files:$CP_WORK/out-new" 2>&1) ||
    cp_fail "issue --dry-run: $out"
cp_assert_contains "$out" "dry run: ordering from $PEBBLE_URL (the CA given (no staging twin of it is known))"
cp_assert_contains "$out" "dry run: new.example.test would be issued (not stored yet): the CA issued it, nothing stored"
grep -qx "begin new.example.test" "$CP_WORK/spy.log" || cp_fail "the challenge hook did not run: $(cat "$CP_WORK/spy.log")"
grep -qx "done new.example.test" "$CP_WORK/spy.log" || cp_fail "the challenge was not validated"
[ -z "$(ls -A "$CP_WORK/out-new")" ] || cp_fail "a dry run ran a deploy target"
[ "$(snapshot "$state")" = "$before" ] || cp_fail "issue --dry-run changed the state: $(diff <(echo "$before") <(snapshot "$state"))"

out=$(cp_certpilot issue --dry-run -d a.example.test --hook "$spy" 2>&1) || cp_fail "issue --dry-run of a stored one: $out"
cp_assert_contains "$out" "dry run: a.example.test would be renewed (issue replaces the stored version): the CA issued it, nothing stored"

rm -f "$CP_WORK/spy.log"
out=$(cp_certpilot -v renew --dry-run 2>&1) || cp_fail "renew --dry-run: $out"
cp_assert_contains "$out" "dry run: a.example.test would be renewed (a third of the lifetime left; not due until "
cp_assert_contains "$out" "): the CA issued it, nothing stored"
cp_assert_contains "$out" "certpilot: dry run: 1 issued by the CA, 0 failed; nothing stored"
# the challenge is answered, unless Pebble reused the authorization (it does 1 time in 100
# even with PEBBLE_AUTHZREUSE=0, see lib.sh)
grep -qx "begin a.example.test" "$CP_WORK/spy.log" 2>/dev/null ||
    grep -q "authorization for a.example.test is valid already" <<<"$out" ||
    cp_fail "renew --dry-run: the hook did not run and no authorization was reused: $out"
[ "$(sha256sum "$CP_WORK/out-a/cert.pem")" = "$sum_a" ] || cp_fail "renew --dry-run deployed"
[ "$(snapshot "$state")" = "$before" ] || cp_fail "renew --dry-run changed the state: $(diff <(echo "$before") <(snapshot "$state"))"

# no account stored for this state: one is registered with a key kept in memory, and nothing is written
fresh=$CP_WORK/fresh
out=$(cp_certpilot --root "$fresh" issue --dry-run -d b.example.test --hook "$spy" --agree-tos --email me@example.test 2>&1) ||
    cp_fail "dry run without an account: $out"
cp_assert_contains "$out" "dry run: no account \"default\" stored for $PEBBLE_URL: registered "
cp_assert_contains "$out" "dry run: b.example.test would be issued (not stored yet): the CA issued it, nothing stored"
[ ! -e "$fresh" ] || cp_fail "a dry run created $fresh: $(find "$fresh")"
# the terms are agreed to only when the user agrees
if curl -fsS --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_URL" | grep -q termsOfService; then
    cp_expect_fail cp_certpilot --root "$fresh" issue --dry-run -d b.example.test --hook "$spy"
    cp_check_err 2 "requires agreeing to its terms of service"
    [ ! -e "$fresh" ] || cp_fail "a refused dry run created $fresh"
fi
cp_expect_fail cp_certpilot issue --dry-run --batch /dev/null --hook "$spy"
cp_check_err 2 "certpilot: issue: --dry-run takes one certificate, not a --batch"
echo "PASS: dry run"
