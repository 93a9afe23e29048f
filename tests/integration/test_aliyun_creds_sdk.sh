#!/usr/bin/env bash
# The STS and ECS metadata fakes (tests/fakes/aliyun_products/sts.py, ecs_metadata_fake.py) against
# Alibaba's own credentials SDK from npm, @alicloud/credentials (tests/fakes/aliyun_sdk_creds_check.js):
# the SDK obtains credentials from each, the way certpilot must. Installed into the build tree
# ($CP_BUILD_DIR/npm-aliyun-creds, never committed). It never skips: without node, npm or the
# registry it fails and says why.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cp_harness_init
cp_require python3 openssl curl

command -v node >/dev/null 2>&1 || cp_fail "node is not installed (scripts/deps.sh installs nodejs)"
command -v npm >/dev/null 2>&1 || cp_fail "npm is not installed (scripts/deps.sh installs npm)"
npm_dir=${CP_BUILD_DIR:-$CP_WORK}/npm-aliyun-creds
mkdir -p "$npm_dir"
if [ ! -d "$npm_dir/node_modules/@alicloud/credentials" ]; then
    if ! timeout 150 npm install --prefix "$npm_dir" --no-audit --no-fund --silent \
        @alicloud/credentials@2 >"$CP_WORK/npm.log" 2>&1; then
        cp_fail "npm install of @alicloud/credentials failed: $(tail -n 3 "$CP_WORK/npm.log")"
    fi
fi

cp_make_tls
ROLE=acs:ram::1234567890:role/certpilot-deploy
POD_ROLE=acs:ram::1234567890:role/certpilot-pod
PROVIDER=acs:ram::1234567890:oidc-provider/ack-rrsa-c0ffee
port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<JSON
{"keys": {"AKBASE": {"secret": "base-Secret-0815"}},
 "sts_roles": {"$ROLE": {"trust": ["AKBASE"]},
               "$POD_ROLE": {"oidc_provider": "$PROVIDER", "oidc_token": "eyJhbGciOiJSUzI1NiJ9.pod-token.sig"}}}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
cp_wait_url "https://127.0.0.1:$port/_fake/sts" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the Alibaba fake did not start"
mdport=$("$FREEPORT" 1)
python3 "$CP_SOURCE_DIR/tests/fakes/ecs_metadata_fake.py" --port "$mdport" --role SdkRole \
    --aliyun "https://127.0.0.1:$port" --cafile "$PEBBLE_CA_BUNDLE" >"$CP_WORK/md.log" 2>&1 &
CP_PIDS+=($!)
cp_wait_url "http://127.0.0.1:$mdport/_fake/log" || cp_fail "the metadata fake did not start"
printf 'eyJhbGciOiJSUzI1NiJ9.pod-token.sig' >"$CP_WORK/oidc-token"

NODE_PATH=$npm_dir/node_modules NODE_EXTRA_CA_CERTS=$PEBBLE_CA_BUNDLE \
    timeout 60 node "$CP_SOURCE_DIR/tests/fakes/aliyun_sdk_creds_check.js" "127.0.0.1:$port" "127.0.0.1:$mdport" \
    "$ROLE" "$POD_ROLE" "$PROVIDER" "$CP_WORK/oidc-token" || cp_fail "@alicloud/credentials and the fakes disagree"
python3 -c 'import json,sys; s=json.loads(sys.argv[1]); assert [e["action"] for e in s] == ["AssumeRole",
    "AssumeRoleWithOIDC"] and s[0]["caller"] == "AKBASE", s' \
    "$(curl -sS --cacert "$PEBBLE_CA_BUNDLE" "https://127.0.0.1:$port/_fake/sts")" || cp_fail "the fake STS saw other calls"
echo "PASS"
