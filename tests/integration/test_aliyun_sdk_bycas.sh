#!/usr/bin/env bash
# The fake's ALB and FC 3.0 products (tests/fakes/aliyun_products/cas_by_id.py) against Alibaba's own
# SDKs from npm, @alicloud/alb20200616 and @alicloud/fc20230330, for every action alialb and alifc use.
# Installed into the build tree ($CP_BUILD_DIR/npm-aliyun-bycas, never committed). Never skips: without
# node, npm or the registry it fails and says why. (@alicloud/apig20240327 is not published on npm: the
# APIG product of the fake follows the API reference.)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cp_harness_init
cp_require python3 openssl curl
python3 -c 'import cryptography' 2>/dev/null || cp_fail "python3-cryptography is not installed (scripts/deps.sh)"

command -v node >/dev/null 2>&1 || cp_fail "node is not installed (scripts/deps.sh installs nodejs)"
command -v npm >/dev/null 2>&1 || cp_fail "npm is not installed (scripts/deps.sh installs npm)"
npm_dir=${CP_BUILD_DIR:-$CP_WORK}/npm-aliyun-bycas
mkdir -p "$npm_dir"
if [ ! -d "$npm_dir/node_modules/@alicloud/alb20200616" ] || [ ! -d "$npm_dir/node_modules/@alicloud/fc20230330" ] ||
    [ ! -d "$npm_dir/node_modules/@alicloud/openapi-client" ] || [ ! -d "$npm_dir/node_modules/@alicloud/tea-util" ]; then
    if ! timeout 170 npm install --prefix "$npm_dir" --no-audit --no-fund --silent \
        @alicloud/alb20200616 @alicloud/fc20230330 @alicloud/openapi-client @alicloud/tea-util \
        >"$CP_WORK/npm.log" 2>&1; then
        cp_fail "npm install of the Alibaba ALB and FC SDKs failed: $(tail -n 3 "$CP_WORK/npm.log")"
    fi
fi

cp_make_tls
port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<'JSON'
{"keys": {"AK": {"secret": "sk"}}, "alb_listeners": ["lsn-sdk", "lsn-sdk2"], "fc_domains": ["fc.sdk.test"]}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
cp_wait_url "https://127.0.0.1:$port/_fake/cas" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the Alibaba fake did not start"

# a CAS upload for ALB to point at: a self-signed pair, uploaded through the fake's CAS
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=sdk.test -days 2 \
    -keyout "$CP_WORK/sdk-key.pem" -out "$CP_WORK/sdk-cert.pem" 2>/dev/null
NODE_PATH=$npm_dir/node_modules NODE_EXTRA_CA_CERTS=$PEBBLE_CA_BUNDLE timeout 60 node -e '
const OpenApi = require("@alicloud/openapi-client"); const Util = require("@alicloud/tea-util"); const fs = require("fs");
const c = new OpenApi.default(new OpenApi.Config({accessKeyId: "AK", accessKeySecret: "sk", endpoint: process.argv[1], protocol: "https"}));
const p = new OpenApi.Params({action: "UploadUserCertificate", version: "2020-04-07", protocol: "HTTPS", pathname: "/",
  method: "POST", authType: "AK", style: "RPC", bodyType: "json", reqBodyType: "formData"});
c.callApi(p, new OpenApi.OpenApiRequest({body: {Name: "sdk", Cert: fs.readFileSync(process.argv[2], "utf8"),
  Key: fs.readFileSync(process.argv[3], "utf8")}}), new Util.RuntimeOptions({}))
 .then((r) => console.log(r.body.CertId)).catch((e) => { console.error(e.message); process.exit(1); });
' "127.0.0.1:$port" "$CP_WORK/sdk-cert.pem" "$CP_WORK/sdk-key.pem" >"$CP_WORK/certid" ||
    cp_fail "the CAS upload for the check failed: $(cat "$CP_WORK/certid")"

NODE_PATH=$npm_dir/node_modules NODE_EXTRA_CA_CERTS=$PEBBLE_CA_BUNDLE \
    timeout 60 node "$CP_SOURCE_DIR/tests/fakes/aliyun_sdk_check_bycas.js" "127.0.0.1:$port" \
    "$CP_WORK/sdk-cert.pem" "$CP_WORK/sdk-key.pem" "$(cat "$CP_WORK/certid")" ||
    cp_fail "the Alibaba ALB/FC SDKs and the fake disagree: $(tail -n 5 "$CP_WORK/fake.log")"
grep -q 'v3 -> 200 Alb.UpdateListenerAttribute' "$CP_WORK/fake.log" || cp_fail "no SDK UpdateListenerAttribute"
grep -q 'PUT /2023-03-30/custom-domains/fc.sdk.test.* v3 -> 200 FC.UpdateCustomDomain' "$CP_WORK/fake.log" ||
    cp_fail "no SDK UpdateCustomDomain: $(cat "$CP_WORK/fake.log")"
echo "PASS"
