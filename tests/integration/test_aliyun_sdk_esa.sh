#!/usr/bin/env bash
# The fake's ESA product (tests/fakes/aliyun_products/esa.py) against Alibaba's own SDK from npm,
# @alicloud/esa20240910, for every action --dns aliesa and the aliesa target use, V3-signed as the SDK
# signs. Installed into the build tree ($CP_BUILD_DIR/npm-aliyun-esa, never committed). Never skips:
# without node, npm or the registry it fails and says why.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cp_harness_init
cp_require python3 openssl curl
python3 -c 'import cryptography' 2>/dev/null || cp_fail "python3-cryptography is not installed (scripts/deps.sh)"

command -v node >/dev/null 2>&1 || cp_fail "node is not installed (scripts/deps.sh installs nodejs)"
command -v npm >/dev/null 2>&1 || cp_fail "npm is not installed (scripts/deps.sh installs npm)"
npm_dir=${CP_BUILD_DIR:-$CP_WORK}/npm-aliyun-esa
mkdir -p "$npm_dir"
if [ ! -d "$npm_dir/node_modules/@alicloud/esa20240910" ] || [ ! -d "$npm_dir/node_modules/@alicloud/openapi-client" ]; then
    if ! timeout 170 npm install --prefix "$npm_dir" --no-audit --no-fund --silent \
        @alicloud/esa20240910 @alicloud/openapi-client >"$CP_WORK/npm.log" 2>&1; then
        cp_fail "npm install of the Alibaba ESA SDK failed: $(tail -n 3 "$CP_WORK/npm.log")"
    fi
fi

cp_make_tls
port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<'JSON'
{"keys": {"AK": {"secret": "sk"}}, "esa_sites": ["other.test", "sdk.test"]}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
cp_wait_url "https://127.0.0.1:$port/_fake/esa" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the Alibaba fake did not start"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=sdk.test -days 2 \
    -keyout "$CP_WORK/sdk-key.pem" -out "$CP_WORK/sdk-cert.pem" 2>/dev/null
NODE_PATH=$npm_dir/node_modules NODE_EXTRA_CA_CERTS=$PEBBLE_CA_BUNDLE \
    timeout 60 node "$CP_SOURCE_DIR/tests/fakes/aliyun_sdk_esa_check.js" "127.0.0.1:$port" \
    "$CP_WORK/sdk-cert.pem" "$CP_WORK/sdk-key.pem" ||
    cp_fail "the Alibaba ESA SDK and the fake disagree: $(tail -n 5 "$CP_WORK/fake.log")"
# the SDK's method per action (the V3 SDK sends POST bodies chunked)
for want in 'GET / v3 -> 200 ESA.ListSites' 'POST / v3 -> 200 ESA.CreateRecord' 'GET / v3 -> 200 ESA.ListRecords' \
    'POST / v3 -> 200 ESA.DeleteRecord' 'POST / (chunked) v3 -> 200 ESA.SetCertificate' \
    'POST / v3 -> 200 ESA.ListCertificates' 'POST / v3 -> 200 ESA.GetCertificate'; do
    grep -qF "$want" "$CP_WORK/fake.log" || cp_fail "the fake never saw [$want]: $(cat "$CP_WORK/fake.log")"
done
echo "PASS"
