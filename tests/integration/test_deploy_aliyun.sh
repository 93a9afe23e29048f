#!/usr/bin/env bash
# The Alibaba Cloud deploy targets (alicdn, aliapigw, alicas) on a certificate
# issued by Pebble, against the strict Alibaba fake (tests/fakes/aliyun_fake.py),
# driven through deploytool, signed V3 and V2. What the fake stored is compared
# with the issued certificate (the leaf's SHA-256 fingerprint, the whole chain)
# and key (the public key's hash). A version already in place is not uploaded
# again; CDN gets one upload per version (the other domains its CertId); a
# failing target is one clear line and the others still run; a failed call
# that carried the key shows the reply's Code and RequestId, never its Message
# (the fake quoting the key percent-encoded, JSON-escaped or over lines);
# delete_old removes only earlier uploads of the same prefix. The key goes
# out in the traditional PEM form Alibaba documents. Neither the access key
# secret nor any piece of the private key (in either form) appears in any
# output, debug logging (-v) included.
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
name=shop.example.test
state=$CP_WORK/state
live=$state/certs/$name
cp_certpilot issue --agree-tos -d "$name" -d www.shop.example.test --hook "$hook" >/dev/null

port=$("$FREEPORT" 1)
group=0a1b2c3d4e5f60718293a4b5c6d7e8f9
cat >"$CP_WORK/fake.json" <<JSON
{"keys": {"AK": {"secret": "sk-Right-Secret-4711"}},
 "cdn_domains": ["cdn.shop.example.test", "img.shop.example.test", "v2.shop.example.test"],
 "apigw_groups": {"$group": ["api.shop.example.test", "v2api.shop.example.test"]},
 "page_size_max": 2}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
FAKE=https://127.0.0.1:$port
cp_wait_url "$FAKE/_fake/cas" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the Alibaba fake did not start"

unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN \
    ALICLOUD_ACCESS_KEY ALICLOUD_SECRET_KEY ALICLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE \
    ALIBABA_CLOUD_CREDENTIALS_FILE
export HOME=$CP_WORK/home
mkdir -p "$HOME"
export ALIBABA_CLOUD_ACCESS_KEY_ID=AK ALIBABA_CLOUD_ACCESS_KEY_SECRET=sk-Right-Secret-4711
C="endpoint=127.0.0.1:$port,ca_bundle=$PEBBLE_CA_BUNDLE"
ALL=$CP_WORK/all-output.txt  # every line deploytool printed, searched for secrets at the end

# deploy SPEC...: deploytool -v (debug logging); stdout in RES, everything appended to $ALL.
deploy() {
    local rc=0
    "$DEPLOYTOOL" -v "$state" "$name" "$@" >"$CP_WORK/d.out" 2>"$CP_WORK/d.err" || rc=$?
    cat "$CP_WORK/d.out" "$CP_WORK/d.err" >>"$ALL"
    RES=$(cat "$CP_WORK/d.out")
    ERR=$(cat "$CP_WORK/d.err")
    return "$rc"
}
expect_res() { [ "$RES" = "$1" ] || cp_fail "deploytool printed [$RES], expected [$1]; stderr: $ERR"; }

# fake PYTHON-EXPRESSION: evaluated over j, the JSON of the whole fake state.
fake() {
    {
        printf '{"cdn": '
        curl -sSf --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/cdn"
        printf ', "apigw": '
        curl -sSf --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/apigw"
        printf ', "cas": '
        curl -sSf --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/cas"
        printf '}'
    } | python3 -c 'import json, sys; j = json.load(sys.stdin); v = eval(sys.argv[1]); print(v if isinstance(v, str) else json.dumps(v))' "$1"
}

faults() { curl -sSf --cacert "$PEBBLE_CA_BUNDLE" -d "$1" "$FAKE/_fake/faults" >/dev/null; }

# The leaf's SHA-256 fingerprint and the public key's hash of PEM text on stdin.
leaf_fp() { openssl x509 -noout -fingerprint -sha256 | cut -d= -f2; }
key_hash() { openssl pkey -pubout -outform DER | sha256sum | cut -d' ' -f1; }

# check_stored EXPR_CHAIN EXPR_KEY EXPR_NAME: the fake holds this version's full chain and key.
check_stored() {
    local what=$3
    [ "$(fake "$1" | leaf_fp)" = "$(leaf_fp <"$live/cert.pem")" ] || cp_fail "$what: another leaf was uploaded"
    [ "$(fake "$1")" = "$(cat "$live/fullchain.pem")" ] || cp_fail "$what: the upload is not the full chain"
    [ "$(fake "$2" | key_hash)" = "$(key_hash <"$live/privkey.pem")" ] || cp_fail "$what: another key was uploaded"
}

# The last 32 hex digits of a serial (Pebble's have 16; a CA's may have up to 40).
last32() { if [ "${#1}" -le 32 ]; then echo "$1"; else echo "${1: -32}"; fi; }
serial=$(openssl x509 -in "$live/cert.pem" -noout -serial | cut -d= -f2)
want_name=certpilot-shop_example_test-$(last32 "$serial")
want_cdn=certpilot-cdn-shop_example_test-$(last32 "$serial")

cp_log "== alicdn, V3: two domains in the compact form, one upload; the chain, key and name the fake holds"
deploy "alicdn:cdn.shop.example.test,img.shop.example.test,$C" || cp_fail "alicdn failed: $ERR"
expect_res "alicdn: changed"
for d in cdn img; do
    check_stored "j['cdn']['$d.shop.example.test']['SSLPub']" "j['cdn']['$d.shop.example.test']['SSLPri']" "alicdn $d"
    [ "$(fake "j['cdn']['$d.shop.example.test']['CertName']")" = "$want_cdn" ] ||
        cp_fail "alicdn $d: CertName $(fake "j['cdn']['$d.shop.example.test']['CertName']"), expected $want_cdn"
done
# CDN refuses a second upload under one name: the second domain takes the stored certificate's CertId
[ "$(fake "j['cdn']['cdn.shop.example.test']['CertType'] + ' ' + j['cdn']['img.shop.example.test']['CertType']")" = "upload cas" ] ||
    cp_fail "expected one upload and one CertId reference"
grep -q ' v3 -> 200 Cdn.SetCdnDomainSSLCertificate' "$CP_WORK/fake.log" || cp_fail "no V3 CDN upload was seen"
[ "$(grep -c 'Cdn.DescribeDomainCertificateInfo' "$CP_WORK/fake.log")" = 4 ] ||
    cp_fail "expected a check before and after each upload (4 DescribeDomainCertificateInfo)"

cp_log "== alicdn again: the domains serve this serial; nothing is uploaded"
deploy "alicdn:domain=cdn.shop.example.test\\,img.shop.example.test,$C" || cp_fail "alicdn failed: $ERR"
expect_res "alicdn: unchanged"
[ "$(fake "j['cdn']['cdn.shop.example.test']['sets']")" = 1 ] || cp_fail "alicdn uploaded the same version twice"

cp_log "== alicdn, V2; a second alicdn target of the certificate needs a name of its own"
deploy "alicdn:v2.shop.example.test,signature=v2,$C" && cp_fail "a second upload under one name was accepted"
cp_assert_contains "$ERR" "deploytool: alicdn: NameRepeat (RequestId "
cp_assert_contains "$ERR" "; the Message is not shown: the request carried a secret)"
deploy "alicdn:v2.shop.example.test,signature=v2,name=cdnv2,$C" || cp_fail "alicdn V2 failed: $ERR"
expect_res "alicdn: changed"
check_stored "j['cdn']['v2.shop.example.test']['SSLPub']" "j['cdn']['v2.shop.example.test']['SSLPri']" "alicdn V2"
grep -q ' v2 -> 200 Cdn.SetCdnDomainSSLCertificate' "$CP_WORK/fake.log" || cp_fail "no V2 CDN upload was seen"

cp_log "== aliapigw, V3 then V2; again: unchanged"
deploy "aliapigw:api.shop.example.test,group=$group,region=cn-hangzhou,$C" || cp_fail "aliapigw failed: $ERR"
expect_res "aliapigw: changed"
check_stored "j['apigw']['$group']['api.shop.example.test']['CertificateBody']" \
    "j['apigw']['$group']['api.shop.example.test']['CertificatePrivateKey']" "aliapigw"
[ "$(fake "j['apigw']['$group']['api.shop.example.test']['CertificateName']")" = "$want_name" ] ||
    cp_fail "aliapigw: wrong CertificateName"
deploy "aliapigw:v2api.shop.example.test,group=$group,signature=v2,$C" || cp_fail "aliapigw V2 failed: $ERR"
expect_res "aliapigw: changed"
check_stored "j['apigw']['$group']['v2api.shop.example.test']['CertificateBody']" \
    "j['apigw']['$group']['v2api.shop.example.test']['CertificatePrivateKey']" "aliapigw V2"
grep -q ' v2 -> 200 CloudAPI.SetDomainCertificate' "$CP_WORK/fake.log" || cp_fail "no V2 API Gateway upload"
deploy "aliapigw:api.shop.example.test,v2api.shop.example.test,group=$group,$C" || cp_fail "aliapigw failed: $ERR"
expect_res "aliapigw: unchanged"

cp_log "== alicas, V3 (default name) and V2 (own name); again: unchanged (the list has 2 a page)"
deploy "alicas:$C" || cp_fail "alicas failed: $ERR"
expect_res "alicas: changed"
check_stored "[u for u in j['cas'] if u['Name'] == '$want_name'][0]['Cert']" \
    "[u for u in j['cas'] if u['Name'] == '$want_name'][0]['Key']" "alicas"
deploy "alicas:other-site,signature=v2,$C" || cp_fail "alicas V2 failed: $ERR"
expect_res "alicas: changed"
deploy "alicas:mirror,$C" || cp_fail "alicas failed: $ERR"
expect_res "alicas: changed"
grep -q ' v2 -> 200 CAS.UploadUserCertificate' "$CP_WORK/fake.log" || cp_fail "no V2 CAS upload"
deploy "alicas:$C" || cp_fail "alicas failed: $ERR"
expect_res "alicas: unchanged"
# CDN's two uploads are in the certificate service too
[ "$(fake "len(j['cas'])")" = 5 ] || cp_fail "expected 5 uploads: $(fake "[u['Name'] for u in j['cas']]")"

cp_log "== a new version; SetDomainCertificate fails (its message quoting the key): the others still deploy"
cp_certpilot issue -d "$name" -d www.shop.example.test --cert-name "$name" --hook "$hook" --force >/dev/null
serial2=$(openssl x509 -in "$live/cert.pem" -noout -serial | cut -d= -f2)
[ "$serial" != "$serial2" ] || cp_fail "the second issue kept serial $serial"
faults '{"fail_actions": ["SetDomainCertificate"], "echo_key": true}'
rc=0
deploy "alicdn:cdn.shop.example.test,$C" "aliapigw:api.shop.example.test,group=$group,$C" \
    "alicas:$C,delete_old" || rc=$?
[ "$rc" = 1 ] || cp_fail "a failing aliapigw gave exit status $rc; stderr: $ERR"
expect_res "alicdn: changed
alicas: changed"
cp_assert_contains "$ERR" "deploytool: aliapigw: InternalError (RequestId "
cp_assert_contains "$ERR" "; the Message is not shown: the request carried a secret)"
[ "$(grep -c 'aliapigw: InternalError ' "$CP_WORK/d.err")" = 1 ] || cp_fail "not one error line: $ERR"
check_stored "j['cdn']['cdn.shop.example.test']['SSLPub']" "j['cdn']['cdn.shop.example.test']['SSLPri']" "alicdn v2"
faults '{}'
deploy "aliapigw:api.shop.example.test,group=$group,$C" || cp_fail "aliapigw failed after the fault: $ERR"
expect_res "aliapigw: changed"

cp_log "== delete_old removed only the earlier upload of the same prefix"
want_name2=certpilot-shop_example_test-$(last32 "$serial2")
names=$(fake "' '.join(sorted(u['Name'] for u in j['cas']))")
want=$(printf '%s\n' "$want_name2" "mirror-$(last32 "$serial")" "other-site-$(last32 "$serial")" "$want_cdn" \
    "cdnv2-$(last32 "$serial")" "certpilot-cdn-shop_example_test-$(last32 "$serial2")" | LC_ALL=C sort | tr '\n' ' ')
[ "$names" = "${want% }" ] || cp_fail "CAS holds: $names; expected: $want"
grep -q ' v3 -> 200 CAS.DeleteUserCertificate' "$CP_WORK/fake.log" || cp_fail "no DeleteUserCertificate was seen"

cp_log "== a delete that fails is a warning; the run succeeds"
cp_certpilot issue -d "$name" -d www.shop.example.test --cert-name "$name" --hook "$hook" --force >/dev/null
faults '{"fail_actions": ["DeleteUserCertificate"]}'
deploy "alicas:$C,delete_old" || cp_fail "a failed delete failed the run: $ERR"
expect_res "alicas: changed"
cp_assert_contains "$ERR" "alicas: InternalError: "
cp_assert_contains "$ERR" "; the earlier upload $want_name2 stays"
faults '{}'

cp_log "== an RSA key goes out as BEGIN RSA PRIVATE KEY (CDN's documented form), the same key"
cp_certpilot issue -d rsa.example.test --key-type rsa2048 --hook "$hook" >/dev/null
"$DEPLOYTOOL" "$state" rsa.example.test "alicas:rsa,$C" >"$CP_WORK/rsa.out" 2>&1 || cp_fail "RSA: $(cat "$CP_WORK/rsa.out")"
cat "$CP_WORK/rsa.out" >>"$ALL"
rsa_key="[u for u in j['cas'] if u['Name'].startswith('rsa-')][0]['Key']"
[ "$(fake "$rsa_key.splitlines()[0]")" = "-----BEGIN RSA PRIVATE KEY-----" ] || cp_fail "the RSA key was not sent as PKCS#1"
[ "$(fake "$rsa_key" | key_hash)" = "$(key_hash <"$state/certs/rsa.example.test/privkey.pem")" ] ||
    cp_fail "another RSA key was uploaded"

cp_log "== settings and credential errors"
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "aliapigw:api.shop.example.test,group=$group"
cp_check_err 2 "deploytool: aliapigw: region is not set (the API group's region, such as cn-hangzhou)"
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "alicdn:$C"
cp_check_err 2 "deploytool: alicdn: domain is not set (the CDN domain names to install on)"
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "alicas:$C,delete_olds=yes"
cp_check_err 2 'deploytool: alicas: unknown setting "delete_olds" (did you mean "delete_old"?)'
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "alicas:$C,signature=v4"
cp_check_err 2 'deploytool: alicas: signature must be v3 or v2, not "v4"'
cp_expect_fail env -u ALIBABA_CLOUD_ACCESS_KEY_ID -u ALIBABA_CLOUD_ACCESS_KEY_SECRET \
    ALIBABA_CLOUD_ECS_METADATA_DISABLED=true "$DEPLOYTOOL" "$state" "$name" "alicas:$C"
cp_check_err 2 "deploytool: alicas: no Alibaba Cloud credentials"
cp_expect_fail env ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong-Secret-4711 "$DEPLOYTOOL" -v "$state" "$name" \
    "alicdn:img.shop.example.test,$C"
cp_check_err 2 "deploytool: alicdn: SignatureDoesNotMatch: "
cat "$CP_WORK/last.out" "$CP_WORK/last.err" >>"$ALL"
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "alicdn:nope.shop.example.test,$C"
cp_check_err 1 "deploytool: alicdn: InvalidDomain.NotFound: "

cp_log "== the upload fails and the reply quotes the whole key (percent-encoded, JSON-escaped, over lines):"
cp_log "   Code and RequestId only, on the terminal and in meta.json's deploy[].last.error"
meta=$live/meta.json
for form in percent json lines; do
    faults '{"fail_actions": ["UploadUserCertificate"], "echo_key": true, "echo_form": "'"$form"'"}'
    cp_expect_fail cp_certpilot -v deploy --cert-name "$name" --to "alicas:name=echo$form,$C"
    cat "$CP_WORK/last.out" "$CP_WORK/last.err" "$meta" >>"$ALL"
    cp_check_err 1 "alicas: InternalError (RequestId "
    cp_assert_contains "$CP_LAST_ERR" "; the Message is not shown: the request carried a secret)"
    grep -qF "alicas: InternalError (RequestId " "$meta" || cp_fail "meta.json does not hold the $form error"
    # not one line of the key, in either form, in the output or in meta.json
    for pem in "$live/privkey.pem"; do
        { cat "$pem"; openssl pkey -in "$pem" -traditional; } | grep -v -- '-----' | while IFS= read -r line; do
            ! grep -qF -- "$line" "$CP_WORK/last.out" "$CP_WORK/last.err" "$meta" ||
                cp_fail "a line of the key leaked ($form): $line"
        done
    done
done
faults '{}'

cp_log "== no secret in any output: the access key secret, any 16 characters of the key's base64"
cat "$CP_WORK/fake.log" >>"$ALL"
for s in sk-Right-Secret-4711 wrong-Secret-4711; do
    if grep -qF -- "$s" "$ALL"; then cp_fail "the secret $s leaked"; fi
done
# both encodings: the stored PKCS#8 and the traditional PEM the targets send
for pem in "$live"/archive/*/privkey.pem "$state"/certs/rsa.example.test/archive/*/privkey.pem; do
    { cat "$pem"; openssl pkey -in "$pem" -traditional; } | grep -v -- '-----' | while IFS= read -r line; do
        printf '%s' "$line" | fold -w 16 | while IFS= read -r piece; do
            [ "${#piece}" -lt 16 ] || ! grep -qF -- "$piece" "$ALL" || cp_fail "a piece of $pem leaked: $piece"
        done
    done
done
[ "$(fake "j['cas'][0]['Key'].splitlines()[0]")" = "-----BEGIN EC PRIVATE KEY-----" ] ||
    cp_fail "the key was not sent in the traditional PEM form"
echo "ok"
