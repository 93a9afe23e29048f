#!/usr/bin/env bash
# Account operations against Pebble through the library (tests/tools/acmetool):
# contact update (RFC 8555 §7.3.2), key rollover (§7.3.5) after which the new key
# orders and the old one is unknown, and deactivation (§7.3.6) after which a
# newOrder fails with the CA's reason.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
: "${ACMETOOL:=$CP_SOURCE_DIR/build/tests/acmetool}"
[ -x "$ACMETOOL" ] || cp_fail "acmetool not found at $ACMETOOL (build first)"
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv

url=$(cp_certpilot account new --agree-tos --email a@example.test | sed -n 's/^account: //p')
[ -n "$url" ] || cp_fail "account new printed no URL"
acct_dir=$(echo "$CP_WORK"/state/accounts/*/default)
tool() { "$ACMETOOL" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" "$@"; }

# Contacts: replaced, then cleared; a bad one is refused before the CA sees it.
out=$(tool --key "$acct_dir/key.pem" update-contact mailto:b@example.test mailto:c@example.test)
[ "$out" = 'contact: ["mailto:b@example.test","mailto:c@example.test"]' ] || cp_fail "update: $out"
cp_expect_fail tool --key "$acct_dir/key.pem" update-contact b@example.test
cp_check_err 2 'contact "b@example.test" is not a mailto: address'

# Key rollover to a P-384 key; the account URL stays.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$CP_WORK/new.pem" 2>/dev/null
out=$(tool --key "$acct_dir/key.pem" key-change "$CP_WORK/new.pem")
[ "$out" = "key changed: $url" ] || cp_fail "key-change: $out"
cp_expect_fail tool --key "$acct_dir/key.pem" key-change "$CP_WORK/new.pem"
cp_check_err 1 "has no account for this key"  # the old key no longer finds it
out=$(tool --key "$CP_WORK/new.pem" order new-key.example.test)
cp_assert_contains "$out" "order: "
cp_assert_contains "$out" " pending"
# A whole issuance with the new key in place of the stored one.
cp "$CP_WORK/new.pem" "$acct_dir/key.pem"
cp_certpilot issue -d new-key.example.test --hook "$hook" >/dev/null
cp_verify_cert "$CP_WORK/state/certs/new-key.example.test" new-key.example.test ||
    cp_fail "issuance with the new account key"
# Rolling over to a key another account holds is refused. RFC 8555 says the CA answers
# 409, but Pebble 2.4 answers 500 and Pebble 2.6 rolls over: certpilot asks the CA whose
# the new key is first (onlyReturnExisting) and refuses before any keyChange is sent.
other_url=$(cp_certpilot --root "$CP_WORK/other" account new --agree-tos | sed -n 's/^account: //p')
other_key=$(echo "$CP_WORK"/other/accounts/*/default/key.pem)
cp_expect_fail tool --key "$CP_WORK/new.pem" key-change "$other_key"
cp_check_err 1 "account $url: the new key already belongs to account $other_url"
# ... and the account still has its own key: it orders with it.
out=$(tool --key "$CP_WORK/new.pem" order still-mine.example.test)
cp_assert_contains "$out" "order: "

# Deactivation is final: a newOrder afterwards fails with the CA's reason.
out=$(tool --key "$CP_WORK/new.pem" deactivate)
[ "$out" = "status: deactivated" ] || cp_fail "deactivate: $out"
cp_expect_fail tool --key "$CP_WORK/new.pem" --kid "$url" order after.example.test
cp_check_err 1 "creating order: "
cp_assert_contains "$CP_LAST_ERR" "unauthorized: Account has been deactivated"
cp_expect_fail cp_certpilot -q issue -d after.example.test --hook "$hook"
cp_check_err 1 "unauthorized: Account has been deactivated"
cp_check_one_line
echo "ok"
