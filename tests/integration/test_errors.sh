#!/usr/bin/env bash
# Bad input gets one clear line and the documented exit code; nothing is lost.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init

cp_expect_fail "$CERTPILOT" --bogus
cp_check_err 2 "--bogus"
cp_expect_fail "$CERTPILOT" frobnicate
cp_check_err 2 "frobnicate"
cp_expect_fail "$CERTPILOT" --root "$CP_WORK/s" issue --hook /bin/true
cp_check_err 2 "-d"
cp_expect_fail "$CERTPILOT" --root "$CP_WORK/s" issue -d 'bad..name' --hook /bin/true
cp_check_err 2 "bad..name"
cp_expect_fail "$CERTPILOT" --root "$CP_WORK/s" issue -d '*.example.test' --standalone
cp_check_err 2 "wildcard"
cp_expect_fail "$CERTPILOT" --root "$CP_WORK/s" issue -d a.example.test --hook /bin/true --webroot /tmp
cp_check_err 2
cp_expect_fail "$CERTPILOT" --root "$CP_WORK/s" issue -d a.example.test --hook /bin/true --key-type rsa1024
cp_check_err 2 "rsa1024"

# A closed port: exit 1 naming the URL.
port=$("$FREEPORT")
cp_expect_fail "$CERTPILOT" --root "$CP_WORK/s" --server "https://127.0.0.1:$port/dir" account new --agree-tos
cp_check_err 1 "127.0.0.1:$port"

cp_start_pebble
cp_expect_fail cp_certpilot --ca-bundle /nonexistent/ca.pem account show
cp_check_err 2 "/nonexistent/ca.pem"
# Without the test CA, TLS verification refuses Pebble.
cp_expect_fail "$CERTPILOT" --root "$CP_WORK/state" --server "$PEBBLE_URL" account new --agree-tos
cp_check_err 1
cp_expect_fail cp_certpilot account show
cp_check_err 1 "account new"

cp_certpilot account new --agree-tos --email x@example.test >/dev/null
cp_certpilot account show | grep -q "status: valid" || cp_fail "account show"
cp_expect_fail cp_certpilot account new --agree-tos
cp_check_err 1 "already exists"
key=$(echo "$CP_WORK"/state/accounts/*/default/key.pem)
cp "$key" "$CP_WORK/key.before"
cp_expect_fail cp_certpilot account new --agree-tos --account bad --email 'not an address'
cp_check_err 2 "not an address"
cmp -s "$key" "$CP_WORK/key.before" || cp_fail "the account key changed"

# A damaged account key: exit 1 naming the file.
printf 'garbage\n' >"$key"
cp_expect_fail cp_certpilot issue -d a.example.test --hook "$CP_SOURCE_DIR/examples/hooks/challtestsrv"
cp_check_err 1 "$key"
echo "ok"
