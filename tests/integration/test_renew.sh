#!/usr/bin/env bash
# certpilot renew: with 40-second certificates from Pebble, a certificate is
# not due at first, then renews by itself once a third of its lifetime is left,
# with the settings it was issued with (no flags); --force and --cert-name;
# a broken current version renews at once; a failure does not stop the others;
# the CA's limit on new orders holds renewals without ARI back.
# A CA with ARI (Pebble 2.6) decides instead: its window for a 40-second certificate
# spans two days around two thirds of the lifetime, so each certificate renews at a
# time chosen anywhere in it (test_renew_ca_ari.sh follows that window end to end),
# and renewals through ARI are exempt from the limit on new orders.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
PEBBLE_VALIDITY=40 cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
certs=$CP_WORK/state/certs
serial() { openssl x509 -noout -serial -in "$certs/$1/cert.pem" | cut -d= -f2; }

cp_certpilot account new --agree-tos >/dev/null
cp_certpilot issue -d r1.example.test --hook "$hook" >/dev/null
cp_certpilot issue -d r2.example.test -d '*.r2.example.test' --key-type rsa2048 --hook "$hook" >/dev/null
ari=false
cp_ca_has_ari && ari=true

out=$(cp_certpilot renew 2>"$CP_WORK/err")
if $ari; then
    for c in r1.example.test r2.example.test; do
        grep -Eq "^(not due $c until .* \(ARI window\)|renewed $c \(ARI window\))" <<<"$out" ||
            cp_fail "$c does not follow the CA's ARI window: $out"
    done
    grep -Eq "^certpilot: [0-2] renewed, [0-2] not due, 0 failed" "$CP_WORK/err" || cp_fail "summary: $(cat "$CP_WORK/err")"
else
    grep -q "^not due r1.example.test until .*(a third of the lifetime left)" <<<"$out" || cp_fail "r1 due at once: $out"
    grep -q "0 renewed, 2 not due, 0 failed" "$CP_WORK/err" || cp_fail "summary: $(cat "$CP_WORK/err")"
    cp_certpilot list | grep -q "^r1.example.test .* renews .*a third of the lifetime left" ||
        cp_fail "list does not show the next renewal: $(cp_certpilot list)"
fi
s1=$(serial r1.example.test)
s2=$(serial r2.example.test)
v2=$(ls "$certs/r2.example.test/archive" | wc -l)

# --force with a filter renews that one only, with its own settings (names, key type).
cp_certpilot renew --force --cert-name r2.example.test >"$CP_WORK/out" 2>/dev/null
grep -q "^renewed r2.example.test (forced: requested)" "$CP_WORK/out" || cp_fail "forced renewal: $(cat "$CP_WORK/out")"
[ "$(serial r2.example.test)" != "$s2" ] || cp_fail "r2 was not renewed"
[ "$(serial r1.example.test)" = "$s1" ] || cp_fail "r1 was renewed without being due"
cp_verify_cert "$certs/r2.example.test" r2.example.test '*.r2.example.test' || cp_fail "renewed r2"
openssl x509 -noout -text -in "$certs/r2.example.test/cert.pem" | grep -q "rsaEncryption" ||
    cp_fail "r2 lost its key type on renewal"
[ "$(ls "$certs/r2.example.test/archive" | wc -l)" = $((v2 + 1)) ] || cp_fail "r2 should have one more version"
cp_expect_fail cp_certpilot renew --cert-name nope.example.test
cp_check_err 1 "nope.example.test"

# A broken current version is renewed at once.
rm "$certs/r2.example.test/current/chain.pem"
cp_certpilot renew --cert-name r2.example.test >"$CP_WORK/out" 2>/dev/null
grep -q "^renewed r2.example.test (forced: " "$CP_WORK/out" || cp_fail "broken not renewed: $(cat "$CP_WORK/out")"
cp_verify_cert "$certs/r2.example.test" r2.example.test '*.r2.example.test' || cp_fail "r2 after repair"

# Time passes: once a third of 40 s is left (after ~27 s, minus a spread), r1 renews by itself.
if ! $ari; then
    for _ in $(seq 1 60); do
        out=$(cp_certpilot renew 2>/dev/null) || cp_fail "renew failed: $out"
        grep -q "^renewed r1.example.test (a third of the lifetime left)" <<<"$out" && break
        sleep 1
    done
    grep -q "^renewed r1.example.test" <<<"$out" || cp_fail "r1 never renewed: $out"
    [ "$(serial r1.example.test)" != "$s1" ] || cp_fail "r1 serial unchanged"
    cp_verify_cert "$certs/r1.example.test" r1.example.test || cp_fail "renewed r1"
fi

# One certificate failing (its hook gone) does not stop the others, and the exit code says so.
cp_certpilot issue -d r3.example.test --hook "$CP_WORK/hook-copy" >/dev/null 2>&1 && cp_fail "issue without hook"
cp "$hook" "$CP_WORK/hook-copy"
cp_certpilot issue -d r3.example.test --hook "$CP_WORK/hook-copy" >/dev/null
rm "$CP_WORK/hook-copy"
cp_expect_fail cp_certpilot renew --force
cp_check_err 1 "1 of 3 certificates failed"
grep -q "^failed r3.example.test: " <<<"$CP_LAST_OUT" || cp_fail "r3 failure not reported: $CP_LAST_OUT"
[ "$(grep -c '^renewed ' <<<"$CP_LAST_OUT")" = 2 ] || cp_fail "the others were not renewed: $CP_LAST_OUT"

# The CA's limit on new orders per 3 hours: every version stored so far counts; with room for
# one more, one certificate renews and the others wait for the next run (without ARI); a
# renewal through ARI names the certificate it replaces and is exempt.
cp "$hook" "$CP_WORK/hook-copy"
recent=$(find "$CP_WORK/state/certs" -mindepth 3 -maxdepth 3 -path '*/archive/*' -type d | wc -l)
if $ari; then
    out=$(cp_certpilot renew --force --orders-limit $((recent + 1)) 2>&1) || cp_fail "ARI renewals held back: $out"
    [ "$(grep -c '^renewed ' <<<"$out")" = 3 ] || cp_fail "not all three renewed through ARI: $out"
    cp_expect_fail cp_certpilot renew --orders-limit 0
    cp_check_err 2 "--orders-limit"
    echo "ok"
    exit 0
fi
cp_expect_fail cp_certpilot renew --force --orders-limit $((recent + 1))
cp_check_err 1 "2 of 3 certificates failed"
cp_assert_contains "$CP_LAST_ERR" "at most 1 of these 3 certificates renew without ARI in this run"
[ "$(grep -c '^renewed ' <<<"$CP_LAST_OUT")" = 1 ] || cp_fail "not exactly one renewal under the limit: $CP_LAST_OUT"
[ "$(grep -c "^failed .*the CA's limit on new orders is reached" <<<"$CP_LAST_OUT")" = 2 ] ||
    cp_fail "the others do not say the limit kept them back: $CP_LAST_OUT"
cp_expect_fail cp_certpilot renew --orders-limit 0
cp_check_err 2 "--orders-limit"
echo "ok"
