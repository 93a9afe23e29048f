#!/usr/bin/env bash
# ESA (tests/fakes/aliyun_products/esa.py, the strict Alibaba fake): the aliesa dns-01 provider
# (dnstool, then certpilot issue --dns aliesa for a name and its wildcard against Pebble, the records
# mirrored into pebble-challtestsrv and checked with dig) and the aliesa deploy target (deploytool:
# the chain, key and name the fake holds compared with what was issued; skipped when the site already
# serves the serial; a new version replaces our upload in place; V2; the call carrying the key shows
# no Message, and no piece of the key or the secret appears in any output).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cp_harness_init
cp_require python3 dig openssl curl
python3 -c 'import cryptography' 2>/dev/null || cp_fail "python3-cryptography is not installed (scripts/deps.sh)"
[ -x "${DNSTOOL:-}" ] || cp_fail "dnstool not found (DNSTOOL=${DNSTOOL:-})"
[ -x "${DEPLOYTOOL:-}" ] || cp_fail "deploytool not found (DEPLOYTOOL=${DEPLOYTOOL:-})"
cp_start_pebble

# Five sites, two per page: esa.example.com is on ListSites' third page; the deeper site wins.
port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<'JSON'
{"keys": {"AK": {"secret": "sk-Right-Secret-4711"}},
 "esa_sites": ["a.test", "b.test", "example.com", "x.test", "esa.example.com"], "page_size_max": 2}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" --challtestsrv "$CHALLTESTSRV_URL" \
    >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
FAKE=https://127.0.0.1:$port
cp_wait_url "$FAKE/_fake/esa" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the Alibaba fake did not start"

unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN \
    ALICLOUD_ACCESS_KEY ALICLOUD_SECRET_KEY ALICLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE \
    ALIBABA_CLOUD_CREDENTIALS_FILE
export HOME=$CP_WORK/home
mkdir -p "$HOME"
export ALIBABA_CLOUD_ACCESS_KEY_ID=AK ALIBABA_CLOUD_ACCESS_KEY_SECRET=sk-Right-Secret-4711
SETTINGS=(-s "endpoint=127.0.0.1:$port" -s "ca_bundle=$PEBBLE_CA_BUNDLE")
tool() { "$DNSTOOL" aliesa "$@"; }
esa() {
    curl -sSf --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/esa" |
        python3 -c 'import json, sys; j = json.load(sys.stdin); v = eval(sys.argv[1]); print(v if isinstance(v, str) else json.dumps(v))' "$1"
}
txt() {
    dig +short +time=2 +tries=1 @127.0.0.1 -p "$CHALLTESTSRV_DNS_PORT" TXT "$1" | tr -d '"' |
        LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}
expect_txt() {
    local got
    got=$(txt "$1")
    [ "$got" = "$2" ] || cp_fail "TXT $1: want [$2], got [$got]"
}

N=_acme-challenge.www.esa.example.com

cp_log "== dns: a foreign value, then two of ours on one name; remove deletes only our RecordIds"
foreign=$(tool add "${SETTINGS[@]}" "$N=foreign-value")
ours=$(tool add "${SETTINGS[@]}" "$N=token-base" "$N=token-wild")
[ "$(printf '%s\n' "$ours" | wc -l)" = 2 ] || cp_fail "expected two ids, got: $ours"
expect_txt "$N" "foreign-value token-base token-wild"
[ "$(esa "sorted(set(r['SiteName'] for r in j['records']))")" = '["esa.example.com"]' ] ||
    cp_fail "the records went into another site: $(esa "j['records']")"
[ "$(esa "[r['Ttl'] for r in j['records']]")" = "[60, 60, 60]" ] || cp_fail "the TTL is not 60"
grep -q 'GET / v3 -> 200 ESA.ListSites' "$CP_WORK/fake.log" || cp_fail "ListSites was not a V3 GET"
# shellcheck disable=SC2086 # one record per line
tool remove "${SETTINGS[@]}" $ours
expect_txt "$N" "foreign-value"
# shellcheck disable=SC2086
tool remove "${SETTINGS[@]}" $ours  # already gone: not an error

cp_log "== dns: a re-run reuses the record of its value; V2; a RecordId that is not ours is refused"
M=_acme-challenge.many.esa.example.com
first=$(tool add "${SETTINGS[@]}" "$M=m1" "$M=m2" "$M=m3")
again=$(tool add "${SETTINGS[@]}" -s signature=v2 "$M=m3")
[ "$again" = "$(printf '%s\n' "$first" | tail -n 1)" ] || cp_fail "the re-run did not reuse [$first] [$again]"
expect_txt "$M" "m1 m2 m3"
cp_expect_fail tool remove "${SETTINGS[@]}" "$M.=m1@${foreign##*@}"
cp_check_err 1 "dnstool: aliesa: RecordId ${foreign##*@} is not the TXT record $M. with our value (that is RecordId $(printf '%s\n' "$first" | head -n 1 | sed 's/.*@//')); not deleting it"
# shellcheck disable=SC2086
tool remove "${SETTINGS[@]}" -s signature=v2 $first
expect_txt "$M" ""
grep -q ' v2 -> 200 ESA.DeleteRecord' "$CP_WORK/fake.log" || cp_fail "no V2 DeleteRecord"
tool remove "${SETTINGS[@]}" "$foreign"
expect_txt "$N" ""

cp_log "== dns: a name outside every site; a wrong secret"
cp_expect_fail tool add "${SETTINGS[@]}" "_acme-challenge.example.net=x"
cp_check_err 1 "aliesa: no ESA site of this account holds _acme-challenge.example.net. (5 sites listed)"
cp_expect_fail env ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong-Secret-4711 "$DNSTOOL" aliesa add "${SETTINGS[@]}" "$N=x"
cp_check_err 2 "dnstool: aliesa: SignatureDoesNotMatch: "
case "$CP_LAST_ERR" in *wrong-Secret-4711*) cp_fail "the secret leaked: $CP_LAST_ERR" ;; esac

cp_log "== certpilot issue --dns aliesa: a name and its wildcard, Pebble validates through the test DNS"
# challtestsrv answers no SOA/NS: no propagation check here (test_issue_dns_builtin.sh runs it against BIND)
name=shop.esa.example.com
live=$CP_WORK/state/certs/$name
dns=(--dns aliesa --dns-set "endpoint=127.0.0.1:$port" --dns-set "ca_bundle=$PEBBLE_CA_BUNDLE" --no-propagation-check)
cp_certpilot account new --agree-tos >/dev/null
cp_certpilot issue -d "$name" -d "*.$name" "${dns[@]}" >/dev/null 2>"$CP_WORK/err" ||
    cp_fail "issue --dns aliesa: $(cat "$CP_WORK/err")"
cp_verify_cert "$live" "$name" "*.$name" || cp_fail "certificate through aliesa"
[ "$(esa "j['records']")" = "[]" ] || cp_fail "issue left records: $(esa "j['records']")"
[ "$(grep -c 'ESA.CreateRecord' "$CP_WORK/fake.log")" -ge 2 ] || cp_fail "no CreateRecord for the issue"
! grep -q "sk-Right" "$live/meta.json" "$CP_WORK/err" || cp_fail "the secret leaked"

cp_log "== deploy aliesa: the site by name; the chain, key and name the fake holds"
ALL=$CP_WORK/all-output.txt
C="endpoint=127.0.0.1:$port,ca_bundle=$PEBBLE_CA_BUNDLE"
deploy() {
    local rc=0
    "$DEPLOYTOOL" -v "$CP_WORK/state" "$name" "$@" >"$CP_WORK/d.out" 2>"$CP_WORK/d.err" || rc=$?
    cat "$CP_WORK/d.out" "$CP_WORK/d.err" >>"$ALL"
    RES=$(cat "$CP_WORK/d.out")
    ERR=$(cat "$CP_WORK/d.err")
    return "$rc"
}
leaf_fp() { openssl x509 -noout -fingerprint -sha256 | cut -d= -f2; }
key_hash() { openssl pkey -pubout -outform DER | sha256sum | cut -d' ' -f1; }
check_version() {
    local serial
    serial=$(openssl x509 -in "$live/cert.pem" -noout -serial | cut -d= -f2)
    [ "$(esa "len(j['certs']['esa.example.com'])")" = 1 ] || cp_fail "expected one certificate on the site"
    [ "$(esa "j['certs']['esa.example.com'][0]['Certificate']")" = "$(cat "$live/fullchain.pem")" ] ||
        cp_fail "the upload is not the full chain"
    [ "$(esa "j['certs']['esa.example.com'][0]['Certificate']" | leaf_fp)" = "$(leaf_fp <"$live/cert.pem")" ] ||
        cp_fail "another leaf was uploaded"
    [ "$(esa "j['certs']['esa.example.com'][0]['PrivateKey']" | key_hash)" = "$(key_hash <"$live/privkey.pem")" ] ||
        cp_fail "another key was uploaded"
    [ "$(esa "j['certs']['esa.example.com'][0]['Name']")" = "certpilot-shop_esa_example_com-$serial" ] ||
        cp_fail "wrong name $(esa "j['certs']['esa.example.com'][0]['Name']")"
}
deploy "aliesa:esa.example.com,$C" || cp_fail "aliesa failed: $ERR"
[ "$RES" = "aliesa: changed" ] || cp_fail "aliesa printed [$RES]: $ERR"
check_version
id=$(esa "j['certs']['esa.example.com'][0]['Id']")
grep -q 'ESA.GetCertificate' "$CP_WORK/fake.log" || cp_fail "the upload was not read back"

cp_log "== deploy aliesa again: the site serves this serial; nothing is uploaded"
deploy "aliesa:site=esa.example.com,$C" || cp_fail "aliesa failed: $ERR"
[ "$RES" = "aliesa: unchanged" ] || cp_fail "aliesa printed [$RES]: $ERR"
[ "$(esa "j['sets']")" = 1 ] || cp_fail "the same version was set twice"

cp_log "== a new version (V2, the site by its id) replaces our upload in place"
cp_certpilot issue --force -d "$name" -d "*.$name" "${dns[@]}" >/dev/null 2>"$CP_WORK/err" ||
    cp_fail "issue --force: $(cat "$CP_WORK/err")"
site_id=7000000000005
deploy "aliesa:$site_id,signature=v2,$C" || cp_fail "aliesa V2 failed: $ERR"
[ "$RES" = "aliesa: changed" ] || cp_fail "aliesa printed [$RES]: $ERR"
check_version
[ "$(esa "j['certs']['esa.example.com'][0]['Id']")" = "$id" ] || cp_fail "the upload was not replaced in place"
grep -q ' v2 -> 200 ESA.SetCertificate' "$CP_WORK/fake.log" || cp_fail "no V2 SetCertificate"

cp_log "== SetCertificate fails quoting the key: Code and RequestId only, no piece of the key"
cp_certpilot issue --force -d "$name" -d "*.$name" "${dns[@]}" >/dev/null 2>"$CP_WORK/err" ||
    cp_fail "issue --force: $(cat "$CP_WORK/err")"
for form in plain percent json lines; do
    curl -sSf --cacert "$PEBBLE_CA_BUNDLE" -d "{\"fail_actions\": [\"SetCertificate\"], \"echo_key\": true, \"echo_form\": \"$form\"}" \
        "$FAKE/_fake/faults" >/dev/null
    deploy "aliesa:esa.example.com,$C" && cp_fail "a failing SetCertificate succeeded"
    cp_assert_contains "$ERR" "deploytool: aliesa: InternalError (RequestId "
    cp_assert_contains "$ERR" "; the Message is not shown: the request carried a secret)"
done
curl -sSf --cacert "$PEBBLE_CA_BUNDLE" -d '{}' "$FAKE/_fake/faults" >/dev/null
deploy "aliesa:esa.example.com,$C" || cp_fail "aliesa failed: $ERR"
check_version

cp_log "== a site that does not exist; no secret or key anywhere in the output"
deploy "aliesa:nope.example.com,$C" && cp_fail "an unknown site was accepted"
cp_assert_contains "$ERR" "aliesa: no ESA site nope.example.com in this account (ListSites)"
for f in "$live"/archive/*/privkey.pem; do
    body=$(sed '1d;$d' "$f" | tr -d '\n')
    for ((i = 0; i + 16 <= ${#body}; i += 16)); do
        ! grep -qF "${body:i:16}" "$ALL" || cp_fail "a piece of the private key is in the output"
    done
done
! grep -q "sk-Right-Secret-4711" "$ALL" || cp_fail "the secret is in the output"
echo "PASS"
