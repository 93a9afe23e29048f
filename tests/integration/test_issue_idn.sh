#!/usr/bin/env bash
# Internationalised names (issue 23 #10): `issue -d münchen.example.test` and its
# wildcard through the challtestsrv hook, which gets the A-label; the certificate,
# its directory and meta.json hold xn--mnchen-3ya.example.test; issue, list, renew
# and --batch lines show both forms; a config section's U-labels are its stored
# A-labels (issued once, then not due); a disallowed code point and bytes that are
# not UTF-8 are refused in one line naming the name, those bytes escaped.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble

# The example hook, with every IDENT it is given written down.
idents=$CP_WORK/idents
hook=$CP_WORK/hook
cat >"$hook" <<EOF
#!/bin/sh
printf '%s\n' "\$3" >>"$idents"
exec "$CP_SOURCE_DIR/examples/hooks/challtestsrv" "\$@"
EOF
chmod 755 "$hook"

a=xn--mnchen-3ya.example.test
both="$a (münchen.example.test)"
cp_certpilot account new --agree-tos >/dev/null
out=$(cp_certpilot issue -d münchen.example.test -d '*.MÜNCHEN.example.test' --hook "$hook") ||
    cp_fail "issue münchen.example.test failed"
grep -qxF "issued $both" <<<"$out" || cp_fail "issue did not print \"issued $both\": $out"
dir=$CP_WORK/state/certs/$a
cp_verify_cert "$dir" "$a" "*.$a" || cp_fail "the certificate's names are not the A-labels"
[ "$(LC_ALL=C sort -u "$idents")" = "$a" ] || cp_fail "the hook got other identifiers: $(cat "$idents")"
grep -qF "\"$a\"" "$dir/meta.json" || cp_fail "meta.json does not hold $a: $(cat "$dir/meta.json")"
! grep -qF "münchen" "$dir/meta.json" || cp_fail "meta.json holds the U-label: $(cat "$dir/meta.json")"

line=$(cp_certpilot list | grep -F "$a") || cp_fail "list does not show $a"
cp_assert_contains "$line" "$both,*.$a (*.münchen.example.test)"

out=$(cp_certpilot renew --force --cert-name "$a" 2>/dev/null) || cp_fail "renew --force failed: $out"
grep -q "^renewed $both (forced" <<<"$out" || cp_fail "renew did not print \"renewed $both\": $out"
cp_verify_cert "$dir" "$a" "*.$a" || cp_fail "the renewed certificate's names"

printf 'bücher.example.test\n' >"$CP_WORK/batch.txt"
out=$(cp_certpilot issue --batch "$CP_WORK/batch.txt" --hook "$hook" 2>/dev/null) || cp_fail "--batch failed: $out"
grep -q "^ok xn--bcher-kva.example.test (bücher.example.test) expires " <<<"$out" || cp_fail "--batch line: $out"
cp_verify_cert "$CP_WORK/state/certs/xn--bcher-kva.example.test" xn--bcher-kva.example.test ||
    cp_fail "the --batch certificate's name"

# A config section with U-labels: renew issues it once, then it is not due (the
# stored A-labels are the names the section asks for, not "names changed").
cat >"$CP_WORK/certpilot.ini" <<INI
[certpilot]
hook = $hook
[cert:koeln]
names = köln.example.test, *.KÖLN.example.test
INI
k=xn--kln-sna.example.test
cfg() { cp_certpilot --config "$CP_WORK/certpilot.ini" "$@"; }
out=$(cfg renew --cert-name koeln 2>/dev/null) || cp_fail "renew of [cert:koeln] failed: $out"
grep -q "^issued koeln (new in the configuration)" <<<"$out" || cp_fail "renew did not issue koeln: $out"
cp_verify_cert "$CP_WORK/state/certs/koeln" "$k" "*.$k" || cp_fail "the [cert:koeln] certificate's names"
out=$(cfg renew --cert-name koeln 2>/dev/null) || cp_fail "second renew of [cert:koeln] failed: $out"
grep -q "^not due koeln until " <<<"$out" || cp_fail "the second renew did not find koeln current: $out"
line=$(cfg list | grep "^koeln ") || cp_fail "list does not show koeln"
cp_assert_contains "$line" "$k (köln.example.test)"
case "$line" in *"renews now"*) cp_fail "list says koeln is due: $line" ;; esac

# Refused before any order, in one line with libidn2's reason.
cp_expect_fail cp_certpilot issue -d 'a☃b.example.test' --hook "$hook"
cp_check_err 2 'name "a☃b.example.test": not a valid internationalised domain name (string contains a disallowed character)'
cp_check_one_line
cp_expect_fail cp_certpilot issue -d "$(printf 'm\374nchen.example.test')" --hook "$hook"
cp_check_err 2 'name "m\xfcnchen.example.test": not a valid internationalised domain name (string encoding error)'
cp_check_one_line
! LC_ALL=C grep -q "$(printf '\374')" "$CP_WORK/last.err" || cp_fail "the raw byte reached stderr"
cp_expect_fail cp_certpilot issue -d xn--zz.example.test --hook "$hook"
cp_check_err 2 'name "xn--zz.example.test": not a valid internationalised domain name (string contains invalid punycode data)'
[ ! -e "$CP_WORK/state/certs/xn--zz.example.test" ] || cp_fail "a refused name got a directory"
echo "ok"
