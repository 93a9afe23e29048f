#!/usr/bin/env bash
# The fake's OSS product (tests/fakes/aliyun_products/oss.py) against Alibaba's own OSS SDK from npm,
# ali-oss, with authorizationV4: true (OSS4-HMAC-SHA256). ali-oss has no CNAME methods, so the check
# sends PutCname and ListCname through the client's own request path (_bucketRequestParams + request,
# as its bucket methods do): its signer, its headers, its URL. Installed into the build tree
# ($CP_BUILD_DIR/npm-aliyun-oss, never committed). Never skips: without node, npm or the registry it
# fails and says why.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cp_harness_init
cp_require python3 openssl curl
python3 -c 'import cryptography' 2>/dev/null || cp_fail "python3-cryptography is not installed (scripts/deps.sh)"
command -v node >/dev/null 2>&1 || cp_fail "node is not installed (scripts/deps.sh installs nodejs)"
command -v npm >/dev/null 2>&1 || cp_fail "npm is not installed (scripts/deps.sh installs npm)"
npm_dir=${CP_BUILD_DIR:-$CP_WORK}/npm-aliyun-oss
mkdir -p "$npm_dir"
if [ ! -d "$npm_dir/node_modules/ali-oss" ]; then
    if ! timeout 170 npm install --prefix "$npm_dir" --no-audit --no-fund --silent ali-oss@6 \
        >"$CP_WORK/npm.log" 2>&1; then
        cp_fail "npm install of ali-oss failed: $(tail -n 3 "$CP_WORK/npm.log")"
    fi
fi

# ali-oss names the bucket's host (sdk-bucket.oss-cn-hangzhou.aliyuncs.com) in Host and checks the
# server's certificate against it even when connecting to an IP: the fake gets one that names it too
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=oss-fake -days 2 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:*.oss-cn-hangzhou.aliyuncs.com" \
    -keyout "$CP_WORK/oss-tls-key.pem" -out "$CP_WORK/oss-tls.pem" 2>/dev/null
port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<'JSON'
{"keys": {"AK": {"secret": "sk"}, "STSAK": {"secret": "sts-sk", "token": "CAIS+tok/en=="}},
 "oss_buckets": {"sdk-bucket": {"region": "cn-hangzhou", "domains": ["cdn.sdk.test"]}}}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/oss-tls.pem" \
    --key "$CP_WORK/oss-tls-key.pem" --config "$CP_WORK/fake.json" >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
cp_wait_url "https://127.0.0.1:$port/_fake/oss" --cacert "$CP_WORK/oss-tls.pem" || cp_fail "the Alibaba fake did not start"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=cdn.sdk.test -days 2 \
    -keyout "$CP_WORK/sdk-key.pem" -out "$CP_WORK/sdk-cert.pem" 2>/dev/null

check() {
    NODE_PATH=$npm_dir/node_modules NODE_EXTRA_CA_CERTS=$CP_WORK/oss-tls.pem timeout 60 \
        node "$CP_SOURCE_DIR/tests/fakes/aliyun_sdk_oss_check.js" "127.0.0.1:$port" "$@"
}
check AK sk "" "$CP_WORK/sdk-cert.pem" "$CP_WORK/sdk-key.pem" ||
    cp_fail "ali-oss and the fake disagree: $(tail -n 5 "$CP_WORK/fake.log")"
check STSAK sts-sk "CAIS+tok/en==" "$CP_WORK/sdk-cert.pem" "$CP_WORK/sdk-key.pem" ||
    cp_fail "ali-oss with an STS token and the fake disagree: $(tail -n 5 "$CP_WORK/fake.log")"
grep -q 'POST / OSS4-HMAC-SHA256 -> 200 Oss.PutCname' "$CP_WORK/fake.log" || cp_fail "no SDK PutCname"
grep -q 'GET / OSS4-HMAC-SHA256 -> 200 Oss.ListCname' "$CP_WORK/fake.log" || cp_fail "no SDK ListCname"
# and the fake refuses what it must: a wrong secret
if check AK wrong "" "$CP_WORK/sdk-cert.pem" "$CP_WORK/sdk-key.pem" 2>"$CP_WORK/wrong.err"; then
    cp_fail "the fake accepted ali-oss with a wrong secret"
fi
grep -q SignatureDoesNotMatch "$CP_WORK/wrong.err" || cp_fail "no SignatureDoesNotMatch: $(cat "$CP_WORK/wrong.err")"
echo "PASS"
