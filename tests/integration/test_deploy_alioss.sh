#!/usr/bin/env bash
# alioss: an OSS bucket's custom domains serve a certificate issued by Pebble, through OSS's own XML
# API signed V4 (OSS4-HMAC-SHA256), against the Alibaba fake's OSS product
# (tests/fakes/aliyun_products/oss.py, which verifies the signature from the algorithm), through
# deploytool. What reached the fake is compared with what was issued (the leaf's fingerprint, the
# full chain, the key); a version in place is not set again; a renewal replaces it naming the bound
# certificate; an STS token travels as x-oss-security-token; an error of the call carrying the key
# shows no Message and no piece of the key; a wrong secret is refused.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3 openssl curl
python3 -c 'import cryptography' 2>/dev/null || cp_fail "python3-cryptography is not installed (scripts/deps.sh)"
: "${DEPLOYTOOL:=$CP_SOURCE_DIR/build/tests/deploytool}"
[ -x "$DEPLOYTOOL" ] || cp_fail "deploytool not found at $DEPLOYTOOL (build first)"
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
name=static.example.test
state=$CP_WORK/state
live=$state/certs/$name
cp_certpilot issue --agree-tos -d "$name" -d img.example.test --hook "$hook" >/dev/null

port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<'JSON'
{"keys": {"AK": {"secret": "sk-Oss-Secret-4711"}, "STSAK": {"secret": "sts-Secret-0815", "token": "CAIS+sts/token=="}},
 "oss_buckets": {"site-bucket": {"region": "cn-shanghai",
                                 "domains": ["static.example.test", "img.example.test", "other.example.test"]}}}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
FAKE=https://127.0.0.1:$port
cp_wait_url "$FAKE/_fake/oss" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the Alibaba fake did not start"

unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN \
    ALICLOUD_ACCESS_KEY ALICLOUD_SECRET_KEY ALICLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE \
    ALIBABA_CLOUD_CREDENTIALS_FILE
export HOME=$CP_WORK/home
mkdir -p "$HOME"
export ALIBABA_CLOUD_ACCESS_KEY_ID=AK ALIBABA_CLOUD_ACCESS_KEY_SECRET=sk-Oss-Secret-4711
T="alioss:site-bucket,region=cn-shanghai,domain=static.example.test,domain=img.example.test"
T="$T,endpoint=127.0.0.1:$port,ca_bundle=$PEBBLE_CA_BUNDLE"
ALL=$CP_WORK/all-output.txt

deploy() {
    local rc=0
    "$DEPLOYTOOL" -v "$state" "$name" "$@" >"$CP_WORK/d.out" 2>"$CP_WORK/d.err" || rc=$?
    cat "$CP_WORK/d.out" "$CP_WORK/d.err" >>"$ALL"
    RES=$(cat "$CP_WORK/d.out")
    ERR=$(cat "$CP_WORK/d.err")
    return "$rc"
}
expect_res() { [ "$RES" = "$1" ] || cp_fail "deploytool printed [$RES], expected [$1]; stderr: $ERR"; }
# fake PYTHON-EXPRESSION over j = the /_fake/oss view
fake() {
    curl -sSf --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/oss" |
        python3 -c 'import json, sys; j = json.load(sys.stdin); v = eval(sys.argv[1]); print(v if isinstance(v, str) else json.dumps(v))' "$1"
}
key_hash() { openssl pkey -pubout -outform DER | sha256sum | cut -d' ' -f1; }
sha1_fp() { openssl x509 -noout -fingerprint -sha1 | cut -d= -f2; }
check_domain() {
    local d="j['site-bucket']['$1']"
    [ "$(fake "$d['fingerprint']")" = "$(sha1_fp <"$live/cert.pem")" ] || cp_fail "$1: another leaf"
    [ "$(fake "$d['chain']")" = "$(cat "$live/fullchain.pem")" ] || cp_fail "$1: not the full chain"
    [ "$(fake "$d['key']" | key_hash)" = "$(key_hash <"$live/privkey.pem")" ] || cp_fail "$1: another key"
}

cp_log "== alioss: ListCname, PutCname for both domains, ListCname to verify"
deploy "$T" || cp_fail "alioss failed: $ERR"
expect_res "alioss: changed"
check_domain static.example.test
check_domain img.example.test
[ "$(fake "j['site-bucket']['other.example.test']")" = null ] || cp_fail "another domain of the bucket was changed"
[ "$(grep -c 'POST / OSS4-HMAC-SHA256 -> 200 Oss.PutCname' "$CP_WORK/fake.log")" = 2 ] || cp_fail "expected 2 PutCname"
[ "$(grep -c 'GET / OSS4-HMAC-SHA256 -> 200 Oss.ListCname' "$CP_WORK/fake.log")" = 2 ] ||
    cp_fail "expected ListCname before and after: $(cat "$CP_WORK/fake.log")"
first_id=$(fake "j['site-bucket']['static.example.test']['cert_id']")

cp_log "== again: unchanged, one ListCname, no PutCname"
deploy "$T" || cp_fail "alioss failed: $ERR"
expect_res "alioss: unchanged"
[ "$(grep -c 'Oss.PutCname' "$CP_WORK/fake.log")" = 2 ] || cp_fail "an unchanged run called PutCname"
[ "$(fake "j['site-bucket']['static.example.test']['updates']")" = 1 ] || cp_fail "updated twice"

cp_log "== a renewal: PutCname names the bound certificate (PreviousCertId), with an STS token"
cp_certpilot issue --agree-tos -d "$name" -d img.example.test --hook "$hook" --force >/dev/null
ALIBABA_CLOUD_ACCESS_KEY_ID=STSAK ALIBABA_CLOUD_ACCESS_KEY_SECRET=sts-Secret-0815 \
    ALIBABA_CLOUD_SECURITY_TOKEN='CAIS+sts/token==' deploy "$T" || cp_fail "alioss with STS failed: $ERR"
expect_res "alioss: changed"
check_domain static.example.test
check_domain img.example.test
[ "$(fake "j['site-bucket']['static.example.test']['updates']")" = 2 ] || cp_fail "the renewal did not replace"
[ "$(fake "j['site-bucket']['static.example.test']['cert_id']")" != "$first_id" ] || cp_fail "same CertId"
ALIBABA_CLOUD_ACCESS_KEY_ID=STSAK ALIBABA_CLOUD_ACCESS_KEY_SECRET=sts-Secret-0815 deploy "$T" &&
    cp_fail "STS key without its token accepted"
[[ "$ERR" == *"alioss: ListCname: AccessDenied"* ]] || cp_fail "no AccessDenied line: $ERR"

cp_log "== a wrong secret: SignatureDoesNotMatch, one line"
ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong deploy "$T" && cp_fail "a wrong secret was accepted"
[[ "$ERR" == *"alioss: ListCname: SignatureDoesNotMatch: "* ]] || cp_fail "no SignatureDoesNotMatch line: $ERR"

cp_log "== a domain the bucket does not have: refused before any PutCname"
deploy "alioss:site-bucket,region=cn-shanghai,domain=nope.example.test,endpoint=127.0.0.1:$port,ca_bundle=$PEBBLE_CA_BUNDLE" &&
    cp_fail "an unbound domain was accepted"
[[ "$ERR" == *"alioss: nope.example.test is not a custom domain of bucket site-bucket (ListCname)"* ]] ||
    cp_fail "no unbound-domain line: $ERR"

cp_log "== PutCname fails quoting the key: no Message, no piece of the key"
cp_certpilot issue --agree-tos -d "$name" -d img.example.test --hook "$hook" --force >/dev/null
curl -sSf --cacert "$PEBBLE_CA_BUNDLE" -d '{"fail_actions": ["PutCname"], "echo_key": true}' "$FAKE/_fake/faults" >/dev/null
deploy "$T" && cp_fail "a failing PutCname was accepted"
[[ "$ERR" == *"alioss: PutCname: InternalError (RequestId "*"the Message is not shown: the request carried a secret)"* ]] ||
    cp_fail "no Message-less line: $ERR"
body=$(sed -n '/BEGIN/,/END/p' "$live/privkey.pem" | grep -v -- ----- | tr -d '\n')
for i in 0 40 80 120; do
    piece=${body:$i:12}
    if grep -qF -- "$piece" "$ALL"; then cp_fail "a piece of the private key reached the output"; fi
done
grep -q "BEGIN.*PRIVATE KEY" "$ALL" && cp_fail "a private key reached the output"
echo "PASS"
