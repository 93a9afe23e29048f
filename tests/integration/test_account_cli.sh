#!/usr/bin/env bash
# `certpilot account update|key-change|deactivate|list` against Pebble:
# contacts replaced and cleared (account.json follows); a key change keeps the
# old key in archive/, the new one orders, the old one is unknown to the CA; a
# key-new.pem left by a crash after the CA took it is finished by the next
# command, one the CA never saw is dropped; deactivate refuses without a terminal
# unless --yes, and afterwards an order fails (certpilot says so, and so does the CA); list shows
# every account of every CA. Usage errors exit 2.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv

url=$(cp_certpilot account new --agree-tos --email a@example.test | sed -n 's/^account: //p')
[ -n "$url" ] || cp_fail "account new printed no URL"
acct=$(echo "$CP_WORK"/state/accounts/*/default)
contacts() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("contact"))' "$acct/account.json"; }

# Contacts.
out=$(cp_certpilot account update --email b@example.test --email mailto:c@example.test)
cp_assert_contains "$out" "contact: mailto:b@example.test"
cp_assert_contains "$out" "contact: mailto:c@example.test"
[ "$(contacts)" = "['mailto:b@example.test', 'mailto:c@example.test']" ] || cp_fail "account.json: $(contacts)"
out=$(cp_certpilot account show)
cp_assert_contains "$out" "contact: mailto:c@example.test"
cp_certpilot account update --no-email >/dev/null
[ "$(contacts)" = "[]" ] || cp_fail "account.json after --no-email: $(contacts)"
cp_expect_fail cp_certpilot account update
cp_check_err 2 "give --email ADDR"
cp_expect_fail cp_certpilot account update --email not-an-address
cp_check_err 2 'contact "not-an-address" is not an e-mail address'

# Key change to P-384: old key archived (0600, never overwritten), account URL unchanged.
old_pub=$(openssl pkey -in "$acct/key.pem" -pubout)
cp "$acct/key.pem" "$CP_WORK/old.pem"
out=$(cp_certpilot account key-change --key-type ec384)
cp_assert_contains "$out" "account: $url"
cp_assert_contains "$out" "the old key is kept in $acct/archive/"
arch=$(echo "$acct"/archive/*-key.pem)
[ "$(openssl pkey -in "$arch" -pubout)" = "$old_pub" ] || cp_fail "archive does not hold the old key"
[ "$(stat -c %a "$arch")" = 600 ] || cp_fail "archived key mode"
[ "$(stat -c %a "$acct/archive")" = 700 ] || cp_fail "archive directory mode"
[ "$(stat -c %a "$acct/key.pem")" = 600 ] || cp_fail "key.pem mode"
cp_assert_contains "$(openssl pkey -in "$acct/key.pem" -noout -text)" "NIST CURVE: P-384"
[ ! -e "$acct/key-new.pem" ] || cp_fail "key-new.pem left behind"
cp_assert_contains "$(cp_certpilot account list)" "ec384"
cp_certpilot issue -d after-change.example.test --hook "$hook" >/dev/null
cp_verify_cert "$CP_WORK/state/certs/after-change.example.test" after-change.example.test ||
    cp_fail "issuance with the new key"
# The old key has no account any more.
mkdir -p "$CP_WORK/oldroot" && chmod 700 "$CP_WORK/oldroot"
cp_expect_fail cp_certpilot --root "$CP_WORK/oldroot" account new --key "$CP_WORK/old.pem"
cp_assert_contains "$CP_LAST_ERR" "agree"   # not found: it would have to be created again

# A key given as a file.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CP_WORK/given.pem" 2>/dev/null
chmod 600 "$CP_WORK/given.pem"
cp_certpilot account key-change --key "$CP_WORK/given.pem" >/dev/null
[ "$(openssl pkey -in "$acct/key.pem" -pubout)" = "$(openssl pkey -in "$CP_WORK/given.pem" -pubout)" ] ||
    cp_fail "key.pem is not the given key"
[ "$(find "$acct/archive" -name '*-key.pem' | wc -l)" = 2 ] || cp_fail "two archived keys expected"
cp_expect_fail cp_certpilot account key-change --key "$CP_WORK/given.pem" --key-type ec256
cp_check_err 2 "exclude each other"

# A crash between "the CA took the new key" and the rename: the next command that
# opens the account (here an issue) finishes it.
: "${ACMETOOL:=$CP_SOURCE_DIR/build/tests/acmetool}"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CP_WORK/crash.pem" 2>/dev/null
"$ACMETOOL" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" \
    --key "$acct/key.pem" key-change "$CP_WORK/crash.pem" >/dev/null
install -m 600 "$CP_WORK/crash.pem" "$acct/key-new.pem"
cp_certpilot issue -d after-crash.example.test --hook "$hook" >/dev/null 2>"$CP_WORK/kc.err"
cp_assert_contains "$(cat "$CP_WORK/kc.err")" "finishing the key change of account $url"
[ "$(openssl pkey -in "$acct/key.pem" -pubout)" = "$(openssl pkey -in "$CP_WORK/crash.pem" -pubout)" ] ||
    cp_fail "key.pem is not the key the CA took"
[ "$(find "$acct/archive" -name '*-key.pem' | wc -l)" = 3 ] || cp_fail "crashed change not archived"
[ ! -e "$acct/key-new.pem" ] || cp_fail "key-new.pem left after recovery"
# A key-new.pem the CA never saw is dropped, and the change goes ahead.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$acct/key-new.pem" 2>/dev/null
chmod 600 "$acct/key-new.pem"
cp_certpilot account key-change >/dev/null
[ ! -e "$acct/key-new.pem" ] || cp_fail "unused key-new.pem kept"

# list: every CA, every account.
cp_certpilot account new --account second --agree-tos >/dev/null
cp_certpilot --server "https://127.0.0.1:${PEBBLE_URL#https://localhost:}" account new --agree-tos >/dev/null
out=$(cp_certpilot account list)
cp_assert_contains "$out" "localhost_"
cp_assert_contains "$out" "127.0.0.1_"
[ "$(printf '%s\n' "$out" | grep -c ' valid ')" = 3 ] || cp_fail "list: $out"
cp_assert_contains "$out" "second"

# Deactivate: refused without a terminal, done with --yes, final.
cp_expect_fail cp_certpilot account deactivate </dev/null
cp_check_err 2 "no terminal to confirm on; add --yes"
if command -v script >/dev/null 2>&1; then
    # on a terminal it asks; anything but "yes" changes nothing (exit 1)
    rc=0
    printf 'no\n' | script -qec "$(printf '%q ' "$CERTPILOT" --root "$CP_WORK/state" --server "$PEBBLE_URL" \
        --ca-bundle "$PEBBLE_CA_BUNDLE" account deactivate)" /dev/null >"$CP_WORK/tty.out" 2>&1 || rc=$?
    [ "$rc" = 1 ] || cp_fail "declined deactivation: exit $rc: $(cat "$CP_WORK/tty.out")"
    cp_assert_contains "$(cat "$CP_WORK/tty.out")" "Deactivate account \"default\" at $PEBBLE_URL for good?"
    cp_assert_contains "$(cat "$CP_WORK/tty.out")" "not confirmed; nothing changed"
    cp_assert_contains "$(cp_certpilot account show)" "status: valid"
fi
out=$(cp_certpilot account deactivate --yes)
cp_assert_contains "$out" "status: deactivated"
cp_assert_contains "$(cp_certpilot account list)" "deactivated"
cp_expect_fail cp_certpilot -q issue -d after.example.test --hook "$hook"
cp_check_err 1 "account \"default\" ($url) was deactivated on "
cp_check_one_line
[ ! -e "$CP_WORK/state/certs/after.example.test" ] || cp_fail "a deactivated account stored something"
# The CA refuses it too, whatever account.json says.
python3 - "$acct/account.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d.pop("deactivated"); json.dump(d, open(sys.argv[1], "w"))
PY
cp_expect_fail cp_certpilot -q issue -d after.example.test --hook "$hook"
cp_check_err 1 "unauthorized: Account has been deactivated"
cp_check_one_line
echo "ok"
