#!/usr/bin/env bash
# Alibaba Cloud credentials without an AccessKey in the environment: certpilot issues through
# alidns (Pebble validating through the test DNS) and deploys to alicas against the strict
# Alibaba fake, with (1) a ram_role_arn profile of ~/.alibabacloud/credentials (STS AssumeRole,
# V2-signed by the profile's AccessKey, tests/fakes/aliyun_products/sts.py), (2) the ECS instance
# RAM role from a fake metadata service that takes IMDSv2 only (tests/fakes/ecs_metadata_fake.py),
# (3) OIDC / RRSA (AssumeRoleWithOIDC with a pod's token file). Every Alidns and CAS call the fake
# verified was signed by a temporary key with its STS token, never by the profile's AccessKey; the
# temporary keys live 4 s, the runs take longer (throttled calls back off 1 s each) and the fake
# refuses an expired token, so each run refreshed its credentials mid-run. STS and metadata errors
# are one line naming the source, the step and the code.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3 openssl curl
python3 -c 'import cryptography' 2>/dev/null || cp_fail "python3-cryptography is not installed (scripts/deps.sh)"
: "${DEPLOYTOOL:=$CP_SOURCE_DIR/build/tests/deploytool}"
cp_start_pebble

ROLE=acs:ram::1234567890:role/certpilot-deploy
POD_ROLE=acs:ram::1234567890:role/certpilot-pod
PROVIDER=acs:ram::1234567890:oidc-provider/ack-rrsa-c0ffee
port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<JSON
{"keys": {"AKBASE": {"secret": "base-Secret-0815"}, "AKOTHER": {"secret": "other-Secret-0815"}},
 "domains": [{"name": "example.com", "min_ttl": 1}],
 "sts_roles": {"$ROLE": {"trust": ["AKBASE"]},
               "$POD_ROLE": {"oidc_provider": "$PROVIDER", "oidc_token": "eyJhbGciOiJSUzI1NiJ9.pod-token.sig"}},
 "sts_lifetime": 4}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" --challtestsrv "$CHALLTESTSRV_URL" \
    >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
FAKE=https://127.0.0.1:$port
cp_wait_url "$FAKE/_fake/records" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the Alibaba fake did not start"
mdport=$("$FREEPORT" 1)
python3 "$CP_SOURCE_DIR/tests/fakes/ecs_metadata_fake.py" --port "$mdport" --role CertpilotEcsRole \
    --aliyun "$FAKE" --cafile "$PEBBLE_CA_BUNDLE" --lifetime 4 >"$CP_WORK/md.log" 2>&1 &
CP_PIDS+=($!)
MD=http://127.0.0.1:$mdport
cp_wait_url "$MD/_fake/log" || cp_fail "the metadata fake did not start"

unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN \
    ALICLOUD_ACCESS_KEY ALICLOUD_SECRET_KEY ALICLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE \
    ALIBABA_CLOUD_CREDENTIALS_FILE ALIBABA_CLOUD_ROLE_ARN ALIBABA_CLOUD_OIDC_PROVIDER_ARN \
    ALIBABA_CLOUD_OIDC_TOKEN_FILE ALIBABA_CLOUD_ECS_METADATA ALIBABA_CLOUD_ECS_METADATA_DISABLED \
    ALIBABA_CLOUD_STS_ENDPOINT ALIBABA_CLOUD_STS_REGION
export HOME=$CP_WORK/home
mkdir -p "$HOME"
C="endpoint=127.0.0.1:$port,ca_bundle=$PEBBLE_CA_BUNDLE,sts_endpoint=127.0.0.1:$port,metadata_endpoint=127.0.0.1:$mdport"
ali=(--dns alidns --dns-set "endpoint=127.0.0.1:$port" --dns-set "ca_bundle=$PEBBLE_CA_BUNDLE"
     --dns-set "sts_endpoint=127.0.0.1:$port" --dns-set "metadata_endpoint=127.0.0.1:$mdport" --no-propagation-check)
fake() { curl -sS --cacert "$PEBBLE_CA_BUNDLE" "$FAKE/_fake/$1"; }
faults() { curl -sS --cacert "$PEBBLE_CA_BUNDLE" -d "$1" "$FAKE/_fake/faults" >/dev/null; }

# run NAME: issue NAME through alidns and deploy it to alicas in one run; three throttled Alidns calls
# (1 s back-off each) and Pebble's validation make the provider outlive its first 4 s key.
run() {
    faults '{"throttle_once": ["DescribeDomains", "DescribeDomainInfo", "AddDomainRecord", "DeleteDomainRecord"]}'
    cp_certpilot issue --agree-tos -d "$1" "${ali[@]}" --deploy "alicas:$C" >"$CP_WORK/out" 2>"$CP_WORK/err" ||
        cp_fail "issue $1: $(cat "$CP_WORK/err")"
}

# check_calls FROM WHAT: every Alidns/CAS call from call number FROM on was signed by a temporary key
# (STS.*), and the Alidns ones (one provider, one set of credentials) by more than one: refreshed mid-run.
check_calls() {
    python3 - "$1" "$2" "$(fake callers)" <<'PY' || cp_fail "$2: the calls were not all signed by refreshed STS keys"
import json, sys
calls = json.loads(sys.argv[3])[int(sys.argv[1]):]
keys = {c["key"] for c in calls}
assert calls, "no calls"
assert all(k.startswith("STS.") for k in keys), keys
assert {"AddDomainRecord", "UploadUserCertificate"} <= {c["action"] for c in calls}, calls
dns = [c["key"] for c in calls if c["action"] in ("DescribeDomains", "DescribeDomainInfo", "AddDomainRecord",
                                                  "DescribeSubDomainRecords", "DeleteDomainRecord")]
assert len(set(dns)) >= 2, "one key for the whole run: not refreshed (%s)" % dns
PY
}
one_line() { [ "$(printf '%s\n' "$CP_LAST_ERR" | wc -l)" = 1 ] || cp_fail "expected one line: $CP_LAST_ERR"; }
ncalls() { fake callers | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

cp_log "== (1) a ram_role_arn profile: AssumeRole signed by the profile's AccessKey"
mkdir -p "$HOME/.alibabacloud"
cat >"$HOME/.alibabacloud/credentials" <<INI
[default]
type = ram_role_arn
access_key_id = AKBASE
access_key_secret = base-Secret-0815
role_arn = $ROLE
role_session_name = certpilot-ci
INI
chmod 600 "$HOME/.alibabacloud/credentials"
n=$(ncalls)
run arn.example.com
check_calls "$n" "ram_role_arn"
python3 -c 'import json,sys; s=json.loads(sys.argv[1]); assert len(s) >= 2 and all(
    e["action"] == "AssumeRole" and e["caller"] == "AKBASE" and e["session"] == "certpilot-ci" for e in s), s' \
    "$(fake sts)" || cp_fail "AssumeRole was not asked (again) by AKBASE: $(fake sts)"
if grep -q "base-Secret-0815" "$CP_WORK/out" "$CP_WORK/err" "$CP_WORK/fake.log"; then cp_fail "the secret leaked"; fi

cp_log "== ram_role_arn errors: a role that does not trust the key, one line"
sed -i "s/AKBASE/AKOTHER/; s/base-Secret-0815/other-Secret-0815/" "$HOME/.alibabacloud/credentials"
cp_expect_fail "$DEPLOYTOOL" "$CP_WORK/state" arn.example.com "alicas:$C"
one_line
cp_assert_contains "$CP_LAST_ERR" "alicas: ListUserCertificateOrder: Alibaba Cloud credentials (ram_role_arn profile of the credentials file): AssumeRole of $ROLE: STS: NoPermission: You are not authorized"
rm -f "$HOME/.alibabacloud/credentials"

cp_log "== (2) the ECS instance RAM role, IMDSv2"
n=$(ncalls)
run ecs.example.com
check_calls "$n" "ECS RAM role"
python3 -c 'import json,sys; log=json.loads(sys.argv[1]); gets=[e for e in log if e["method"] == "GET"]
assert gets and all(e["token"] and e["status"] == 200 for e in gets), log
assert any(e["path"].endswith("/CertpilotEcsRole") for e in gets), log' "$(curl -sS "$MD/_fake/log")" ||
    cp_fail "the metadata service was not asked with a token each time: $(curl -sS "$MD/_fake/log")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$MD/latest/meta-data/ram/security-credentials/")" = 401 ] ||
    cp_fail "the metadata fake answers a GET without a token"

cp_log "== ECS RAM role errors: no metadata service, one line"
cp_expect_fail "$DEPLOYTOOL" "$CP_WORK/state" ecs.example.com "alicas:${C%metadata_endpoint=*}metadata_endpoint=127.0.0.1:$("$FREEPORT" 1)"
one_line
cp_assert_contains "$CP_LAST_ERR" "Alibaba Cloud credentials (ECS RAM role (metadata service)): metadata service 127.0.0.1:"
cp_assert_contains "$CP_LAST_ERR" ": PUT http://127.0.0.1:"

cp_log "== (3) OIDC / RRSA: AssumeRoleWithOIDC with the pod's token file, STS from ALIBABA_CLOUD_STS_ENDPOINT"
printf 'eyJhbGciOiJSUzI1NiJ9.pod-token.sig\n' >"$CP_WORK/oidc-token"
export ALIBABA_CLOUD_ROLE_ARN=$POD_ROLE ALIBABA_CLOUD_OIDC_PROVIDER_ARN=$PROVIDER
export ALIBABA_CLOUD_OIDC_TOKEN_FILE=$CP_WORK/oidc-token ALIBABA_CLOUD_STS_ENDPOINT=127.0.0.1:$port
ali=(--dns alidns --dns-set "endpoint=127.0.0.1:$port" --dns-set "ca_bundle=$PEBBLE_CA_BUNDLE" --no-propagation-check)
C="endpoint=127.0.0.1:$port,ca_bundle=$PEBBLE_CA_BUNDLE"
n=$(ncalls)
run oidc.example.com
check_calls "$n" "OIDC"
python3 -c 'import json,sys; s=[e for e in json.loads(sys.argv[1]) if e["action"] == "AssumeRoleWithOIDC"]
assert len(s) >= 2 and all(e["role"] == sys.argv[2] for e in s), s' "$(fake sts)" "$POD_ROLE" ||
    cp_fail "AssumeRoleWithOIDC was not asked (again): $(fake sts)"

cp_log "== OIDC errors: a wrong token, one line without the server's Message"
printf 'eyJ.wrong-token.x\n' >"$CP_WORK/oidc-token"
cp_expect_fail "$DEPLOYTOOL" "$CP_WORK/state" oidc.example.com "alicas:$C"
one_line
cp_assert_contains "$CP_LAST_ERR" "Alibaba Cloud credentials (OIDC role (ALIBABA_CLOUD_ROLE_ARN)): AssumeRoleWithOIDC: STS: AuthenticationFail.OIDCToken.Invalid (RequestId "
echo "PASS"
