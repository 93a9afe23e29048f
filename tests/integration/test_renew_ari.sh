#!/usr/bin/env bash
# certpilot renew follows RFC 9773 (ARI) through tests/fakes/ari_proxy.py in
# front of Pebble: a window in the future is not due yet (a time chosen inside
# it, kept in meta.json and shown by list); the CA's Retry-After holds the next
# question back; a window already past renews at once, with "replaces" naming
# the old certificate, and the CA's explanationURL is shown; a renewal through
# ARI is exempt from the CA's limit on new orders.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv

control=$CP_WORK/ari-control.json
log=$CP_WORK/ari-proxy.requests
echo '{"window": null}' >"$control"
cp_start_ari_proxy "$control" "$log"
PEBBLE_URL=$ARI_PROXY_URL

cp_certpilot account new --agree-tos >/dev/null
cp_certpilot issue -d ari.example.test --hook "$hook" >/dev/null 2>&1
meta=$CP_WORK/state/certs/ari.example.test/meta.json
asked() { grep -c '^ari ' "$log" || true; }

# A window in the future: not due; the chosen time lies inside the window.
echo '{"window": {"start_in": 86400, "end_in": 172800}, "retry_after": "3600",
       "explanation": "https://ca.example/why"}' >"$control"
out=$(cp_certpilot renew 2>/dev/null)
grep -q "^not due ari.example.test until .*(ARI window)" <<<"$out" || cp_fail "future window: $out"
grep -q "the CA explains: https://ca.example/why" <<<"$out" || cp_fail "no explanation shown: $out"
python3 - "$meta" <<'PY' || cp_fail "meta.json ari: $(cat "$meta")"
import json, sys, datetime
a = json.load(open(sys.argv[1]))["ari"]
t = lambda k: datetime.datetime.strptime(a[k], "%Y-%m-%dT%H:%M:%SZ")
assert t("window_start") <= t("chosen") <= t("window_end"), a
now = datetime.datetime.utcnow()
assert 3500 <= (t("next_check") - now).total_seconds() <= 3700, a
PY
cp_certpilot list | grep -q "ari.example.test .*renews .*(ARI window)" || cp_fail "list: $(cp_certpilot list)"

# Retry-After holds the next question back: the window moving into the past is not seen yet.
n=$(asked)
echo '{"window": {"start_in": -172800, "end_in": -86400}}' >"$control"
out=$(cp_certpilot renew 2>/dev/null)
[ "$(asked)" = "$n" ] || cp_fail "renewalInfo asked again before its Retry-After"
grep -q "^not due ari.example.test" <<<"$out" || cp_fail "renewed before asking again: $out"

# Once the Retry-After has passed (edited here), the past window renews at once, replacing the old one.
python3 - "$meta" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["ari"]["next_check"] = "2000-01-01T00:00:00Z"
json.dump(m, open(sys.argv[1], "w"))
PY
old_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cert"]["ari_id"])' "$meta")
out=$(cp_certpilot renew 2>/dev/null)
grep -q "^renewed ari.example.test (ARI window has passed)" <<<"$out" || cp_fail "past window: $out"
grep -qx "newOrder replaces=$old_id" "$log" || cp_fail "no replaces=$old_id in: $(cat "$log")"
cp_verify_cert "$CP_WORK/state/certs/ari.example.test" ari.example.test || cp_fail "renewed certificate"

# A renewal through ARI is exempt from the CA's limit on new orders: with no order left
# in this state's 3 hours (2 were made, the limit is 1) it still renews, naming what it replaces.
old_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cert"]["ari_id"])' "$meta")
out=$(cp_certpilot renew --force --orders-limit 1 2>"$CP_WORK/limit.err") ||
    cp_fail "renew through ARI under a spent limit failed: $out $(cat "$CP_WORK/limit.err")"
grep -q "^renewed ari.example.test" <<<"$out" || cp_fail "not renewed under a spent limit: $out"
grep -qx "newOrder replaces=$old_id" "$log" || cp_fail "the exempt renewal did not name what it replaces"
echo "ok"
