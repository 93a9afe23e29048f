#!/usr/bin/env bash
# certpilot run --acme-ini: the seed articles' acme.ini read as it is. Its
# account key is used as it is (the account created with its contacts, and
# found again with onlyReturnExisting from a fresh state), its CSR names the
# certificate (the key stays the user's), the full chain lands in ChainFile,
# UserAgent and Language go to the CA. The published example's malformed
# first contact is refused locally, before any request.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
w=$CP_WORK/seed && mkdir -p "$w" && cd "$w"
openssl ecparam -name prime256v1 -genkey -noout -out account.key 2>/dev/null
chmod 600 account.key
openssl req -new -newkey rsa:2048 -nodes -keyout domain.key -subj "/CN=seed.example.test" \
    -addext "subjectAltName=DNS:seed.example.test,DNS:www.seed.example.test" -out domain.csr 2>/dev/null
write_ini() {
    cat >acme.ini <<INI
[acme-neoprime]
UserAgent = NeoPrime
AccountKeyFile = account.key
CSRFile = domain.csr
ChainFile = $2
ACMEDirectory = $PEBBLE_URL
Contacts = $1
Language = zh-CN
INI
}
run() { "$CERTPILOT" --root "$1" --ca-bundle "$PEBBLE_CA_BUNDLE" run --acme-ini acme.ini --hook "$hook" --agree-tos; }

# The published example's first contact has no @: refused before the CA hears of it.
write_ini "mailto:example.com;mailto:support@example.test" chain.crt
requests=$(grep -c 'calling handler' "$CP_WORK/pebble/pebble.log" || true)
cp_expect_fail run "$CP_WORK/s0"
cp_check_err 2 'acme.ini:7: Contacts: "mailto:example.com" is not an e-mail address'
[ "$(grep -c 'calling handler' "$CP_WORK/pebble/pebble.log" || true)" = "$requests" ] ||
    cp_fail "a request reached the CA before the contact was refused"

write_ini "mailto:admin@example.test;mailto:ops@example.test" chain.crt
run "$CP_WORK/s1" >/dev/null 2>"$CP_WORK/run.err" || cp_fail "run --acme-ini: $(cat "$CP_WORK/run.err")"
[ -s chain.crt ] || cp_fail "ChainFile not written"
[ "$(grep -c 'BEGIN CERTIFICATE' chain.crt)" -ge 2 ] || cp_fail "ChainFile does not hold the full chain"
[ "$(openssl x509 -noout -pubkey -in chain.crt | openssl sha256)" = \
  "$(openssl pkey -pubout -in domain.key | openssl sha256)" ] || cp_fail "not the CSR's key"
stored=$(echo "$CP_WORK"/s1/accounts/*/acme-neoprime/key.pem)
cmp -s <(openssl pkey -in "$stored" -pubout) <(openssl pkey -in account.key -pubout) ||
    cp_fail "the account key from AccountKeyFile was not used"
grep -q "ops@example.test" "$(dirname "$stored")/account.json" || cp_fail "contacts not registered"

# A fresh state with the same key: the existing account is found, not created again.
run "$CP_WORK/s2" >/dev/null 2>"$CP_WORK/run2.err" || cp_fail "second run: $(cat "$CP_WORK/run2.err")"
grep -q "ready" "$CP_WORK/run2.err" || cp_fail "the existing account was not found: $(cat "$CP_WORK/run2.err")"

# ChainFile is a path and only a path: ",reload=..." (or owner=, shell=) in it adds no
# command, neither at the issue nor at a renewal; the file of that literal name is written.
inj="$w/x/chain.pem,reload=/usr/bin/touch $w/PWNED"
mkdir -p "$(dirname "$inj")"
write_ini "mailto:admin@example.test" "$inj"
run "$CP_WORK/s4" >/dev/null 2>"$CP_WORK/run4.err" || cp_fail "run with a comma in ChainFile: $(cat "$CP_WORK/run4.err")"
[ ! -e "$w/PWNED" ] || cp_fail "a reload command came out of ChainFile"
[ "$(grep -c 'BEGIN CERTIFICATE' "$inj")" -ge 2 ] || cp_fail "ChainFile's literal path not written"
meta=$(echo "$CP_WORK"/s4/certs/*/meta.json)
grep -q '"reload"' "$meta" && cp_fail "meta.json got a reload setting: $(cat "$meta")"
"$CERTPILOT" --root "$CP_WORK/s4" --ca-bundle "$PEBBLE_CA_BUNDLE" renew --force >/dev/null 2>&1 ||
    cp_fail "renew of the acme.ini certificate"
[ ! -e "$w/PWNED" ] || cp_fail "a renewal ran a reload command out of ChainFile"

# An acme.ini that others may write is refused before anything is sent.
write_ini "mailto:admin@example.test" chain.crt
chmod 664 acme.ini
requests=$(grep -c 'calling handler' "$CP_WORK/pebble/pebble.log" || true)
cp_expect_fail run "$CP_WORK/s5"
cp_check_err 2 "acme.ini acme.ini may be written by group or others (mode 664); run: chmod go-w acme.ini"
[ "$(grep -c 'calling handler' "$CP_WORK/pebble/pebble.log" || true)" = "$requests" ] ||
    cp_fail "a request reached the CA for a group-writable acme.ini"
chmod 644 acme.ini

# An account key others may read is refused with the fix.
chmod 644 account.key
cp_expect_fail run "$CP_WORK/s3"
cp_check_err 1 "chmod 600"
echo "ok"
