#!/usr/bin/env bash
# certbot's habits (issue 23 #9): `renew -q` is silent while nothing is due; `issue`
# of a stored, valid certificate with the same names is nothing to do unless --force,
# a change (names added, key type) issues it again and says so; names it would drop
# are refused without --force (exit 2); without --server, a stored certificate goes
# back to the CA that issued it; `list` and `account list` never create a state root.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init

# (e) read-only commands on a missing root: nothing is created, exit 0.
none=$CP_WORK/no-such-root
for cmd in list "account list"; do
    # shellcheck disable=SC2086 # two words for "account list"
    "$CERTPILOT" --root "$none" --server https://127.0.0.1:1/dir $cmd >/dev/null 2>&1 ||
        cp_fail "$cmd on a missing root failed (exit $?)"
    [ ! -e "$none" ] || cp_fail "$cmd created the missing state root $none"
done

cp_start_pebble
: >"$CP_WORK/empty.ini"
export CERTPILOT_CONFIG=$CP_WORK/empty.ini  # no /etc/certpilot/certpilot.ini: the built-in defaults
unset CERTPILOT_SERVER CERTPILOT_ROOT CERTPILOT_CA_BUNDLE
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
dir=$CP_WORK/state/certs/a.example.test
serial() { openssl x509 -in "$dir/cert.pem" -noout -serial; }

cp_certpilot account new --agree-tos --email ops@example.test >/dev/null
cp_certpilot issue -d a.example.test -d b.example.test --hook "$hook" >/dev/null
s1=$(serial)

# (b) the same names and key type, valid: nothing to do, exit 0, nothing ordered.
na=$(date -u -d "$(openssl x509 -in "$dir/cert.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
out=$(cp_certpilot issue -d a.example.test -d b.example.test --hook "$hook") ||
    cp_fail "issue of a valid certificate failed"
[ "$out" = "a.example.test is valid until $na with the same names: nothing to do (use --force to issue it again)" ] ||
    cp_fail "issue of a valid certificate printed: $out"
[ "$(serial)" = "$s1" ] || cp_fail "issue of a valid certificate with the same names issued it again"
cp_certpilot issue -d a.example.test -d b.example.test --hook "$hook" --force >/dev/null
s2=$(serial)
[ "$s2" != "$s1" ] || cp_fail "issue --force did not issue it again"

# a change issues it again, and says so: another key type; a name added.
err=$(cp_certpilot issue -d a.example.test -d b.example.test --hook "$hook" --key-type rsa2048 2>&1 >/dev/null)
cp_assert_contains "$err" "certificate a.example.test exists (forced: key type changed): issuing it again"
s3=$(serial)
[ "$s3" != "$s2" ] || cp_fail "issue with another key type did not issue it again"
err=$(cp_certpilot issue -d a.example.test -d b.example.test -d c.example.test --key-type rsa2048 \
    --hook "$hook" 2>&1 >/dev/null)
cp_assert_contains "$err" "certificate a.example.test exists (forced: names changed): issuing it again"
cp_verify_cert "$dir" a.example.test b.example.test c.example.test

# (c) --cert-name of another certificate with names it would drop: refused, exit 2.
cp_expect_fail cp_certpilot issue -d c.example.test --cert-name a.example.test --hook "$hook"
cp_check_err 2 "certpilot: certificate a.example.test holds a.example.test, b.example.test, c.example.test; issuing it for c.example.test would drop a.example.test, b.example.test: add --force to replace them"
cp_check_one_line
cp_certpilot issue -d c.example.test --cert-name a.example.test --hook "$hook" --force >/dev/null
cp_verify_cert "$dir" c.example.test

# (d) no --server, no config server: the stored CA (Pebble), not Let's Encrypt production.
s4=$(serial)
"$CERTPILOT" --root "$CP_WORK/state" --ca-bundle "$PEBBLE_CA_BUNDLE" issue -d c.example.test \
    --cert-name a.example.test --hook "$hook" --force >"$CP_WORK/d.out" 2>"$CP_WORK/d.err" ||
    cp_fail "issue without --server did not go to the stored CA: $(cat "$CP_WORK/d.err")"
cp_assert_contains "$(cat "$CP_WORK/d.err")" "using the CA that issued it, $PEBBLE_URL"
[ "$(serial)" != "$s4" ] || cp_fail "issue without --server issued nothing"

# (a) renew -q: nothing due prints nothing at all; a renewal prints its line and the summary.
out=$(cp_certpilot renew 2>&1)
cp_assert_contains "$out" "not due a.example.test until"
out=$(cp_certpilot -q renew 2>&1) || cp_fail "renew -q failed: $out"
[ -z "$out" ] || cp_fail "renew -q with nothing due printed: $out"
out=$(cp_certpilot renew -q --force 2>&1) || cp_fail "renew -q --force failed: $out"
cp_assert_contains "$out" "renewed a.example.test (forced: requested) expires"
cp_assert_contains "$out" "certpilot: 1 renewed, 0 not due, 0 failed"
echo "ok"
