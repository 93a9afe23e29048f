#!/usr/bin/env bash
# The Alibaba fake's DCDN (tests/fakes/aliyun_products/domains.py) against Alibaba's own DCDN SDK
# from npm, @alicloud/dcdn20180115, for every action the alidcdn target uses
# (tests/fakes/aliyun_sdk_dcdn_check.js). Installed into the build tree
# ($CP_BUILD_DIR/npm-aliyun-dcdn, never committed). It never skips: without node, npm or the
# registry it fails and says why.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cp_harness_init
cp_require python3 openssl curl
python3 -c 'import cryptography' 2>/dev/null || cp_fail "python3-cryptography is not installed (scripts/deps.sh)"

command -v node >/dev/null 2>&1 || cp_fail "node is not installed (scripts/deps.sh installs nodejs)"
command -v npm >/dev/null 2>&1 || cp_fail "npm is not installed (scripts/deps.sh installs npm)"
npm_dir=${CP_BUILD_DIR:-$CP_WORK}/npm-aliyun-dcdn
mkdir -p "$npm_dir"
if [ ! -d "$npm_dir/node_modules/@alicloud/dcdn20180115" ] || [ ! -d "$npm_dir/node_modules/@alicloud/openapi-client" ]; then
    if ! timeout 150 npm install --prefix "$npm_dir" --no-audit --no-fund --silent \
        @alicloud/dcdn20180115 @alicloud/openapi-client >"$CP_WORK/npm.log" 2>&1; then
        cp_fail "npm install of @alicloud/dcdn20180115 failed: $(tail -n 3 "$CP_WORK/npm.log")"
    fi
fi

cp_make_tls
# a certificate and its key, in the traditional PEM certpilot sends
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=a.dcdn.test -days 30 \
    -keyout "$CP_WORK/k8.pem" -out "$CP_WORK/chain.pem" 2>/dev/null
openssl pkey -in "$CP_WORK/k8.pem" -traditional >"$CP_WORK/key.pem"
port=$("$FREEPORT" 1)
cat >"$CP_WORK/fake.json" <<'JSON'
{"keys": {"AK": {"secret": "sk"}}, "dcdn_domains": ["a.dcdn.test", "b.dcdn.test"]}
JSON
python3 "$CP_SOURCE_DIR/tests/fakes/aliyun_fake.py" --port "$port" --cert "$CP_WORK/tls/cert.pem" \
    --key "$CP_WORK/tls/key.pem" --config "$CP_WORK/fake.json" >"$CP_WORK/fake.log" 2>&1 &
CP_PIDS+=($!)
cp_wait_url "https://127.0.0.1:$port/_fake/dcdn" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the Alibaba fake did not start"

NODE_PATH=$npm_dir/node_modules NODE_EXTRA_CA_CERTS=$PEBBLE_CA_BUNDLE \
    timeout 60 node "$CP_SOURCE_DIR/tests/fakes/aliyun_sdk_dcdn_check.js" "127.0.0.1:$port" "$CP_WORK/chain.pem" \
    "$CP_WORK/key.pem" || cp_fail "the DCDN SDK and the fake disagree: $(tail -n 5 "$CP_WORK/fake.log")"
[ "$(grep -c 'v3 -> 200 Dcdn.SetDcdnDomainSSLCertificate' "$CP_WORK/fake.log")" = 2 ] ||
    cp_fail "expected two accepted V3 SetDcdnDomainSSLCertificate: $(cat "$CP_WORK/fake.log")"
echo "PASS"
