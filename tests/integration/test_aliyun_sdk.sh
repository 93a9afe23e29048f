#!/usr/bin/env bash
# The Alibaba Cloud fake (tests/fakes/aliyun_fake.py) against Alibaba's own SDKs from npm:
# @alicloud/pop-core (V2) and @alicloud/openapi-client (V3). Installed into the build tree
# ($CP_BUILD_DIR/npm-aliyun, never committed). This is the strongest outside check of the
# fake, so it never skips: without node and npm (scripts/deps.sh installs them) or the
# registry, it fails and says why.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cp_harness_init
cp_require python3 openssl curl

command -v node >/dev/null 2>&1 || cp_fail "node is not installed (scripts/deps.sh installs nodejs)"
command -v npm >/dev/null 2>&1 || cp_fail "npm is not installed (scripts/deps.sh installs npm)"
npm_dir=${CP_BUILD_DIR:-$CP_WORK}/npm-aliyun
mkdir -p "$npm_dir"
if [ ! -d "$npm_dir/node_modules/@alicloud/openapi-client" ] ||
    [ ! -d "$npm_dir/node_modules/@alicloud/pop-core" ]; then
    if ! timeout 150 npm install --prefix "$npm_dir" --no-audit --no-fund --silent \
        @alicloud/pop-core @alicloud/openapi-client @alicloud/tea-util >"$CP_WORK/npm.log" 2>&1; then
        cp_fail "npm install of the Alibaba SDKs failed: $(tail -n 3 "$CP_WORK/npm.log")"
    fi
fi

cp_make_tls
port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<'JSON'
{"keys": {"AK": {"secret": "sk"}, "STS.AK": {"secret": "ssk", "token": "tok"}},
 "domains": [{"name": "example.com"}, {"name": "a.test"}, {"name": "b.test"}], "page_size_max": 2}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
cp_wait_url "https://127.0.0.1:$port/_fake/records" --cacert "$PEBBLE_CA_BUNDLE" ||
    cp_fail "the Alibaba fake did not start"

NODE_PATH=$npm_dir/node_modules NODE_EXTRA_CA_CERTS=$PEBBLE_CA_BUNDLE \
    timeout 60 node "$CP_SOURCE_DIR/tests/fakes/aliyun_sdk_check.js" "127.0.0.1:$port" ||
    cp_fail "the Alibaba SDKs and the fake disagree"
# the V3 SDK's form bodies came chunked, and the fake verified them
grep -q '(chunked) v3 -> 200 Alidns.AddDomainRecord' "$CP_WORK/fake.log" ||
    cp_fail "no chunked V3 AddDomainRecord was accepted: $(cat "$CP_WORK/fake.log")"
grep -q 'v2 -> 200 Alidns.AddDomainRecord' "$CP_WORK/fake.log" || cp_fail "no V2 AddDomainRecord was accepted"
echo "PASS"
