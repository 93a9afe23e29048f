#!/usr/bin/env bash
# Every account key type signs requests Pebble accepts (ES256, ES384, RS256),
# and every certificate key type gets a certificate for that key.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv

i=0
for pair in ec384:rsa2048 rsa2048:ec384 rsa3072:ec256 ec256:rsa4096; do
    acct=${pair%%:*} cert=${pair##*:}
    i=$((i + 1))
    cp_certpilot account new --agree-tos --account "a$i" --key-type "$acct" >/dev/null
    cp_certpilot issue --account "a$i" -d "k$i.example.test" --key-type "$cert" --hook "$hook" >/dev/null
    dir=$CP_WORK/state/certs/k$i.example.test
    cp_verify_cert "$dir" "k$i.example.test"
    text=$(openssl pkey -in "$dir/privkey.pem" -noout -text)
    case $cert in
    ec256) cp_assert_contains "$text" "NIST CURVE: P-256" ;;
    ec384) cp_assert_contains "$text" "NIST CURVE: P-384" ;;
    rsa*) cp_assert_contains "$text" "(${cert#rsa} bit" ;;
    esac
    cp_certpilot account show --account "a$i" | grep -qx "key type: $acct" || cp_fail "account a$i is not $acct"
done
echo "ok"
