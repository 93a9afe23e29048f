#!/usr/bin/env bash
# account new --key FILE: another client's key finds its existing account
# (onlyReturnExisting) or registers a new one; bad keys are refused.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
run() { local root=$1; shift; "$CERTPILOT" --root "$CP_WORK/$root" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" "$@"; }

url_a=$(run a account new --agree-tos --email a@example.test | sed -n 's/^account: //p')
key_a=$(echo "$CP_WORK"/a/accounts/*/default/key.pem)

# The same key elsewhere: the CA's existing account, no terms needed again.
url_b=$(run b account new --key "$key_a" | sed -n 's/^account: //p')
[ -n "$url_a" ] && [ "$url_a" = "$url_b" ] || cp_fail "imported key got [$url_b], expected [$url_a]"
run b issue -d imp.example.test --hook "$CP_SOURCE_DIR/examples/hooks/challtestsrv" >/dev/null
cp_verify_cert "$CP_WORK/b/certs/imp.example.test" imp.example.test

# A key the CA has never seen (RSA, traditional PEM): terms are needed, then a new account.
openssl genrsa -traditional -out "$CP_WORK/rsa.pem" 2048 2>/dev/null
cp_expect_fail run c account new --key "$CP_WORK/rsa.pem"
cp_check_err 2 "terms of service"
[ -z "$(find "$CP_WORK/c" -name key.pem 2>/dev/null)" ] || cp_fail "a refused import left a stored key"
url_c=$(run c account new --agree-tos --key "$CP_WORK/rsa.pem" | sed -n 's/^account: //p')
[ -n "$url_c" ] && [ "$url_c" != "$url_a" ] || cp_fail "new key did not get a new account"
stored=$(echo "$CP_WORK"/c/accounts/*/default/key.pem)
[ "$(stat -c %a "$stored")" = 600 ] || cp_fail "imported key is not mode 600"
head -n 1 "$stored" | grep -q "BEGIN PRIVATE KEY" || cp_fail "imported key not stored as PKCS#8"

printf 'not a key\n' >"$CP_WORK/junk.pem"
chmod 600 "$CP_WORK/junk.pem"
cp_expect_fail run d account new --agree-tos --key "$CP_WORK/junk.pem"
cp_check_err 1 "$CP_WORK/junk.pem"
cp_expect_fail run d account new --agree-tos --key "$CP_WORK/rsa.pem" --key-type ec256
cp_check_err 2 "--key-type"
echo "ok"
