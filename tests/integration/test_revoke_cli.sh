#!/usr/bin/env bash
# `certpilot revoke` against Pebble: by the account, by the stored certificate's
# own key, by a file with its key (a lost account); each checked in Pebble's
# management API. The revoked version stays in the archive, meta.json records
# it, a second revoke is "already revoked" (exit 1), and `certpilot renew`
# replaces a revoked certificate at once. Usage errors exit 2.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv

cp_certpilot account new --agree-tos --email a@example.test >/dev/null
status_of() {
    local serial
    serial=$(openssl x509 -in "$1" -noout -serial | sed 's/^serial=//')
    curl -sS --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_MGMT_URL/cert-status-by-serial/$serial" |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["Status"], d.get("Reason", "-"))'
}
expect_status() {
    local got
    got=$(status_of "$1")
    [ "$got" = "$2" ] || cp_fail "$1: Pebble says \"$got\", expected \"$2\""
}
for n in one two three; do
    cp_certpilot issue -d $n.example.test --hook "$hook" >/dev/null
done
dir() { echo "$CP_WORK/state/certs/$1.example.test"; }

# By the account, with a reason; the archive keeps the version; meta.json says so.
v1=$(readlink "$(dir one)/current")
cp "$(dir one)/cert.pem" "$CP_WORK/one-old.pem"
out=$(cp_certpilot revoke one.example.test --reason keyCompromise)
cp_assert_contains "$out" "revoked one.example.test (serial "
cp_assert_contains "$out" "keyCompromise"
cp_assert_contains "$out" "the next \`certpilot renew\` replaces it"
expect_status "$(dir one)/cert.pem" "Revoked 1"
[ -s "$CP_WORK/state/certs/one.example.test/$v1/cert.pem" ] || cp_fail "revoked version left the archive"
serial=$(openssl x509 -in "$(dir one)/cert.pem" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f')
python3 - "$(dir one)/meta.json" "$serial" <<'PY' || cp_fail "meta.json has no revoked record"
import json, sys
r = json.load(open(sys.argv[1]))["revoked"]
assert r["serial"].lower().lstrip("0") == sys.argv[2].lstrip("0"), r
assert r["reason"] == "keyCompromise" and r["time"].endswith("Z"), r
PY

# Again: "already revoked", exit 1, one line.
cp_expect_fail cp_certpilot revoke one.example.test --reason superseded
cp_check_err 1 "is already revoked (keyCompromise"
cp_check_one_line

# renew replaces the revoked certificate at once, with a new serial, and the old stays archived.
out=$(cp_certpilot renew --cert-name one.example.test)
cp_assert_contains "$out" "renewed one.example.test (forced: revoked"
[ "$(readlink "$(dir one)/current")" != "$v1" ] || cp_fail "renew did not make a new version"
cp_verify_cert "$(dir one)" one.example.test || cp_fail "renewed certificate"
expect_status "$(dir one)/cert.pem" "Valid -"
python3 -c 'import json,sys; sys.exit("revoked" in json.load(open(sys.argv[1])))' "$(dir one)/meta.json" ||
    cp_fail "meta.json still says revoked after renewal"
out=$(cp_certpilot renew --cert-name one.example.test)
cp_assert_contains "$out" "not due one.example.test"
# A record of an earlier version's revocation (a run killed between the switch to the
# new version and the meta.json write) does not force the current one again.
python3 - "$(dir one)/meta.json" "$serial" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["revoked"] = {"serial": sys.argv[2], "reason": "keyCompromise", "time": "2026-01-01T00:00:00Z"}
json.dump(d, open(sys.argv[1], "w"))
PY
out=$(cp_certpilot renew --cert-name one.example.test)
cp_assert_contains "$out" "not due one.example.test"
# ... while one naming the current serial (as openssl prints it) does.
cur=$(openssl x509 -in "$(dir one)/cert.pem" -noout -serial | sed 's/^serial=//')
python3 - "$(dir one)/meta.json" "$cur" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["revoked"] = {"serial": sys.argv[2], "reason": "superseded", "time": "2026-01-01T00:00:00Z"}
json.dump(d, open(sys.argv[1], "w"))
PY
out=$(cp_certpilot renew --cert-name one.example.test)
cp_assert_contains "$out" "renewed one.example.test (forced: revoked"

# By the stored certificate's own key.
cp_certpilot revoke --reason superseded two.example.test --by-cert-key >/dev/null  # NAME anywhere
expect_status "$(dir two)/cert.pem" "Revoked 4"

# A file and its key, without any account (another state root with none): a lost account.
cp_certpilot --root "$CP_WORK/empty" revoke --cert "$(dir three)/fullchain.pem" \
    --key "$(readlink -f "$(dir three)/privkey.pem")" --reason cessationOfOperation >/dev/null
expect_status "$(dir three)/cert.pem" "Revoked 5"
# The CA says it was revoked before: the store's copy is marked as well.
cp_expect_fail cp_certpilot revoke --cert "$(dir three)/cert.pem"
cp_check_err 1 "is already revoked"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))["revoked"]' "$(dir three)/meta.json" ||
    cp_fail "CA's alreadyRevoked not recorded"

# Usage errors: exit 2, nothing reaches the CA.
cp_certpilot issue -d four.example.test --hook "$hook" >/dev/null
cp_expect_fail cp_certpilot revoke four.example.test --reason cACompromise
cp_check_err 2 'revocation reason "cACompromise" is not one of'
cp_expect_fail cp_certpilot revoke
cp_check_err 2 "give a certificate NAME or --cert FILE"
cp_expect_fail cp_certpilot revoke four.example.test --key "$(dir four)/privkey.pem"
cp_check_err 2 "--key goes with --cert FILE"
cp_expect_fail cp_certpilot revoke nosuch.example.test
cp_check_err 1 "no certificate named nosuch.example.test"
cp_expect_fail cp_certpilot revoke --cert "$(dir four)/cert.pem" --key "$(readlink -f "$(dir two)/privkey.pem")"
cp_check_err 1 "does not belong to the key"
expect_status "$(dir four)/cert.pem" "Valid -"

# The CA that issued it (meta.json's server) revokes it, whatever --server says.
cp_certpilot revoke four.example.test --server "https://127.0.0.1:${PEBBLE_URL#https://localhost:}" >/dev/null
expect_status "$(dir four)/cert.pem" "Revoked -"
echo "ok"
