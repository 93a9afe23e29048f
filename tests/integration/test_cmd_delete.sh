#!/usr/bin/env bash
# `certpilot delete NAME`: the certificate leaves the live store in one rename
# and its directory (every version, its key, meta.json) is kept whole in
# deleted/NAME-TIME; list and renew forget it. --purge removes it, keys included.
# A certificate of the config file is refused, an unknown name is exit 2 with a
# did-you-mean.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
state=$CP_WORK/state
export CHALLTESTSRV_URL
cp_certpilot account new --agree-tos >/dev/null 2>&1
for n in www.example.test api.example.test; do
    cp_certpilot issue -d "$n" --hook "$hook" >/dev/null 2>&1 || cp_fail "issue $n"
done
cp_certpilot renew --cert-name www.example.test --force >/dev/null 2>&1 || cp_fail "second version of www"
serial=$(openssl x509 -noout -serial -in "$state/certs/www.example.test/cert.pem")

# an unknown name: exit 2, the nearest stored name suggested, nothing changed
cp_expect_fail cp_certpilot delete www.exmple.test
cp_check_err 2 "certpilot: no certificate named www.exmple.test (did you mean www.example.test?)"
cp_check_one_line
cp_expect_fail cp_certpilot delete zzz
cp_check_err 2 "certpilot: no certificate named zzz (2 stored; certpilot list shows them)"
cp_expect_fail cp_certpilot delete
cp_check_err 2 "certpilot: delete: which certificate? (certpilot delete NAME)"
cp_expect_fail cp_certpilot delete "../x"
cp_check_err 2

# a certificate of the config file is refused: the next renew would issue it again
ini=$CP_WORK/certpilot.ini
printf '[certpilot]\nhook = %s\n\n[cert:www.example.test]\nnames = www.example.test\n' "$hook" >"$ini"
cp_expect_fail cp_certpilot --config "$ini" delete www.example.test
cp_check_err 2 "certpilot: www.example.test is in the config file $ini: remove its [cert:www.example.test] section first"
[ -L "$state/certs/www.example.test/current" ] || cp_fail "a refused delete changed the store"

# delete: gone from the live store, kept whole in deleted/
out=$(cp_certpilot delete www.example.test 2>&1) || cp_fail "delete: $out"
kept=$(find "$state/deleted" -mindepth 1 -maxdepth 1 -name 'www.example.test-*' | head -n 1)
[ -n "$kept" ] || cp_fail "nothing in $state/deleted: $(ls -la "$state")"
[ "$out" = "deleted www.example.test: no longer managed; its 2 version(s) are kept in $kept" ] ||
    cp_fail "delete said: $out"
[ ! -e "$state/certs/www.example.test" ] || cp_fail "certs/www.example.test is still there"
[[ "$(basename "$kept")" =~ ^www\.example\.test-[0-9]{8}T[0-9]{6}Z$ ]] || cp_fail "archive name $kept"
[ "$(find "$kept/archive" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 2 ] || cp_fail "both versions kept"
[ "$(openssl x509 -noout -serial -in "$kept/cert.pem")" = "$serial" ] || cp_fail "the kept current is not the live one"
[ -f "$kept/meta.json" ] || cp_fail "meta.json not kept"
[ "$(stat -L -c %a "$kept/privkey.pem")" = 600 ] || cp_fail "kept key mode"
[ "$(stat -c %a "$state/deleted")" = 700 ] || cp_fail "deleted/ is not 0700"
out=$(cp_certpilot list 2>&1) || cp_fail "list after delete: $out"
! grep -q "^www.example.test " <<<"$out" || cp_fail "list still shows it: $out"
grep -q "^api.example.test " <<<"$out" || cp_fail "list lost the other certificate: $out"
out=$(cp_certpilot renew --force 2>&1) || cp_fail "renew after delete: $out"  # api gets its 2nd version
! grep -q "www.example.test" <<<"$out" || cp_fail "renew still looks after it: $out"
# deleted once more with the same name: the archives never collide
cp_certpilot issue -d www.example.test --hook "$hook" >/dev/null 2>&1 || cp_fail "issue again"
cp_certpilot delete www.example.test >/dev/null || cp_fail "second delete"
[ "$(find "$state/deleted" -mindepth 1 -maxdepth 1 -name 'www.example.test-*' | wc -l)" = 2 ] ||
    cp_fail "the second delete did not get its own archive: $(ls "$state/deleted")"

# --purge: everything goes, keys included, and nothing is left half-removed
out=$(cp_certpilot delete api.example.test --purge 2>&1) || cp_fail "purge: $out"
[ "$out" = "purged api.example.test: its 2 version(s) and their keys are removed" ] || cp_fail "purge said: $out"
[ ! -e "$state/certs/api.example.test" ] || cp_fail "purge left certs/api.example.test"
[ -z "$(find "$state" -path '*api.example.test*' -not -path "$state/locks/*")" ] ||
    cp_fail "purge left: $(find "$state" -path '*api.example.test*')"
[ -z "$(find "$state/certs" -mindepth 1 -maxdepth 1)" ] || cp_fail "certs/ not empty: $(ls -a "$state/certs")"
cp_expect_fail cp_certpilot delete api.example.test
cp_check_err 2 "certpilot: no certificate named api.example.test"
echo "PASS: delete"
