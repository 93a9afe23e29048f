#!/usr/bin/env bash
# `certpilot show NAME [--json]`: every fact about one certificate, offline, the
# renewal decision the same as list's; creates nothing; an unknown name is exit 2
# with a did-you-mean.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
state=$CP_WORK/state
export CHALLTESTSRV_URL
mkdir -p "$CP_WORK/out"

# read-only: a state directory that does not exist is not created
cp_expect_fail cp_certpilot show www.example.test
cp_check_err 2 "certpilot: no certificate named www.example.test (0 stored; certpilot list shows them)"
[ ! -e "$state" ] || cp_fail "show created the state directory"

cp_certpilot account new --agree-tos >/dev/null 2>&1
cp_certpilot issue -d www.example.test -d example.test --hook "$hook" --key-type rsa2048 \
    --deploy "files:$CP_WORK/out" >/dev/null 2>&1 || cp_fail "issue"
before=$(find "$state" -printf '%p %s %T@\n' | sort)
out=$(cp_certpilot show www.example.test 2>&1) || cp_fail "show: $out"
serial=$(openssl x509 -noout -serial -in "$state/certs/www.example.test/cert.pem" | cut -d= -f2)
issuer=$(openssl x509 -noout -issuer -nameopt RFC2253 -in "$state/certs/www.example.test/cert.pem" | sed 's/^issuer=//')
for want in "name:       www.example.test" "cert:       $state/certs/www.example.test/cert.pem" \
    "privkey:    $state/certs/www.example.test/privkey.pem" "names:      www.example.test, example.test" \
    "key type:   rsa2048" "serial:     $serial" "issuer:     $issuer" "CA:         $PEBBLE_URL" "account:    default" \
    "method:     hook (dns-01, program=$hook" "deploy:     files:$CP_WORK/out: ok " ; do
    grep -qF -- "$want" <<<"$out" || cp_fail "show lacks \"$want\": $out"
done
# the renewal line says what list says
list=$(cp_certpilot list 2>&1)
when=$(sed -n 's/.*renews \([^ ]*\) (\(.*\))$/\1 (\2)/p' <<<"$list")
grep -qF "renewal:    not due until $when" <<<"$out" || cp_fail "show and list disagree: $out / $list"
if cp_ca_has_ari; then ari_expect=ari; else ari_expect=none; fi
[ "$ari_expect" = none ] && { grep -q "^ARI: *none" <<<"$out" || cp_fail "ARI line: $out"; }

json=$(cp_certpilot show www.example.test --json 2>&1) || cp_fail "show --json: $json"
python3 - "$json" "$serial" "$PEBBLE_URL" "$state" "$hook" <<'PY' || cp_fail "show --json: $json"
import json, sys
o = json.loads(sys.argv[1]); serial, url, state, hook = sys.argv[2:]
assert o["name"] == "www.example.test" and o["serial"] == serial and o["server"] == url, o
assert o["names"] == ["www.example.test", "example.test"] and o["key_type"] == "rsa2048", o
assert o["files"]["privkey"] == state + "/certs/www.example.test/privkey.pem", o
assert o["account"] == "default" and o["configured"] is False, o
assert o["solver"]["name"] == "hook" and ["program", hook] in o["solver"]["settings"], o
assert o["deploy"][0]["last"]["ok"] is True and o["deploy"][0]["last"]["serial"] == serial, o
assert o["renewal"]["due"] is False and o["renewal"]["why"], o
for k in ("issuer", "not_before", "not_after", "version", "ari", "revoked"):
    assert k in o, k
PY
[ "$(find "$state" -printf '%p %s %T@\n' | sort)" = "$before" ] || cp_fail "show changed the state directory"

cp_expect_fail cp_certpilot show www.exampel.test
cp_check_err 2 "certpilot: no certificate named www.exampel.test (did you mean www.example.test?)"
cp_check_one_line
cp_expect_fail cp_certpilot show
cp_check_err 2 "certpilot: show: which certificate? (certpilot show NAME)"
cp_expect_fail cp_certpilot show www.example.test --bogus
cp_check_err 2 "certpilot: show: option --bogus is unknown (see certpilot show --help)"
echo "PASS: show"
