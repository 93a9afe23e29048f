#!/usr/bin/env bash
# RFC 8555 §7.6 revocation against Pebble through the library (tests/tools/acmetool):
# by the account key and by the certificate's own key, each checked in Pebble's
# management API with its reason; a second revocation is "already revoked";
# a bad reason names itself; a key that is not the certificate's is refused.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3
cp_start_pebble
: "${ACMETOOL:=$CP_SOURCE_DIR/build/tests/acmetool}"
[ -x "$ACMETOOL" ] || cp_fail "acmetool not found at $ACMETOOL (build first)"
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv

cp_certpilot account new --agree-tos --email a@example.test >/dev/null
acct_key=$(echo "$CP_WORK"/state/accounts/*/default/key.pem)
tool() { "$ACMETOOL" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" --key "$acct_key" "$@"; }

# Pebble's management API: "Valid" or "Revoked" and the reason code.
status_of() {
    local serial
    serial=$(openssl x509 -in "$1" -noout -serial | sed 's/^serial=//')
    curl -sS --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_MGMT_URL/cert-status-by-serial/$serial"
}
expect_status() {
    local got
    got=$(status_of "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["Status"], d.get("Reason", "-"))')
    [ "$got" = "$2" ] || cp_fail "$1: Pebble says \"$got\", expected \"$2\""
}

for n in one two three; do
    cp_certpilot issue -d $n.example.test --hook "$hook" >/dev/null
done
cert() { echo "$CP_WORK/state/certs/$1.example.test/cert.pem"; }
key() { echo "$CP_WORK/state/certs/$1.example.test/privkey.pem"; }
expect_status "$(cert one)" "Valid -"

# By the account key, with a reason.
tool revoke "$(cert one)" keyCompromise | grep -q "revoked: keyCompromise" || cp_fail "revoke printed nothing"
expect_status "$(cert one)" "Revoked 1"

# Again: a distinct "already revoked" error, not a generic CA failure.
cp_expect_fail tool revoke "$(cert one)" superseded
cp_check_err 1 "is already revoked"
cp_assert_contains "$CP_LAST_ERR" "acmetool: already exists: certificate"

# By the certificate's own key: no account involved (a lost account).
"$ACMETOOL" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" --key /nonexistent \
    revoke "$(cert two)" superseded --by-cert-key "$(key two)" >/dev/null
expect_status "$(cert two)" "Revoked 4"

# Unspecified leaves the reason out (RFC 8555 §7.6); Pebble then shows none.
tool revoke "$(cert three)" unspecified >/dev/null
expect_status "$(cert three)" "Revoked -"

# Local refusals name the bad thing; nothing reaches the CA.
cp_certpilot issue -d four.example.test --hook "$hook" >/dev/null
cp_expect_fail tool revoke "$(cert four)" cACompromise
cp_check_err 2 'revocation reason "cACompromise" is not one of unspecified, keyCompromise'
cp_expect_fail tool revoke "$(cert four)" superseded --by-cert-key "$(key one)"
cp_check_err 1 "certificate does not belong to the key"
expect_status "$(cert four)" "Valid -"
echo "ok"
