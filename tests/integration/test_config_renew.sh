#!/usr/bin/env bash
# A config file drives everything: [certpilot] names the CA, its CA bundle and
# the state root (which wins over $CERTPILOT_ROOT, and --root over it), each
# [cert:NAME] a certificate. `certpilot list` shows them as renew sees them
# (not issued yet; then renews at the time renew says, for the same reason).
# `certpilot renew` with no
# other flag issues the configured certificates that are not stored yet,
# deploys them, leaves them alone once issued, and renews one whose names
# changed in the file. Errors in the file name the file, the line and the key.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
ini=$CP_WORK/certpilot.ini
mkdir -p "$CP_WORK/tls-out"
write_ini() {
    cat >"$ini" <<INI
[certpilot]
server = $PEBBLE_URL
ca_bundle = $PEBBLE_CA_BUNDLE
root = $CP_WORK/state
hook = $hook
renew_before = 1d
jobs = 2

[cert:site]
names = site.example.test, $1

[cert:fromcsr]
csr = $CP_WORK/req.pem

[cert:api]
domains = api.example.test
key_type = rsa2048
${API_DEPLOY-deploy = files:$CP_WORK/tls-out}
INI
}
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CP_WORK/req.key" \
    -subj "/CN=csr.example.test" -addext "subjectAltName=DNS:csr.example.test" -out "$CP_WORK/req.pem" 2>/dev/null
write_ini www.site.example.test
run() { "$CERTPILOT" --config "$ini" "$@"; }

run account new --agree-tos >/dev/null 2>&1
# list shows what renew will do: the configured certificates, not issued yet
out=$(run list 2>&1) || cp_fail "list before the first renew: $out"
grep -q "^site .* site.example.test,www.site.example.test  not issued yet (the next renew issues it)$" <<<"$out" ||
    cp_fail "list leaves out the configured site: $out"
out=$(run list --json 2>&1) || cp_fail "list --json before the first renew: $out"
[ "$(python3 -c 'import json,sys; print(*[(c["issued"], c["renewal"]["why"]) for c in json.load(sys.stdin) if c["name"] == "api"])' <<<"$out")" = "(False, 'not issued yet')" ] ||
    cp_fail "list --json: api is not shown as not issued yet: $out"
out=$(run renew 2>&1) || cp_fail "renew from the config: $out"
grep -q "^issued site (new in the configuration) expires " <<<"$out" || cp_fail "site not issued: $out"
! grep -q "missing or broken" <<<"$out" || cp_fail "a first issue is reported as damage: $out"
cp_verify_cert "$CP_WORK/state/certs/site" site.example.test www.site.example.test || cp_fail "site certificate"
cp_verify_cert "$CP_WORK/state/certs/api" api.example.test || cp_fail "api certificate"
openssl x509 -noout -text -in "$CP_WORK/state/certs/api/cert.pem" | grep -q rsaEncryption || cp_fail "api key type"
cmp -s "$CP_WORK/state/certs/api/cert.pem" "$CP_WORK/tls-out/cert.pem" || cp_fail "api not deployed"
[ "$(openssl x509 -noout -pubkey -in "$CP_WORK/state/certs/fromcsr/cert.pem" | openssl sha256)" = \
  "$(openssl pkey -pubout -in "$CP_WORK/req.key" | openssl sha256)" ] || cp_fail "the csr section's certificate"

out=$(run renew 2>&1) || cp_fail "second renew: $out"
# renew_before decides, unless the CA suggests a window (ARI, Pebble 2.6): then its window does.
why="the configured time before expiry left"
! cp_ca_has_ari || why="ARI window"
grep -q "^not due site until .*($why)" <<<"$out" || cp_fail "site due again: $out"
# list decides as renew does: the same time, for the same reason
when=$(sed -n 's/^not due site until \(.*\)$/\1/p' <<<"$out")
out=$(run list 2>&1) || cp_fail "list: $out"
cp_assert_contains "$(grep '^site ' <<<"$out")" "  renews $when"

# One order for the state directory (certpilot.ini(5), PRECEDENCE): --root > the
# config's root = > $CERTPILOT_ROOT > the default; a variable never moves it.
out=$(CERTPILOT_ROOT=$CP_WORK/elsewhere run list 2>&1) || cp_fail "list with CERTPILOT_ROOT: $out"
grep -q "^site .* renews " <<<"$out" || cp_fail "CERTPILOT_ROOT beat the config's root = : $out"
[ ! -e "$CP_WORK/elsewhere" ] || cp_fail "CERTPILOT_ROOT was used: $CP_WORK/elsewhere exists"
out=$(run --root "$CP_WORK/elsewhere" list 2>&1) || cp_fail "list with --root: $out"
! grep -q "^site .* renews " <<<"$out" || cp_fail "the config's root = beat --root: $out"

# The names in the file changed: renewed at once, with the new names.
write_ini new.site.example.test
out=$(run renew 2>&1) || cp_fail "renew after a change: $out"
grep -q "^renewed site (forced: names changed)" <<<"$out" || cp_fail "names change not renewed: $out"
cp_verify_cert "$CP_WORK/state/certs/site" site.example.test new.site.example.test || cp_fail "new names"

# The section's deploy list is the list (issue 23 #3): a target taken out of the file goes
# at the next renewal (and the next deploy), and targets are not added around the file.
cp_expect_fail run deploy api --to "files:$CP_WORK/elsewhere"
cp_check_err 2 "deploy: certificate api is configured in $ini: change its deploy = lines there"
mkdir -p "$CP_WORK/tls-new"
API_DEPLOY="deploy = files:$CP_WORK/tls-new" write_ini new.site.example.test
out=$(run renew --force --cert-name api 2>&1) || cp_fail "renew after a deploy change: $out"
cmp -s "$CP_WORK/state/certs/api/cert.pem" "$CP_WORK/tls-new/cert.pem" || cp_fail "api not deployed to tls-new"
cmp -s "$CP_WORK/state/certs/api/cert.pem" "$CP_WORK/tls-out/cert.pem" && cp_fail "the dropped target still deployed"
grep -q "tls-out" "$CP_WORK/state/certs/api/meta.json" && cp_fail "the dropped target is still stored"
API_DEPLOY="" write_ini new.site.example.test
out=$(run deploy api 2>&1) || cp_fail "deploy with no targets left: $out"
grep -q "tls-new" "$CP_WORK/state/certs/api/meta.json" && cp_fail "deploy kept a target the file no longer has"
write_ini new.site.example.test

# A config file others may write is refused, whatever it holds (issue 22 #10).
chmod 664 "$ini"
cp_expect_fail run list
cp_check_err 2 "config file $ini may be written by group or others (mode 664); run: chmod go-w $ini"
chmod 644 "$ini"

# Errors in the file: file, line and key, exit 2, nothing done.
printf '[certpilot]\nserver = %s\n[cert:x]\ndomian = x.example.test\n' "$PEBBLE_URL" >"$CP_WORK/bad.ini"
cp_expect_fail "$CERTPILOT" --config "$CP_WORK/bad.ini" renew
cp_check_err 2 "bad.ini:4"
cp_assert_contains "$CP_LAST_ERR" 'did you mean "domains"'
cp_expect_fail "$CERTPILOT" --config "$CP_WORK/missing.ini" list
cp_check_err 2 "missing.ini"
echo "ok"
