#!/usr/bin/env bash
# A CA that requires External Account Binding (RFC 8555 §7.3.4).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
key=zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W
PEBBLE_EAB_REQUIRED=true PEBBLE_EAB_KEYS="{\"kid-1\": \"$key\"}" cp_start_pebble

cp_expect_fail cp_certpilot account new --agree-tos
cp_check_err 2 "External Account Binding"
cp_expect_fail cp_certpilot account new --agree-tos --account wrong --eab-kid kid-1 \
    --eab-hmac-key "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
cp_check_err 1 "external account binding"
cp_expect_fail cp_certpilot account new --agree-tos --account nokey --eab-kid kid-1
cp_check_err 2 "--eab-hmac-key"
# the key from the environment keeps it out of the process list
CERTPILOT_EAB_HMAC_KEY=$key cp_certpilot account new --agree-tos --eab-kid kid-1 >/dev/null
cp_certpilot issue -d eab.example.test --hook "$CP_SOURCE_DIR/examples/hooks/challtestsrv" >/dev/null
cp_verify_cert "$CP_WORK/state/certs/eab.example.test" eab.example.test
echo "ok"
