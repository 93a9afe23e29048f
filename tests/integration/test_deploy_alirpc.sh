#!/usr/bin/env bash
# The Alibaba Cloud RPC targets alidcdn, alilive, alivod and aliclb, and alicdn's delete_old, on
# certificates issued by Pebble, against the strict Alibaba fake (tests/fakes/aliyun_fake.py with
# tests/fakes/aliyun_products/), driven through deploytool, signed V3 and V2. What the fake holds
# is compared with what was issued (the leaf's fingerprint, the full chain, the key's public half,
# the region, the listener and the SNI domain); a version in place is not sent again; the
# listener's other attributes survive; delete_old removes only our earlier uploads and only once
# nothing uses them; a region that does not exist is refused before any call, and the fake refuses
# a certificate of another region on a listener, as SLB does. No piece of the key in any output.
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
cp_certpilot issue --agree-tos -d "$name" --hook "$hook" >/dev/null

port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<JSON
{"keys": {"AK": {"secret": "sk-Rpc-Secret-0815"}}, "page_size_max": 1,
 "cdn_domains": ["a.cdn.test", "b.cdn.test", "c.cdn.test"],
 "dcdn_domains": ["a.dcdn.test", "b.dcdn.test"], "live_domains": ["a.live.test", "b.live.test"],
 "vod_domains": ["a.vod.test"],
 "slb": [{"id": "lb-hz1", "region": "cn-hangzhou",
          "listeners": [{"port": 443, "sticky": true, "domains": ["www.shop.example.test"]}]}]}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
FAKE=https://127.0.0.1:$port
cp_wait_url "$FAKE/_fake/slb" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the Alibaba fake did not start"

unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN \
    ALICLOUD_ACCESS_KEY ALICLOUD_SECRET_KEY ALICLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE \
    ALIBABA_CLOUD_CREDENTIALS_FILE
export HOME=$CP_WORK/home
mkdir -p "$HOME"
export ALIBABA_CLOUD_ACCESS_KEY_ID=AK ALIBABA_CLOUD_ACCESS_KEY_SECRET=sk-Rpc-Secret-0815
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

# fake PYTHON-EXPRESSION over j: every product's state the fake shows.
fake() {
    {
        printf '{'
        for p in cdn cas dcdn live vod slb; do
            printf '"%s": ' "$p"
            curl -sSf --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/$p"
            [ "$p" = slb ] || printf ', '
        done
        printf '}'
    } | python3 -c 'import json, sys; j = json.load(sys.stdin); v = eval(sys.argv[1]); print(v if isinstance(v, str) else json.dumps(v))' "$1"
}
leaf_fp() { openssl x509 -noout -fingerprint -sha256 | cut -d= -f2; }
key_hash() { openssl pkey -pubout -outform DER | sha256sum | cut -d' ' -f1; }
check_stored() {
    [ "$(fake "$1" | leaf_fp)" = "$(leaf_fp <"$live/cert.pem")" ] || cp_fail "$3: another leaf was sent"
    [ "$(fake "$1")" = "$(cat "$live/fullchain.pem")" ] || cp_fail "$3: not the full chain"
    [ "$(fake "$2" | key_hash)" = "$(key_hash <"$live/privkey.pem")" ] || cp_fail "$3: another key was sent"
}
serial_of() { openssl x509 -in "$live/cert.pem" -noout -serial | cut -d= -f2; }
# The last 32 hex digits of a serial, as upload names carry them.
last32() { if [ "${#1}" -le 32 ]; then echo "$1"; else echo "${1: -32}"; fi; }
s1=$(serial_of)

cp_log "== alidcdn, V3: one upload, the second domain by its CertId; again: unchanged"
deploy "alidcdn:a.dcdn.test,b.dcdn.test,$C" || cp_fail "alidcdn failed: $ERR"
expect_res "alidcdn: changed"
for d in a b; do
    check_stored "j['dcdn']['$d.dcdn.test']['SSLPub']" "j['dcdn']['$d.dcdn.test']['SSLPri']" "alidcdn $d"
done
[ "$(fake "j['dcdn']['a.dcdn.test']['CertType'] + ' ' + j['dcdn']['b.dcdn.test']['CertType']")" = "upload cas" ] ||
    cp_fail "alidcdn: expected one upload and one CertId reference"
got=$(fake "j['dcdn']['a.dcdn.test']['CertName']")
# "certpilot-dcdn-shop_example_test" is one character over the prefix limit: trimmed, with a hash
case $got in certpilot-dcdn-shop_ex-*-"$(last32 "$s1")") ;; *) cp_fail "alidcdn: CertName $got for serial $s1" ;; esac
grep -q ' v3 -> 200 Dcdn.SetDcdnDomainSSLCertificate' "$CP_WORK/fake.log" || cp_fail "no V3 DCDN set was seen"
deploy "alidcdn:a.dcdn.test,b.dcdn.test,$C" || cp_fail "alidcdn failed: $ERR"
expect_res "alidcdn: unchanged"
[ "$(fake "j['dcdn']['a.dcdn.test']['sets']")" = 1 ] || cp_fail "alidcdn set the same version twice"

cp_log "== alilive, V2: the second domain by CertName; alivod: the chain and key on its domain"
deploy "alilive:a.live.test,b.live.test,signature=v2,$C" || cp_fail "alilive failed: $ERR"
expect_res "alilive: changed"
check_stored "j['live']['b.live.test']['SSLPub']" "j['live']['b.live.test']['SSLPri']" "alilive"
[ "$(fake "j['live']['b.live.test']['CertType']")" = cas ] || cp_fail "alilive: b was not set by CertName"
grep -q ' v2 -> 200 Live.SetLiveDomainCertificate' "$CP_WORK/fake.log" || cp_fail "no V2 Live set was seen"
deploy "alivod:a.vod.test,$C" || cp_fail "alivod failed: $ERR"
expect_res "alivod: changed"
check_stored "j['vod']['a.vod.test']['SSLPub']" "j['vod']['a.vod.test']['SSLPri']" "alivod"
deploy "alilive:a.live.test,b.live.test,$C" "alivod:a.vod.test,$C" || cp_fail "again: $ERR"
expect_res "alilive: unchanged
alivod: unchanged"

cp_log "== aliclb: the listener (its other attributes unchanged), then its SNI domain: one upload"
before=$(fake "{k: v for k, v in j['slb']['lbs']['lb-hz1']['listeners']['443'].items() if k not in ('ServerCertificateId', 'sets', 'domains')}")
deploy "aliclb:lb-hz1,region=cn-hangzhou,port=443,$C" || cp_fail "aliclb failed: $ERR"
expect_res "aliclb: changed"
L="j['slb']['lbs']['lb-hz1']['listeners']['443']"
cid=$(fake "$L['ServerCertificateId']")
check_stored "j['slb']['certs']['$cid']['Cert']" "j['slb']['certs']['$cid']['Key']" "aliclb"
[ "$(fake "j['slb']['certs']['$cid']['RegionId'] + ' ' + j['slb']['certs']['$cid']['ServerCertificateName']")" = \
    "cn-hangzhou certpilot-shop_example_test-$(last32 "$s1")" ] || cp_fail "aliclb: region or name of the upload"
after=$(fake "{k: v for k, v in $L.items() if k not in ('ServerCertificateId', 'sets', 'domains')}")
[ "$before" = "$after" ] || cp_fail "aliclb changed the listener's attributes: $before -> $after"
deploy "aliclb:lb-hz1,region=cn-hangzhou,port=443,domain=www.shop.example.test,$C" || cp_fail "aliclb SNI: $ERR"
expect_res "aliclb: changed"
[ "$(fake "[e['ServerCertificateId'] for e in $L['domains'].values()][0]")" = "$cid" ] ||
    cp_fail "aliclb: the domain extension does not have the listener's upload"
[ "$(fake "len([c for c in j['slb']['certs'].values() if c['ServerCertificateName'].startswith('certpilot-')])")" = 1 ] ||
    cp_fail "aliclb uploaded the version twice"
deploy "aliclb:lb-hz1,region=cn-hangzhou,port=443,$C" "aliclb:lb-hz1,region=cn-hangzhou,port=443,domain=www.shop.example.test,signature=v2,$C" ||
    cp_fail "aliclb again: $ERR"
expect_res "aliclb: unchanged
aliclb: unchanged"

cp_log "== aliclb: a region that does not exist is refused before any call; the wrong one finds no load balancer"
calls=$(grep -c 'Slb\.' "$CP_WORK/fake.log" || true)
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "aliclb:lb-hz1,region=cn-hangzou,port=443,$C"
cp_check_err 2 'deploytool: aliclb: region "cn-hangzou" does not exist (did you mean "cn-hangzhou"?)'
[ "$(grep -c 'Slb\.' "$CP_WORK/fake.log" || true)" = "$calls" ] || cp_fail "a call went out for a wrong region"
cp_expect_fail "$DEPLOYTOOL" "$state" "$name" "aliclb:lb-hz1,region=cn-shanghai,port=443,$C"
cp_check_err 1 "deploytool: aliclb: InvalidLoadBalancerId.NotFound: "

cp_log "== the fake, as SLB: a certificate uploaded in another region is refused on the listener"
call() { python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_call.py" "127.0.0.1:$port" "$PEBBLE_CA_BUNDLE" AK sk-Rpc-Secret-0815 2014-05-15 "$@"; }
openssl pkey -in "$live/privkey.pem" -traditional >"$CP_WORK/trad.pem"
sh_id=$(call UploadServerCertificate RegionId=cn-shanghai "ServerCertificate=@$live/fullchain.pem" \
    "PrivateKey=@$CP_WORK/trad.pem" ServerCertificateName=elsewhere | python3 -c 'import json,sys; print(json.load(sys.stdin)["ServerCertificateId"])')
rm -f "$CP_WORK/trad.pem"
out=$(call SetDomainExtensionAttribute RegionId=cn-hangzhou DomainExtensionId=de-lb-hz1-443-1 \
    "ServerCertificateId=$sh_id") && cp_fail "another region's certificate was accepted: $out"
cp_assert_contains "$out" '"Code": "ServerCertificateId.NotFound"'
out=$(call SetLoadBalancerHTTPSListenerAttribute RegionId=cn-hangzhou LoadBalancerId=lb-hz1 ListenerPort=443 \
    Bandwidth=-1 StickySession=off HealthCheck=on "ServerCertificateId=$sh_id") &&
    cp_fail "another region's certificate was accepted on the listener: $out"
cp_assert_contains "$out" '"Code": "ServerCertificateId.NotFound"'

cp_log "== alicdn: version 1 on three domains"
deploy "alicdn:a.cdn.test,b.cdn.test,c.cdn.test,$C" || cp_fail "alicdn failed: $ERR"
expect_res "alicdn: changed"
cdn1=certpilot-cdn-shop_example_test-$(last32 "$s1")

cp_log "== a new version; alicdn delete_old on a and b: c still serves version 1, so it stays"
cp_certpilot issue --force -d "$name" --cert-name "$name" --hook "$hook" >/dev/null
s2=$(serial_of)
[ "$s1" != "$s2" ] || cp_fail "the second issue kept serial $s1"
CAS="cas_endpoint=127.0.0.1:$port"
deploy "alicdn:a.cdn.test,b.cdn.test,delete_old,$C,$CAS" || cp_fail "alicdn delete_old failed: $ERR"
expect_res "alicdn: changed"
check_stored "j['cdn']['a.cdn.test']['SSLPub']" "j['cdn']['a.cdn.test']['SSLPri']" "alicdn v2"
cp_assert_contains "$ERR" "alicdn: $cdn1 is still used by a domain; it stays"
[ "$(fake "len([u for u in j['cas'] if u['Name'] == '$cdn1'])")" = 1 ] || cp_fail "the upload c serves was deleted"
cp_log "== alicdn delete_old on all three: c gets version 2 by CertId; nothing shows version 1: deleted"
deploy "alicdn:a.cdn.test,b.cdn.test,c.cdn.test,delete_old,$C,$CAS" || cp_fail "alicdn delete_old failed: $ERR"
expect_res "alicdn: changed"
[ "$(fake "len([u for u in j['cas'] if u['Name'] == '$cdn1'])")" = 0 ] || cp_fail "version 1 was not deleted"
[ "$(fake "j['cdn']['c.cdn.test']['CertType']")" = cas ] || cp_fail "c was not set by the stored CertId"
[ "$(fake "len([u for u in j['cas'] if u['Name'] == 'certpilot-cdn-shop_example_test-$(last32 "$s2")'])")" = 1 ] ||
    cp_fail "version 2 is not in the certificate service"
grep -q ' v3 -> 200 CAS.DeleteUserCertificate' "$CP_WORK/fake.log" || cp_fail "no DeleteUserCertificate"

cp_log "== aliclb delete_old: the listener moves on, the extension still uses version 1: it stays; then it goes"
deploy "aliclb:lb-hz1,region=cn-hangzhou,port=443,delete_old,$C" || cp_fail "aliclb v2: $ERR"
expect_res "aliclb: changed"
cp_assert_contains "$ERR" "aliclb: certpilot-shop_example_test-$(last32 "$s1") is still in use; it stays"
cid2=$(fake "$L['ServerCertificateId']")
check_stored "j['slb']['certs']['$cid2']['Cert']" "j['slb']['certs']['$cid2']['Key']" "aliclb v2"
deploy "aliclb:lb-hz1:delete_old,region=cn-hangzhou,port=443,domain=www.shop.example.test,$C" || cp_fail "aliclb SNI v2: $ERR"
expect_res "aliclb: changed"
names=$(fake "' '.join(sorted(c['ServerCertificateName'] for c in j['slb']['certs'].values()))")
[ "$names" = "certpilot-shop_example_test-$(last32 "$s2") elsewhere manual-443" ] || cp_fail "SLB holds: $names"
grep -q ' v3 -> 200 Slb.DeleteServerCertificate' "$CP_WORK/fake.log" || cp_fail "no DeleteServerCertificate"

cp_log "== no secret in any output"
cat "$CP_WORK/fake.log" >>"$ALL"
! grep -qF -- sk-Rpc-Secret-0815 "$ALL" || cp_fail "the access key secret leaked"
for pem in "$live"/archive/*/privkey.pem; do
    { cat "$pem"; openssl pkey -in "$pem" -traditional; } | grep -v -- '-----' | while IFS= read -r line; do
        printf '%s' "$line" | fold -w 16 | while IFS= read -r piece; do
            [ "${#piece}" -lt 16 ] || ! grep -qF -- "$piece" "$ALL" || cp_fail "a piece of $pem leaked: $piece"
        done
    done
done
echo ok
