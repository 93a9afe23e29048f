#!/usr/bin/env bash
# certpilot renew while another certpilot changes the same certificate (issue 22,
# finding 2). A renew that is waiting for the CA's renewalInfo (held by
# tests/fakes/ari_proxy.py until the test releases it) holds no lock; whatever
# ran meanwhile must survive it:
#  - two overlapping `renew --force`: the one that comes second finds the
#    certificate renewed by the other and orders nothing (one new order, one new
#    version, meta.json describing the current version);
#  - a `revoke` while the renew waits: the revocation stays recorded and the
#    renew replaces the revoked certificate at once.
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

name=race.example.test
dir=$CP_WORK/state/certs/$name
meta=$dir/meta.json
cp_certpilot account new --agree-tos >/dev/null
cp_certpilot issue -d $name --hook "$hook" >/dev/null 2>&1
orders() { grep -c '^newOrder' "$log" || true; }
versions() { find "$dir/archive" -mindepth 1 -maxdepth 1 -type d | wc -l; }
current_serial() { cp_certpilot list --json | python3 -c 'import json,sys
print([c["serial"] for c in json.load(sys.stdin) if c["name"] == sys.argv[1]][0])' $name; }
meta_serial() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cert"]["serial"])' "$meta"; }
ask_again() {  # the stored Retry-After has passed: the next renew asks for renewalInfo
    python3 - "$meta" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m.setdefault("ari", {})["next_check"] = "2000-01-01T00:00:00Z"
json.dump(m, open(sys.argv[1], "w"))
PY
}
# wait_held N: until the proxy holds its Nth renewalInfo request (a certpilot is inside it)
wait_held() {
    for _ in $(seq 1 600); do
        [ "$(grep -c '^held ' "$log" || true)" -ge "$1" ] && return 0
        kill -0 "$held_pid" 2>/dev/null || cp_fail "the held renew ended early: $(cat "$CP_WORK/held.out" "$CP_WORK/held.err")"
        sleep 0.05
    done
    cp_fail "the renew never asked for renewalInfo"
}
# hold_one GATE ARGS...: run `certpilot renew ARGS` in the background until its renewalInfo is held
hold_one() {
    local gate=$1
    shift
    printf '{"window": {"start_in": 86400, "end_in": 172800}, "hold": {"gate": "%s", "count": 1}}\n' \
        "$gate" >"$control"
    cp_certpilot renew --cert-name $name "$@" >"$CP_WORK/held.out" 2>"$CP_WORK/held.err" &
    held_pid=$!
    CP_PIDS+=("$held_pid")
    wait_held "$held_n"
    held_n=$((held_n + 1))
}
held_n=1

# Two overlapping forced renewals: the first waits for the CA while the second renews.
n0=$(orders)
v0=$(versions)
hold_one "$CP_WORK/gate1" --force
out=$(cp_certpilot renew --cert-name $name --force 2>&1) || cp_fail "the second renew failed: $out"
grep -q "^renewed $name (forced: requested)" <<<"$out" || cp_fail "the second renew: $out"
touch "$CP_WORK/gate1"
rc=0
wait "$held_pid" || rc=$?
held=$(cat "$CP_WORK/held.out")
[ "$rc" = 0 ] || cp_fail "the held renew failed ($rc): $held $(cat "$CP_WORK/held.err")"
grep -q "^already renewed $name by another certpilot" <<<"$held" || cp_fail "the held renew said: $held"
[ "$(orders)" = $((n0 + 1)) ] || cp_fail "overlapping renewals placed $(($(orders) - n0)) orders, not 1"
[ "$(versions)" = $((v0 + 1)) ] || cp_fail "overlapping renewals stored $(($(versions) - v0)) versions, not 1"
[ "$(meta_serial)" = "$(current_serial)" ] || cp_fail "meta.json describes $(meta_serial), current is $(current_serial)"

# A revoke while a renew waits for the CA: the revocation is not lost, and the renew replaces it.
ask_again
revoked=$(current_serial)
hold_one "$CP_WORK/gate2"
cp_certpilot revoke $name --reason keyCompromise >/dev/null 2>&1 || cp_fail "revoke failed"
touch "$CP_WORK/gate2"
rc=0
wait "$held_pid" || rc=$?
held=$(cat "$CP_WORK/held.out")
[ "$rc" = 0 ] || cp_fail "the held renew failed ($rc): $held $(cat "$CP_WORK/held.err")"
grep -q "^renewed $name (forced: revoked)" <<<"$held" ||
    cp_fail "the renew that overlapped a revoke said: $held (meta.json: $(cat "$meta"))"
[ "$(current_serial)" != "$revoked" ] || cp_fail "the revoked certificate $revoked is still current"
echo "ok"
