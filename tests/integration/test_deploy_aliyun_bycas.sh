#!/usr/bin/env bash
# The Alibaba targets that point a service at a certificate-service upload (alialb, alinlb, aliwaf,
# aliapig) and alifc (FC 3.0, ROA), on a certificate issued by Pebble, against the strict Alibaba
# fake (tests/fakes/aliyun_fake.py + aliyun_products/cas_by_id.py), through deploytool. What reached
# the fake is compared with what was issued: the leaf's SHA-256 fingerprint, the full chain, the
# key, the listener, domain and region. One CAS upload serves every run and every target; a
# version in place is not changed again; ALB as the default and as an additional certificate,
# the earlier additional one of ours dissociated after a renewal.
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
name=lb.example.test
state=$CP_WORK/state
live=$state/certs/$name
cp_certpilot issue --agree-tos -d "$name" --hook "$hook" >/dev/null

port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<'JSON'
{"keys": {"AK": {"secret": "sk-ByCas-Secret-4711"}},
 "alb_listeners": ["lsn-alb1", "lsn-alb2"], "nlb_listeners": {"lsn-nlb1": "cn-shanghai"},
 "waf_domains": {"waf.lb.example.test": {"instance": "waf_v2_public_cn-1"},
                 "native.lb.example.test": {"instance": "waf_v2_public_cn-1", "cname": false}},
 "apig_domains": {"d-apig1": "api.lb.example.test"}, "fc_domains": ["fc.lb.example.test"]}
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
export ALIBABA_CLOUD_ACCESS_KEY_ID=AK ALIBABA_CLOUD_ACCESS_KEY_SECRET=sk-ByCas-Secret-4711
C="endpoint=127.0.0.1:$port,ca_bundle=$PEBBLE_CA_BUNDLE"
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

# fake PYTHON-EXPRESSION over j = {"cas": [...], "by": the /_fake/bycas view}
fake() {
    {
        printf '{"cas": '
        curl -sSf --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/cas"
        printf ', "by": '
        curl -sSf --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/bycas"
        printf '}'
    } | python3 -c 'import json, sys; j = json.load(sys.stdin); v = eval(sys.argv[1]); print(v if isinstance(v, str) else json.dumps(v))' "$1"
}
leaf_fp() { openssl x509 -noout -fingerprint -sha256 | cut -d= -f2; }
key_hash() { openssl pkey -pubout -outform DER | sha256sum | cut -d' ' -f1; }
# check_stored EXPR (an object with Cert and Key) WHAT: this version's chain and key
check_stored() {
    [ "$(fake "$1['Cert']" | leaf_fp)" = "$(leaf_fp <"$live/cert.pem")" ] || cp_fail "$2: another leaf"
    [ "$(fake "$1['Cert']")" = "$(cat "$live/fullchain.pem")" ] || cp_fail "$2: not the full chain"
    [ "$(fake "$1['Key']" | key_hash)" = "$(key_hash <"$live/privkey.pem")" ] || cp_fail "$2: another key"
}
serial=$(openssl x509 -in "$live/cert.pem" -noout -serial | cut -d= -f2)
want=certpilot-lb_example_test-$serial

cp_log "== alialb as the default certificate: one CAS upload, UpdateListenerAttribute, read back"
deploy "alialb:lsn-alb1,region=cn-hangzhou,$C" || cp_fail "alialb failed: $ERR"
expect_res "alialb: changed"
check_stored "j['by']['alb']['lsn-alb1']['default']" "alialb default"
[ "$(fake "j['by']['alb']['lsn-alb1']['default']['Name']")" = "$want" ] || cp_fail "alialb: wrong upload name"
[ "$(fake "j['by']['alb']['lsn-alb1']['default']['id']")" = "$(fake "str(j['cas'][0]['CertificateId'])")-cn-hangzhou" ] ||
    cp_fail "alialb: the listener does not name the CAS upload <CertId>-cn-hangzhou"
[ "$(fake "len(j['cas'])")" = 1 ] || cp_fail "expected one CAS upload"
grep -q 'v3 -> 200 Alb.ListListenerCertificates' "$CP_WORK/fake.log" || cp_fail "no ListListenerCertificates"

cp_log "== again: unchanged, nothing uploaded or updated"
deploy "alialb:lsn-alb1,region=cn-hangzhou,$C" || cp_fail "alialb failed: $ERR"
expect_res "alialb: unchanged"
[ "$(fake "j['by']['alb']['lsn-alb1']['updates']")" = 1 ] || cp_fail "alialb updated the listener twice"

cp_log "== alialb as an additional certificate (V2 signature), alinlb, aliwaf, aliapig, alifc: the same upload"
deploy "alialb:lsn-alb2,as=additional,region=cn-hangzhou,signature=v2,$C" \
    "alinlb:lsn-nlb1,region=cn-shanghai,$C" \
    "aliwaf:waf.lb.example.test,instance=waf_v2_public_cn-1,region=cn-hangzhou,$C" \
    "aliapig:d-apig1,region=cn-hangzhou,$C" "alifc:fc.lb.example.test,region=cn-hangzhou,$C" ||
    cp_fail "a target failed: $ERR"
expect_res "alialb: changed
alinlb: changed
aliwaf: changed
aliapig: changed
alifc: changed"
[ "$(fake "len(j['cas'])")" = 1 ] || cp_fail "one CAS upload was not reused: $(fake "[u['Name'] for u in j['cas']]")"
[ "$(fake "j['by']['alb']['lsn-alb2']['default']")" = null ] || cp_fail "alialb additional set the default"
check_stored "j['by']['alb']['lsn-alb2']['additional'][0]" "alialb additional"
check_stored "j['by']['nlb']['lsn-nlb1']['default']" "alinlb"
[ "$(fake "j['by']['nlb']['lsn-nlb1']['region']")" = cn-shanghai ] || cp_fail "alinlb: wrong region"
check_stored "j['by']['waf']['waf.lb.example.test']['cert']" "aliwaf"
[ "$(fake "j['by']['waf']['waf.lb.example.test']['Redirect']['Backends'][0]['Backend']")" = 192.0.2.10 ] ||
    cp_fail "aliwaf lost the domain's backends"
check_stored "j['by']['apig']['d-apig1']['cert']" "aliapig"
[ "$(fake "j['by']['apig']['d-apig1']['protocol']")" = HTTPS ] || cp_fail "aliapig: not HTTPS"
check_stored "{'Cert': j['by']['fc']['fc.lb.example.test']['certConfig']['certificate'], 'Key': j['by']['fc']['fc.lb.example.test']['certConfig']['privateKey']}" "alifc"
[ "$(fake "j['by']['fc']['fc.lb.example.test']['certConfig']['certName']")" = "$want" ] || cp_fail "alifc: certName"
grep -q 'v2 -> 200 Alb.AssociateAdditionalCertificatesWithListener' "$CP_WORK/fake.log" || cp_fail "no V2 ALB call"
grep -q 'PUT /2023-03-30/custom-domains/fc.lb.example.test v3 -> 200 FC.UpdateCustomDomain' "$CP_WORK/fake.log" ||
    cp_fail "no ROA UpdateCustomDomain"
deploy "alialb:lsn-alb2,as=additional,region=cn-hangzhou,$C" "alinlb:lsn-nlb1,region=cn-shanghai,$C" \
    "aliwaf:waf.lb.example.test,instance=waf_v2_public_cn-1,region=cn-hangzhou,$C" \
    "aliapig:d-apig1,region=cn-hangzhou,$C" "alifc:fc.lb.example.test,region=cn-hangzhou,$C" ||
    cp_fail "a target failed: $ERR"
expect_res "alialb: unchanged
alinlb: unchanged
aliwaf: unchanged
aliapig: unchanged
alifc: unchanged"

cp_log "== a new version: a second upload; the additional certificate replaced, the earlier one dissociated"
cp_certpilot issue --force -d "$name" --cert-name "$name" --hook "$hook" >/dev/null
deploy "alialb:lsn-alb2,as=additional,region=cn-hangzhou,$C" "alicas:$C" || cp_fail "renewal deploy: $ERR"
expect_res "alialb: changed
alicas: unchanged"
[ "$(fake "len(j['cas'])")" = 2 ] || cp_fail "expected 2 CAS uploads (alicas reused alialb's)"
[ "$(fake "len(j['by']['alb']['lsn-alb2']['additional'])")" = 1 ] || cp_fail "the earlier certificate stayed"
check_stored "j['by']['alb']['lsn-alb2']['additional'][0]" "alialb renewed"

cp_log "== errors: unknown region before any call, WAF's cloud-native mode, a missing listener"
n=$(wc -l <"$CP_WORK/fake.log")
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "alialb:lsn-alb1,region=cn-atlantis,$C"
cp_check_err 2 'deploytool: alialb: region "cn-atlantis" does not exist (a region id such as cn-hangzhou or ap-southeast-1)'
[ "$(wc -l <"$CP_WORK/fake.log")" = "$n" ] || cp_fail "a call was made with an unknown region"
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "alialb:lsn-alb1,as=sni,region=cn-hangzhou,$C"
cp_check_err 2 'deploytool: alialb: as must be default or additional, not "sni"'
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "aliwaf:native.lb.example.test,instance=waf_v2_public_cn-1,region=cn-hangzhou,$C"
cp_check_err 2 "deploytool: aliwaf: native.lb.example.test is not protected in CNAME access mode"
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "alialb:lsn-nope,region=cn-hangzhou,$C"
cp_check_err 1 "deploytool: alialb: ResourceNotFound.Listener: "
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "alifc:fc.lb.example.test,region=cn-hangzhou,signature=v2,$C"
cp_check_err 2 "deploytool: alifc: Function Compute 3.0 takes V3 signatures only (signature=v3)"

cp_log "== no secret in any output"
cat "$CP_WORK/fake.log" >>"$ALL"
! grep -qF -- sk-ByCas-Secret-4711 "$ALL" || cp_fail "the access key secret leaked"
for pem in "$live"/archive/*/privkey.pem; do
    { cat "$pem"; openssl pkey -in "$pem" -traditional; } | grep -v -- '-----' | while IFS= read -r line; do
        printf '%s' "$line" | fold -w 16 | while IFS= read -r piece; do
            [ "${#piece}" -lt 16 ] || ! grep -qF -- "$piece" "$ALL" || cp_fail "a piece of $pem leaked: $piece"
        done
    done
done
echo "ok"
