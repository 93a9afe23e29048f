#!/usr/bin/env bash
# issue --csr FILE: a certificate for someone else's CSR (made here with
# openssl): its names, its key, which certpilot never sees; no privkey.pem is
# stored; the certificate matches the CSR's key; renewal sends the same CSR.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
w=$CP_WORK/csr && mkdir -p "$w"
openssl req -new -newkey rsa:2048 -nodes -keyout "$w/key.pem" -subj "/CN=csr.example.test" \
    -addext "subjectAltName=DNS:csr.example.test,DNS:www.csr.example.test" -out "$w/req.pem" 2>/dev/null

cp_certpilot account new --agree-tos >/dev/null
out=$(cp_certpilot issue --csr "$w/req.pem" --hook "$hook" 2>/dev/null) || cp_fail "issue --csr failed"
d=$CP_WORK/state/certs/csr.example.test
[ -s "$d/cert.pem" ] && [ -s "$d/fullchain.pem" ] || cp_fail "no certificate stored"
[ ! -e "$d/privkey.pem" ] && [ ! -L "$d/privkey.pem" ] || cp_fail "a privkey.pem exists for a CSR certificate"
[ "$(openssl x509 -noout -pubkey -in "$d/cert.pem" | openssl sha256)" = \
  "$(openssl pkey -pubout -in "$w/key.pem" | openssl sha256)" ] || cp_fail "the certificate is not for the CSR's key"
openssl x509 -noout -ext subjectAltName -in "$d/cert.pem" | grep -q "DNS:www.csr.example.test" ||
    cp_fail "the CSR's names are not in the certificate"
grep -q '"csr": ' "$d/meta.json" || cp_fail "meta.json does not record the CSR"
s1=$(openssl x509 -noout -serial -in "$d/cert.pem")
cp_certpilot renew --force >/dev/null 2>&1 || cp_fail "renewal of a CSR certificate"
[ "$(openssl x509 -noout -serial -in "$d/cert.pem")" != "$s1" ] || cp_fail "not renewed"

# Bad input: a CSR with -d, a broken CSR, a CSR whose signature does not hold.
cp_expect_fail cp_certpilot issue --csr "$w/req.pem" -d x.example.test --hook "$hook"
cp_check_err 2 "--csr"
printf 'not a csr\n' >"$w/bad.pem"
cp_expect_fail cp_certpilot issue --csr "$w/bad.pem" --hook "$hook"
cp_check_err 1 "bad.pem"
echo "ok"
