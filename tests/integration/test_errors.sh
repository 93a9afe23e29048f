#!/usr/bin/env bash
# Bad input gets one clear "certpilot: ..." line and the documented exit code
# (2 usage/configuration, 1 failure); account keys are 0600 and never lost.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
[ -x "$CERTPILOT" ] || cp_fail "certpilot binary not found at $CERTPILOT"
s=$CP_WORK/s

# usage: fails with exit 2, one line on stderr naming the culprit when given
usage() {
    local needle=$1
    shift
    cp_expect_fail "$CERTPILOT" --root "$s" "$@"
    cp_check_err 2 "$needle"
    cp_check_one_line
}
usage "--bogus" --bogus
usage "--bogus" list --bogus
usage "--frob" issue -d a.example.test --hook /bin/true --frob
usage "frobnicate" frobnicate
usage "-d" issue --hook /bin/true
usage "bad..name" issue -d 'bad..name' --hook /bin/true
usage "wildcard" issue -d '*.example.test' --standalone
usage "" issue -d a.example.test --hook /bin/true --webroot /tmp
usage "rsa1024" issue -d a.example.test --hook /bin/true --key-type rsa1024
usage "nope" --ca nope list
usage "" account
[ ! -e "$s/certs" ] || cp_fail "usage errors created $s/certs"

# A server that is not there: exit 1, naming the URL.
port=$("$FREEPORT")
url="https://127.0.0.1:$port/dir"
cp_expect_fail "$CERTPILOT" --root "$s" --server "$url" account new --agree-tos
cp_check_err 1 "$url"
cp_check_one_line

cp_start_pebble

# An unreadable --ca-bundle is a configuration error naming the file.
cp_expect_fail cp_certpilot --ca-bundle /nonexistent/ca.pem account show
cp_check_err 2 "/nonexistent/ca.pem"
cp_check_one_line
# Without the test CA, TLS verification refuses Pebble.
cp_expect_fail "$CERTPILOT" --root "$CP_WORK/state" --server "$PEBBLE_URL" account new --agree-tos
cp_check_err 1

# No account yet: exit 1 and a clear message pointing at `account new`.
cp_expect_fail cp_certpilot account show
cp_check_err 1 "account new"
cp_check_one_line
cp_assert_contains "$CP_LAST_ERR" "no account"

cp_certpilot account new --agree-tos --email x@example.test >/dev/null
key=$(echo "$CP_WORK"/state/accounts/*/default/key.pem)
[ -f "$key" ] || cp_fail "no account key under accounts/*/default/"
[ "$(stat -c %a "$key")" = 600 ] || cp_fail "account key $key is not mode 600"
cp_certpilot account show | grep -q "status: valid" || cp_fail "account show does not say status: valid"
cp_certpilot account show --json | grep -q '"valid"' || cp_fail "account show --json"

# A second `account new` under the same name keeps the key.
cp "$key" "$CP_WORK/key.before"
cp_expect_fail cp_certpilot account new --agree-tos
cp_check_err 1 "already exists"
cp_expect_fail cp_certpilot account new --agree-tos --account bad --email 'not an address'
cp_check_err 2 "not an address"
cmp -s "$key" "$CP_WORK/key.before" || cp_fail "the account key changed"

# A damaged account key: exit 1 naming the file, nothing issued.
printf 'garbage\n' >"$key"
cp_expect_fail cp_certpilot account show
cp_check_err 1 "$key"
cp_check_one_line
cp_expect_fail cp_certpilot issue -d a.example.test --hook "$CP_SOURCE_DIR/examples/hooks/challtestsrv"
cp_check_err 1 "$key"
[ ! -e "$CP_WORK/state/certs/a.example.test" ] || cp_fail "certs/a.example.test exists after a failure"
echo "ok"
