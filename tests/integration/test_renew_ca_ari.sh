#!/usr/bin/env bash
# certpilot renew follows the CA's own ARI (RFC 9773), end to end, with nothing in between:
# Pebble 2.6 (Debian 13) serves renewalInfo, with a window of two days around two thirds of
# the lifetime, a Retry-After of 6 hours, and a window in the past for a revoked certificate.
#   - a certificate is not due until a time chosen inside the window the CA gives (the same
#     window acmetool reads from the CA), kept across runs, shown by list;
#   - a certificate the CA revoked behind our back (a mass revocation, the case ARI is for)
#     is renewed by the next run, with "replaces" naming it, and the new one is current;
#   - the CA's Retry-After holds the next question back for the others.
# Against a CA without renewalInfo (Pebble 2.4, Debian 12) the same run keeps to the
# lifetime rule and stores no ARI state; tests/integration/test_renew_ari.sh covers ARI
# there through a proxy.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3 openssl curl
cp_start_pebble
: "${ACMETOOL:=$CP_SOURCE_DIR/build/tests/acmetool}"
[ -x "$ACMETOOL" ] || cp_fail "acmetool not found at $ACMETOOL (build first)"
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
certs=$CP_WORK/state/certs
serial() { openssl x509 -noout -serial -in "$certs/$1/cert.pem" | cut -d= -f2; }
tool() { "$ACMETOOL" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" "$@"; }

cp_certpilot account new --agree-tos >/dev/null
cp_certpilot issue -d kept.example.test --hook "$hook" >/dev/null

if ! cp_ca_has_ari; then
    echo "the CA's directory has no renewalInfo: the lifetime rule applies, and no ARI state is kept"
    out=$(cp_certpilot renew 2>/dev/null)
    grep -q "^not due kept.example.test until .*(a third of the lifetime left)" <<<"$out" ||
        cp_fail "without ARI: $out"
    python3 -c 'import json,sys; sys.exit("ari" in json.load(open(sys.argv[1])))' \
        "$certs/kept.example.test/meta.json" || cp_fail "ARI state stored for a CA without ARI"
    echo "ok"
    exit 0
fi

# The window certpilot keeps is the CA's own: the one acmetool reads from the CA.
out=$(cp_certpilot renew 2>/dev/null)
grep -q "^not due kept.example.test until .*(ARI window)" <<<"$out" || cp_fail "ARI window: $out"
ari=$(tool ari "$certs/kept.example.test/cert.pem")
start=$(sed -n 's/^start: //p' <<<"$ari")
end=$(sed -n 's/^end: //p' <<<"$ari")
python3 - "$certs/kept.example.test/meta.json" "$start" "$end" <<'PY' || cp_fail "meta.json ari vs the CA's window ($ari)"
import calendar, json, sys, time
a = json.load(open(sys.argv[1]))["ari"]
t = lambda k: calendar.timegm(time.strptime(a[k], "%Y-%m-%dT%H:%M:%SZ"))
start, end = int(sys.argv[2]), int(sys.argv[3])
assert (t("window_start"), t("window_end")) == (start, end), (a, start, end)
assert start <= t("chosen") < end, a
# Pebble's Retry-After is 6 hours: the next question waits that long.
assert 6 * 3600 - 120 <= t("next_check") - time.time() <= 6 * 3600 + 120, a
PY
chosen=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ari"]["chosen"])' \
    "$certs/kept.example.test/meta.json")
grep -q "^not due kept.example.test until $chosen (ARI window)" <<<"$out" || cp_fail "not the chosen time: $out"
cp_certpilot list | grep -q "^kept.example.test .*renews .*(ARI window)" || cp_fail "list: $(cp_certpilot list)"

# The CA revokes a certificate behind our back: its ARI window is now in the past, and
# the next renew replaces it; the other keeps its chosen time and is not asked about again.
cp_certpilot issue -d revoked.example.test --hook "$hook" >/dev/null
old=$(serial revoked.example.test)
old_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cert"]["ari_id"])' \
    "$certs/revoked.example.test/meta.json")
acct_key=$(echo "$CP_WORK"/state/accounts/*/default/key.pem)
tool --key "$acct_key" revoke "$certs/revoked.example.test/cert.pem" superseded >/dev/null
out=$(cp_certpilot -v renew 2>"$CP_WORK/renew.err") || cp_fail "renew after the CA revoked: $out"
grep -q "^renewed revoked.example.test (ARI window has passed)" <<<"$out" || cp_fail "revoked not renewed: $out"
grep -q "^not due kept.example.test until $chosen (ARI window)" <<<"$out" || cp_fail "kept moved: $out"
[ "$(serial revoked.example.test)" != "$old" ] || cp_fail "revoked.example.test serial unchanged"
cp_verify_cert "$certs/revoked.example.test" revoked.example.test || cp_fail "the replacement"
grep -q "the new order replaces certificate $old_id (RFC 9773)" "$CP_WORK/renew.err" ||
    cp_fail "the new order did not name the certificate it replaces ($old_id)"
ari_gets=$(grep -c "GET .*renewalInfo" "$CP_WORK/renew.err" || true)
[ "$ari_gets" = 1 ] || cp_fail "renewalInfo asked $ari_gets times (once expected: Retry-After holds kept.example.test)"

# The replacement has a window of its own, in the future.
out=$(cp_certpilot renew 2>/dev/null)
grep -q "^not due revoked.example.test until .*(ARI window)" <<<"$out" || cp_fail "replacement due: $out"
echo "ok"
