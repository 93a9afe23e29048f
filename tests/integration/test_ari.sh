#!/usr/bin/env bash
# RFC 9773 ARI through tests/fakes/ari_proxy.py in front of Pebble (which has no ARI):
# the certID the library computes for a real certificate (checked against one made
# here from openssl's AKI and serial), the window in the future and in the past, the
# Retry-After bounds, a CA that does not know the certificate, and the "replaces"
# field of a newOrder (RFC 9773 §5), seen by the proxy in the signed payload.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3
cp_start_pebble
: "${ACMETOOL:=$CP_SOURCE_DIR/build/tests/acmetool}"
[ -x "$ACMETOOL" ] || cp_fail "acmetool not found at $ACMETOOL (build first)"
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv

# The proxy on a free loopback port, with the harness's TLS certificate for localhost.
control=$CP_WORK/ari-control.json
log=$CP_WORK/ari-proxy.requests
echo '{"window": null}' >"$control"
cp_start_ari_proxy "$control" "$log"
PROXY_URL=$ARI_PROXY_URL
PEBBLE_URL=$PROXY_URL  # every certpilot call below goes through the proxy
curl -sS --cacert "$PEBBLE_CA_BUNDLE" "$PROXY_URL" | grep -q '"renewalInfo"' ||
    cp_fail "the proxy's directory has no renewalInfo"

cp_certpilot account new --agree-tos >/dev/null
acct_key=$(echo "$CP_WORK"/state/accounts/*/default/key.pem)
cp_certpilot issue -d ari.example.test --hook "$hook" >/dev/null
cert=$CP_WORK/state/certs/ari.example.test/cert.pem
tool() { "$ACMETOOL" --server "$PROXY_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" --key "$acct_key" "$@"; }
field() { printf '%s\n' "$1" | sed -n "s/^$2: //p"; }

# RFC 9773 §4.1 certID, made independently: base64url(AKI keyid) "." base64url(serial DER).
aki=$(openssl x509 -in "$cert" -noout -ext authorityKeyIdentifier | sed -n 's/^ *\(keyid:\)\{0,1\}\([0-9A-F:]\{2,\}\)$/\2/p')
serial=$(openssl x509 -in "$cert" -noout -serial | sed 's/^serial=//')
want_id=$(python3 - "$aki" "$serial" <<'PY'
import base64, sys
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
ser = bytes.fromhex(sys.argv[2] if len(sys.argv[2]) % 2 == 0 else "0" + sys.argv[2])
if ser[0] & 0x80:
    ser = b"\0" + ser
print(b(bytes.fromhex(sys.argv[1].replace(":", ""))) + "." + b(ser))
PY
)

# A window in the future, with an explanation and a Retry-After.
echo '{"window": {"start": "2099-01-01T00:00:00Z", "end": "2099-01-03T00:00:00Z"},
       "retry_after": "3600", "explanation": "https://ca.example/why"}' >"$control"
out=$(tool ari "$cert")
[ "$(field "$out" id)" = "$want_id" ] || cp_fail "certID $(field "$out" id), expected $want_id"
[ "$(field "$out" start)" = 4070908800 ] || cp_fail "start: $out"
[ "$(field "$out" end)" = 4071081600 ] || cp_fail "end: $out"
[ "$(field "$out" retry_after)" = 3600 ] || cp_fail "retry_after: $out"
[ "$(field "$out" explanation)" = https://ca.example/why ] || cp_fail "explanation: $out"
[ "$(field "$out" renew)" = "later (ARI window)" ] || cp_fail "renew: $out"
grep -qx "ari $want_id" "$log" || cp_fail "the proxy saw no renewalInfo request for $want_id"

# A window already past: renew now. Retry-After bounds: none, too small, too large.
echo '{"window": {"start_in": -172800, "end_in": -86400}}' >"$control"
out=$(tool ari "$cert")
[ "$(field "$out" renew)" = "now (ARI window has passed)" ] || cp_fail "past window: $out"
[ "$(field "$out" retry_after)" = 21600 ] || cp_fail "no Retry-After should mean 6 h: $out"
echo '{"window": {"start_in": -60, "end_in": 60}, "retry_after": "5"}' >"$control"
[ "$(field "$(tool ari "$cert")" retry_after)" = 60 ] || cp_fail "Retry-After 5 not raised to 60"
echo '{"window": {"start_in": -60, "end_in": 60}, "retry_after": "999999"}' >"$control"
[ "$(field "$(tool ari "$cert")" retry_after)" = 86400 ] || cp_fail "Retry-After not capped at a day"

# No window for this certificate: a clear "not found"; a window that ends before it starts is refused.
echo '{"window": null}' >"$control"
cp_expect_fail tool ari "$cert"
cp_check_err 1 "the CA does not know this certificate (HTTP 404)"
echo '{"window": {"start": "2099-01-03T00:00:00Z", "end": "2099-01-01T00:00:00Z"}}' >"$control"
cp_expect_fail tool ari "$cert"
cp_check_err 1 "suggestedWindow ends before it starts"

# RFC 9773 §5: a renewal names the certificate it replaces; a first issuance does not.
out=$(tool order --replaces "$cert" ari.example.test)
cp_assert_contains "$out" " pending"
grep -qx "newOrder replaces=$want_id" "$log" || cp_fail "no newOrder with replaces=$want_id in: $(cat "$log")"
grep -qx "newOrder replaces=none" "$log" || cp_fail "the first issuance's newOrder was not seen: $(cat "$log")"
echo "ok"
