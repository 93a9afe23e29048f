#!/usr/bin/env bash
# A first run from a config file on a machine with no account yet (what a
# timer does after install): without agree_tos the failure names the missing
# account and both ways to create it; every message about the CA's terms
# names --agree-tos and the config key; with agree_tos = yes (and email) in
# [certpilot], `issue` and `renew` create the account themselves, and renew
# reports the configured certificate as issued, not as a damaged one renewed.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
ini=$CP_WORK/fresh.ini
# write_ini ROOT [EXTRA GLOBAL LINE...]
write_ini() {
    local root=$1
    shift
    {
        printf '[certpilot]\nserver = %s\nca_bundle = %s\nroot = %s\nhook = %s\n' "$PEBBLE_URL" \
            "$PEBBLE_CA_BUNDLE" "$root" "$hook"
        printf '%s\n' "$@"
        printf '\n[cert:one]\nnames = one.example.test\n'
    } >"$ini"
}
run() { "$CERTPILOT" --config "$ini" "$@"; }

write_ini "$CP_WORK/state"
# renew with no account: the missing account, and how to make one, not "no certificate named one"
cp_expect_fail run renew
cp_check_err 1
cp_assert_contains "$CP_LAST_OUT" "failed one: no account \"default\" for $PEBBLE_URL in $CP_WORK/state/accounts/"
cp_assert_contains "$CP_LAST_OUT" ": create it with \`certpilot account new --agree-tos --email ADDR\`, or set agree_tos = yes (and email = ADDR) in [certpilot] of the config file so that issue and renew create it"
# issue: the same line
cp_expect_fail run issue -d two.example.test --hook "$hook"
cp_check_one_line
cp_assert_contains "$CP_LAST_ERR" "or set agree_tos = yes (and email = ADDR) in [certpilot]"
# account new without agreeing: the CA's terms, and how to agree to them
cp_expect_fail run account new
cp_check_err 2 "requires agreeing to its terms of service"
cp_check_one_line
cp_assert_contains "$CP_LAST_ERR" ": read them, then add --agree-tos (or set agree_tos = yes in [certpilot] of the config file)"

# agree_tos = yes: issue creates the account (with the config's email) ...
write_ini "$CP_WORK/state" "agree_tos = yes" "email = admin@example.test"
out=$(run issue -d two.example.test --hook "$hook" 2>&1) || cp_fail "issue with agree_tos = yes: $out"
cp_verify_cert "$CP_WORK/state/certs/two.example.test" two.example.test || cp_fail "two certificate"
out=$(run account show 2>&1) || cp_fail "account show: $out"
cp_assert_contains "$out" "contact: mailto:admin@example.test"
# ... and renew, on a fresh state, creates it and issues the configured certificate
write_ini "$CP_WORK/state2" "agree_tos = yes" "email = admin@example.test"
out=$(run renew 2>&1) || cp_fail "first renew with agree_tos = yes: $out"
grep -q "^issued one (new in the configuration) expires " <<<"$out" || cp_fail "one not issued: $out"
cp_verify_cert "$CP_WORK/state2/certs/one" one.example.test || cp_fail "one certificate"
ls "$CP_WORK"/state2/accounts/*/default/key.pem >/dev/null || cp_fail "no account created in state2"
# agree_tos is a global key
printf '[certpilot]\nserver = %s\n[cert:x]\nnames = x.example.test\nagree_tos = yes\n' "$PEBBLE_URL" >"$CP_WORK/bad.ini"
cp_expect_fail "$CERTPILOT" --config "$CP_WORK/bad.ini" renew
cp_check_err 2 'bad.ini:5: agree_tos in [cert:x]: only allowed in [certpilot]'
echo "ok"
