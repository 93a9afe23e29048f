#!/usr/bin/env bash
# README command 1: install, build, start a local test CA (Pebble, with
# pebble-challtestsrv as its DNS) on loopback and issue a real certificate
# for three names, one a wildcard, through dns-01. The state stays in
# ${CERTPILOT_DEMO_ROOT:-./demo-state}.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

echo "== installing dependencies"
bash scripts/deps.sh
echo "== building"
bash scripts/build.sh >/dev/null
export CERTPILOT=$REPO/build/certpilot FREEPORT=$REPO/build/tests/freeport CP_SOURCE_DIR=$REPO

# shellcheck source=tests/integration/lib.sh
source tests/integration/lib.sh
cp_harness_init
echo "== starting Pebble and its DNS on loopback"
cp_start_pebble
echo "   ACME directory: $PEBBLE_URL"

STATE=${CERTPILOT_DEMO_ROOT:-$REPO/demo-state}
rm -rf "$STATE"
# Pebble's TLS CA and issuing root change on every start: keep copies beside the state.
mkdir -p "$STATE"
cp "$PEBBLE_CA_BUNDLE" "$STATE/pebble-tls-ca.pem"
cp "$PEBBLE_ROOT" "$STATE/pebble-root.pem"
cp_() { "$CERTPILOT" --root "$STATE" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" "$@"; }

echo "== creating an account"
cp_ account new --agree-tos --email demo@example.test
echo "== issuing a certificate for example.test, *.example.test, www.example.test (dns-01)"
start=$(date +%s%N)
cp_ issue -d example.test -d '*.example.test' -d www.example.test --hook "$REPO/examples/hooks/challtestsrv"
end=$(date +%s%N)

dir=$STATE/certs/example.test
echo
echo "== the certificate (issued in $(((end - start) / 1000000)) ms)"
openssl x509 -in "$dir/cert.pem" -noout -subject -issuer -dates -ext subjectAltName
printf 'key: '
openssl pkey -in "$dir/privkey.pem" -noout -text 2>/dev/null | head -n 1
printf 'chain check: '
openssl verify -CAfile "$STATE/pebble-root.pem" -untrusted "$dir/chain.pem" "$dir/cert.pem"
echo
cp_ list
echo
echo "Files: $dir/{cert,chain,fullchain,privkey}.pem (Pebble's root: $STATE/pebble-root.pem)"
