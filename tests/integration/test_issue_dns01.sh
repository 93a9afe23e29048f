#!/usr/bin/env bash
# dns-01 through the challtestsrv hook for three names (one a wildcard);
# a second issue keeps the first version in the archive.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble

cp_certpilot account new --agree-tos --email ops@example.test >/dev/null
[ "$(stat -c %a "$CP_WORK"/state/accounts/*/default/key.pem)" = 600 ] || cp_fail "account key is not mode 600"

hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
out=$(cp_certpilot issue -d a.example.test -d '*.example.test' -d example.test --hook "$hook")
dir=$CP_WORK/state/certs/a.example.test
cp_assert_contains "$out" "fullchain: $dir/fullchain.pem"
cp_verify_cert "$dir" a.example.test '*.example.test' example.test
serial1=$(openssl x509 -in "$dir/cert.pem" -noout -serial)

list=$(cp_certpilot list)
cp_assert_contains "$list" "a.example.test"
cp_assert_contains "$list" "2031-"
cp_certpilot list --json | grep -q '"days_left"' || cp_fail "list --json lacks days_left"

# Issue again under the same name: a new version, the old one archived.
cp_certpilot issue -d a.example.test -d '*.example.test' -d example.test --hook "$hook" >/dev/null
cp_verify_cert "$dir" a.example.test '*.example.test' example.test
serial2=$(openssl x509 -in "$dir/cert.pem" -noout -serial)
[ "$serial1" != "$serial2" ] || cp_fail "live certificate did not change"
[ "$(find "$dir/archive" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 2 ] || cp_fail "expected two archived versions"
grep -rqs "${serial1#serial=}" <(for c in "$dir"/archive/*/cert.pem; do openssl x509 -in "$c" -noout -serial; done) ||
    cp_fail "first version is not in the archive"
grep -q '"hook"' "$dir/meta.json" || cp_fail "meta.json lacks the challenge settings"
echo "ok"
