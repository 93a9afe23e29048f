#!/usr/bin/env bash
# The alidns dns-01 provider against the strict Alibaba Cloud fake (tests/fakes/aliyun_fake.py),
# which mirrors accepted TXT records into pebble-challtestsrv; checked with dig.
# Driven through tests/tools/dnstool ($DNSTOOL).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cp_harness_init
cp_require python3 dig
[ -x "${DNSTOOL:-}" ] || cp_fail "dnstool not found (DNSTOOL=${DNSTOOL:-})"
cp_start_pebble

# Six domains, two per page: example.com is found on DescribeDomains' third page.
port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<'JSON'
{"keys": {"AK": {"secret": "sk-right"}, "STS.AK": {"secret": "sts-secret", "token": "sts-token"}},
 "domains": [{"name": "a.test"}, {"name": "b.test"}, {"name": "c.test"}, {"name": "d.test"},
             {"name": "other.example.com", "min_ttl": 1}, {"name": "example.com", "min_ttl": 600}],
 "page_size_max": 2}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" --challtestsrv "$CHALLTESTSRV_URL" \
    >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
FAKE=https://127.0.0.1:$port
cp_wait_url "$FAKE/_fake/records" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the Alibaba fake did not start"

SETTINGS=(-s "endpoint=127.0.0.1:$port" -s "ca_bundle=$PEBBLE_CA_BUNDLE")
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN \
    ALICLOUD_ACCESS_KEY ALICLOUD_SECRET_KEY ALICLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE \
    ALIBABA_CLOUD_CREDENTIALS_FILE
export HOME=$CP_WORK/home
mkdir -p "$HOME"

# dnstool with lego's variable names and the right key; extra arguments follow.
tool() { ALICLOUD_ACCESS_KEY=AK ALICLOUD_SECRET_KEY=sk-right "$DNSTOOL" alidns "$@"; }

# The TXT values of a name in the test DNS, sorted, space-separated.
txt() {
    dig +short +time=2 +tries=1 @127.0.0.1 -p "$CHALLTESTSRV_DNS_PORT" TXT "$1" | tr -d '"' |
        LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

expect_txt() {
    local got
    got=$(txt "$1")
    [ "$got" = "$2" ] || cp_fail "TXT $1: want [$2], got [$got]"
}

N=_acme-challenge.www.example.com

cp_log "== a foreign TXT value, then the two values of a wildcard + base order (V3)"
foreign=$(tool add "${SETTINGS[@]}" "$N=foreign-value")
ours=$(tool add "${SETTINGS[@]}" "$N=token-base" "$N=token-wild")
[ "$(printf '%s\n' "$ours" | wc -l)" = 2 ] || cp_fail "expected two ids, got: $ours"
cp_assert_contains "$ours" "$N.=token-base@"
expect_txt "$N" "foreign-value token-base token-wild"
grep -q ' v3 -> 200 Alidns.AddDomainRecord' "$CP_WORK/fake.log" || cp_fail "the add was not signed V3"

cp_log "== remove deletes only our RecordIds: the foreign value survives"
# shellcheck disable=SC2086 # one record per line
tool remove "${SETTINGS[@]}" $ours
expect_txt "$N" "foreign-value"
cp_assert_contains "$(curl -sS --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/records")" "foreign-value"
# removing again is not an error (the records are already gone)
# shellcheck disable=SC2086
tool remove "${SETTINGS[@]}" $ours

cp_log "== V2 signature"
v2=$(tool add "${SETTINGS[@]}" -s signature=v2 "_acme-challenge.v2.example.com=v2-token")
expect_txt _acme-challenge.v2.example.com "v2-token"
tool remove "${SETTINGS[@]}" -s signature=v2 "$v2"
expect_txt _acme-challenge.v2.example.com ""
grep -q ' v2 -> 200 Alidns.DeleteDomainRecord' "$CP_WORK/fake.log" || cp_fail "no V2 delete was seen"

cp_log "== more records than a page: a re-run finds its earlier record on page 3 (DomainRecordDuplicate)"
M=_acme-challenge.many.example.com
first=$(tool add "${SETTINGS[@]}" "$M=m1" "$M=m2" "$M=m3" "$M=m4" "$M=m5")
again=$(tool add "${SETTINGS[@]}" "$M=m5")
[ "$again" = "$(printf '%s\n' "$first" | tail -n 1)" ] ||
    cp_fail "the re-run did not reuse the RecordId: first [$first] again [$again]"
grep -q 'DomainRecordDuplicate' "$CP_WORK/fake.log" || cp_fail "the fake never said DomainRecordDuplicate"
expect_txt "$M" "m1 m2 m3 m4 m5"
# shellcheck disable=SC2086
tool remove "${SETTINGS[@]}" $first
expect_txt "$M" ""

cp_log "== a deeper zone wins: other.example.com holds its own names, with its minimum TTL (1)"
deep=$(tool add "${SETTINGS[@]}" "_acme-challenge.other.example.com=deep")
records=$(curl -sS --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/records")
cp_assert_contains "$records" '"DomainName": "other.example.com", "RR": "_acme-challenge", "Type": "TXT", "Value": "deep", "TTL": 1,'
tool remove "${SETTINGS[@]}" "$deep"

cp_log "== a ttl below the edition's minimum: QuotaExceeded.TTL, then the domain's minimum (600)"
low=$(tool add "${SETTINGS[@]}" -s ttl=60 "$N=low-ttl" 2>"$CP_WORK/ttl.err")
grep -q 'QuotaExceeded.TTL' "$CP_WORK/fake.log" || cp_fail "the fake never said QuotaExceeded.TTL"
cp_assert_contains "$(cat "$CP_WORK/ttl.err")" "TTL 60 is below the minimum of example.com; using 600"
cp_assert_contains "$(curl -sS --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/records")" '"Value": "low-ttl", "TTL": 600,'
tool remove "${SETTINGS[@]}" "$low"

cp_log "== wrong secret: one line naming SignatureDoesNotMatch, the secret nowhere"
cp_expect_fail env ALICLOUD_ACCESS_KEY=AK ALICLOUD_SECRET_KEY=wrong-Secret-4711 \
    "$DNSTOOL" alidns add "${SETTINGS[@]}" "$N=x"
cp_check_err 2 "dnstool: alidns: SignatureDoesNotMatch: "
cp_assert_contains "$CP_LAST_ERR" "(RequestId "
[ "$(printf '%s\n' "$CP_LAST_ERR" | wc -l)" = 1 ] || cp_fail "more than one line: $CP_LAST_ERR"
case "$CP_LAST_ERR$CP_LAST_OUT" in *wrong-Secret-4711*) cp_fail "the secret leaked: $CP_LAST_ERR" ;; esac

cp_log "== unknown key id"
cp_expect_fail env ALICLOUD_ACCESS_KEY=NOPE ALICLOUD_SECRET_KEY=x "$DNSTOOL" alidns add "${SETTINGS[@]}" "$N=x"
cp_check_err 2 "alidns: InvalidAccessKeyId.NotFound: "

cp_log "== STS key pair with its token (SDK variable names), and without it"
sts=$(ALIBABA_CLOUD_ACCESS_KEY_ID=STS.AK ALIBABA_CLOUD_ACCESS_KEY_SECRET=sts-secret \
    ALIBABA_CLOUD_SECURITY_TOKEN=sts-token "$DNSTOOL" alidns add "${SETTINGS[@]}" "$N=sts-value")
sts_v2=$(ALIBABA_CLOUD_ACCESS_KEY_ID=STS.AK ALIBABA_CLOUD_ACCESS_KEY_SECRET=sts-secret \
    ALIBABA_CLOUD_SECURITY_TOKEN=sts-token "$DNSTOOL" alidns add "${SETTINGS[@]}" -s signature=v2 \
    "$N=sts-v2-value")
expect_txt "$N" "foreign-value sts-v2-value sts-value"
tool remove "${SETTINGS[@]}" "$sts" "$sts_v2"
cp_expect_fail env ALIBABA_CLOUD_ACCESS_KEY_ID=STS.AK ALIBABA_CLOUD_ACCESS_KEY_SECRET=sts-secret \
    "$DNSTOOL" alidns add "${SETTINGS[@]}" "$N=x"
cp_check_err 2 "alidns: MissingSecurityToken: "

cp_log "== the credentials file, profile from ALIBABA_CLOUD_PROFILE"
mkdir -p "$HOME/.alibabacloud"
printf '[default]\naccess_key_id = NOPE\naccess_key_secret = x\n\n[ci]\ntype = access_key\naccess_key_id = AK\naccess_key_secret = sk-right\n' \
    >"$HOME/.alibabacloud/credentials"
f=$(ALIBABA_CLOUD_PROFILE=ci "$DNSTOOL" alidns add "${SETTINGS[@]}" "_acme-challenge.file.example.com=from-file")
expect_txt _acme-challenge.file.example.com "from-file"
ALIBABA_CLOUD_PROFILE=ci "$DNSTOOL" alidns remove "${SETTINGS[@]}" "$f"
rm -rf "$HOME/.alibabacloud"

cp_log "== throttled once: retried; a failed AddDomainRecord leaves the earlier one removable"
curl -sSf --cacert "$PEBBLE_CA_BUNDLE" -d '{"throttle_once": ["AddDomainRecord"]}' "$FAKE/_fake/faults" >/dev/null
t=$(tool add "${SETTINGS[@]}" "$N=after-throttle")
grep -q 'Throttling.User' "$CP_WORK/fake.log" || cp_fail "the fake never throttled"
tool remove "${SETTINGS[@]}" "$t"
curl -sSf --cacert "$PEBBLE_CA_BUNDLE" -d '{"fail_add": 2}' "$FAKE/_fake/faults" >/dev/null
cp_expect_fail tool add "${SETTINGS[@]}" "$N=ok-one" "$N=fails"
cp_check_err 1 "alidns: InternalError: "
cp_assert_contains "$CP_LAST_OUT" "$N.=ok-one@"
# shellcheck disable=SC2086
tool remove "${SETTINGS[@]}" $CP_LAST_OUT
expect_txt "$N" "foreign-value"

cp_log "== bad input: no credentials, unknown setting, name outside the account"
cp_expect_fail env ALIBABA_CLOUD_ECS_METADATA_DISABLED=true "$DNSTOOL" alidns add "${SETTINGS[@]}" "$N=x"
cp_check_err 2 "dnstool: alidns: no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"
cp_expect_fail tool add "${SETTINGS[@]}" -s ttl=60 -s signatur=v2 "$N=x"
cp_check_err 2 'alidns: unknown setting "signatur" (did you mean "signature"?)'
cp_expect_fail tool add "${SETTINGS[@]}" "_acme-challenge.example.net=x"
cp_check_err 1 "alidns: no domain of this account holds _acme-challenge.example.net."

cp_log "== a RecordId that is not the record we added (a corrupted journal) is refused, not deleted"
ja=$(tool add "${SETTINGS[@]}" "$N=journal-a")
jb=$(tool add "${SETTINGS[@]}" "_acme-challenge.v2.example.com=journal-b")
cp_expect_fail tool remove "${SETTINGS[@]}" "$N.=journal-a@${jb##*@}"
cp_check_err 1 "dnstool: alidns: RecordId ${jb##*@} is not the TXT record $N. with our value (that is RecordId ${ja##*@}); not deleting it"
expect_txt _acme-challenge.v2.example.com "journal-b"
tool remove "${SETTINGS[@]}" "$ja" "$jb"
expect_txt _acme-challenge.v2.example.com ""

cp_log "== finally the foreign value goes too: nothing is left behind"
tool remove "${SETTINGS[@]}" "$foreign"
expect_txt "$N" ""
[ "$(curl -sS --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/records")" = "[]" ] ||
    cp_fail "records left in the fake: $(curl -sS --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/records")"

cp_log "== certpilot issue --dns alidns end to end: a name and its wildcard, Pebble validates through the test DNS"
# challtestsrv answers no SOA/NS, so it cannot stand in for authoritative servers: no propagation check here
# (test_issue_dns_builtin.sh runs it against BIND).
export ALICLOUD_ACCESS_KEY=AK ALICLOUD_SECRET_KEY=sk-right
ali=(--dns alidns --dns-set "endpoint=127.0.0.1:$port" --dns-set "ca_bundle=$PEBBLE_CA_BUNDLE" --no-propagation-check)
cp_certpilot account new --agree-tos >/dev/null
cp_certpilot issue -d shop.example.com -d '*.shop.example.com' "${ali[@]}" >/dev/null 2>"$CP_WORK/err" ||
    cp_fail "issue --dns alidns: $(cat "$CP_WORK/err")"
cp_verify_cert "$CP_WORK/state/certs/shop.example.com" shop.example.com '*.shop.example.com' ||
    cp_fail "certificate through alidns"
[ "$(curl -sS --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/records")" = "[]" ] || cp_fail "issue left records in the fake"
! grep -q "sk-right" "$CP_WORK/state/certs/shop.example.com/meta.json" "$CP_WORK/err" || cp_fail "the secret leaked"
ALICLOUD_SECRET_KEY=wrong cp_expect_fail cp_certpilot issue -d bad.example.com "${ali[@]}"
cp_check_err 2 "SignatureDoesNotMatch"  # wrong credentials: a configuration error
! grep -q "wrong" <<<"$CP_LAST_ERR" || cp_fail "the wrong secret was printed"

echo "PASS"
