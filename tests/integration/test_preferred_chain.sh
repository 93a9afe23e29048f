#!/usr/bin/env bash
# Pebble offering an alternate chain (PEBBLE_ALTERNATE_ROOTS): --preferred-chain
# picks the chain that leads to the named root; an unknown name keeps the default.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
PEBBLE_ALTERNATE_ROOTS=1 cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
root1=$CP_WORK/root1.pem
curl -sf --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_MGMT_URL/roots/1" >"$root1" || cp_fail "no alternate root"
cn1=$(openssl x509 -in "$root1" -noout -subject -nameopt RFC2253 | sed 's/^subject=CN=//')
cn0=$(openssl x509 -in "$PEBBLE_ROOT" -noout -subject -nameopt RFC2253 | sed 's/^subject=CN=//')
[ -n "$cn1" ] && [ "$cn1" != "$cn0" ] || cp_fail "roots not distinct: [$cn0] [$cn1]"

verifies() { openssl verify -CAfile "$1" -untrusted "$2/chain.pem" "$2/cert.pem" >/dev/null 2>&1; }

cp_certpilot account new --agree-tos >/dev/null
cp_certpilot issue -d d.example.test --hook "$hook" >/dev/null
verifies "$PEBBLE_ROOT" "$CP_WORK/state/certs/d.example.test" || cp_fail "default chain does not lead to root 0"

cp_certpilot issue -d p.example.test --hook "$hook" --preferred-chain "$cn1" >/dev/null
dir=$CP_WORK/state/certs/p.example.test
verifies "$root1" "$dir" || cp_fail "preferred chain does not lead to $cn1"
if verifies "$PEBBLE_ROOT" "$dir"; then cp_fail "preferred chain still leads to $cn0"; fi
grep -q "\"preferred_chain\": \"$cn1\"" "$dir/meta.json" || cp_fail "meta.json lacks preferred_chain"

cp_certpilot issue -d u.example.test --hook "$hook" --preferred-chain "No Such Root" >/dev/null 2>"$CP_WORK/err"
verifies "$PEBBLE_ROOT" "$CP_WORK/state/certs/u.example.test" || cp_fail "unknown preference lost the default chain"
grep -q "keeping the default chain" "$CP_WORK/err" || cp_fail "no warning for an unknown chain"
echo "ok"
