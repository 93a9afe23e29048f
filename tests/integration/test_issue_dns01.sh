#!/usr/bin/env bash
# dns-01 through the challtestsrv example hook for three names, one a wildcard;
# `list` shows it; a second issue (--force) under the same --cert-name makes a new
# version and keeps the first in archive/.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble

cp_certpilot account new --agree-tos --email ops@example.test >/dev/null
key=$(echo "$CP_WORK"/state/accounts/*/default/key.pem)
[ -f "$key" ] || cp_fail "no account key at accounts/<ca>/default/key.pem: $(find "$CP_WORK/state" | head -20)"
[ "$(stat -c %a "$key")" = 600 ] || cp_fail "account key $key is not mode 600"

hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
names=(a.example.test '*.example.test' example.test)
dflags=()
for n in "${names[@]}"; do dflags+=(-d "$n"); done

out=$(cp_certpilot issue "${dflags[@]}" --hook "$hook")
dir=$CP_WORK/state/certs/a.example.test
for f in cert:cert chain:chain fullchain:fullchain key:privkey; do
    grep -qxF "${f%%:*}: $dir/${f#*:}.pem" <<<"$out" || cp_fail "issue did not print \"${f%%:*}: $dir/${f#*:}.pem\"; stdout: $out"
done
cp_verify_cert "$dir" "${names[@]}"

# Layout: the four names are links into current/, current -> archive/<version>/.
[ -L "$dir/current" ] || cp_fail "$dir/current is not a symlink"
v1=$(readlink -f "$dir/current")
[ "$(dirname "$v1")" = "$(readlink -f "$dir/archive")" ] || cp_fail "current points outside archive/: $v1"
for f in cert.pem chain.pem fullchain.pem privkey.pem; do
    [ -L "$dir/$f" ] || cp_fail "$dir/$f is not a symlink"
    [ "$(readlink -f "$dir/$f")" = "$v1/$f" ] || cp_fail "$dir/$f does not lead to current/$f"
done
[ -s "$dir/meta.json" ] || cp_fail "$dir/meta.json missing"
serial1=$(openssl x509 -in "$dir/cert.pem" -noout -serial)

# list: the name and the not-after date (UTC, as YYYY-MM-DD).
not_after=$(date -u -d "$(openssl x509 -in "$dir/cert.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%d)
list=$(cp_certpilot list)
line=$(grep -F "a.example.test" <<<"$list") || cp_fail "list does not show a.example.test: $list"
cp_assert_contains "$line" "$not_after"
cp_certpilot list --json | grep -qF "a.example.test" || cp_fail "list --json does not show a.example.test"

# Again, same --cert-name: a new live version; the first stays in the archive.
cp_certpilot issue "${dflags[@]}" --cert-name a.example.test --hook "$hook" --force >/dev/null
cp_verify_cert "$dir" "${names[@]}"
serial2=$(openssl x509 -in "$dir/cert.pem" -noout -serial)
[ "$serial1" != "$serial2" ] || cp_fail "the live certificate did not change (serial $serial2)"
v2=$(readlink -f "$dir/current")
[ "$v1" != "$v2" ] || cp_fail "current still points at the first version"
count=$(find "$dir/archive" -mindepth 1 -maxdepth 1 -type d | wc -l)
[ "$count" = 2 ] || cp_fail "expected 2 versions in archive/, found $count"
{ [ -s "$v1/cert.pem" ] && [ -s "$v1/privkey.pem" ]; } || cp_fail "the first version's files are gone from $v1"
[ "$(openssl x509 -in "$v1/cert.pem" -noout -serial)" = "$serial1" ] || cp_fail "$v1/cert.pem is not the first certificate"
echo "ok"
