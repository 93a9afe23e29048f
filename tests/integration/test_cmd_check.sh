#!/usr/bin/env bash
# `certpilot check`, like `nginx -t`: the config file and every stored meta.json
# checked offline (no request to the CA, no hook run, no port bound, nothing
# written), one line per certificate saying what renew would do now; exit 2
# with one line per problem when anything is invalid.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
state=$CP_WORK/state
ini=$CP_WORK/certpilot.ini
export CHALLTESTSRV_URL
# a hook that records being run: check must never run it
spy=$CP_WORK/spy-hook
printf '#!/bin/sh\necho "$@" >>%s/spy.log\nexec %s "$@"\n' "$CP_WORK" "$hook" >"$spy"
chmod +x "$spy"
port=$("$FREEPORT")

cat >"$ini" <<INI
[certpilot]
server = $PEBBLE_URL
ca_bundle = $PEBBLE_CA_BUNDLE
root = $state
hook = $spy
agree_tos = yes

[cert:site]
names = site.example.test

[cert:fresh]
names = fresh.example.test
deploy = files:$CP_WORK/out

[cert:web]
names = web.example.test
listen = 127.0.0.1:$port
INI
run() { "$CERTPILOT" --config "$ini" "$@"; }

# nothing stored yet, and the state directory is not even made
out=$(run check 2>&1) || cp_fail "check of a valid config: $out"
grep -qx "site: ok, would be issued (new in the configuration)" <<<"$out" || cp_fail "check: $out"
grep -qx "web: ok, would be issued (new in the configuration)" <<<"$out" || cp_fail "check: $out"
[ ! -e "$state" ] || cp_fail "check created the state directory"

run renew --cert-name site >/dev/null 2>&1 || cp_fail "renew site"
cp_certpilot issue -d other.example.test --hook "$hook" >/dev/null 2>&1 || cp_fail "issue other"
rm -f "$CP_WORK/spy.log"
# the port the standalone responder would use is busy: check binds nothing, so it does not care
python3 -c 'import socket,time,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$port" &
busy=$!
CP_PIDS+=("$busy")
sleep 0.3
before=$(find "$state" -printf '%p %s %T@\n' | sort)
out=$(run check 2>&1) || cp_fail "check after the first renew: $out"
list=$(run list 2>&1)
when=$(sed -n 's/^site .*renews \([^ ]*\) (\(.*\))$/\1 (\2)/p' <<<"$list")
grep -qx "site: ok, not due until $when" <<<"$out" || cp_fail "check and list disagree on site: $out / $list"
grep -q "^other.example.test: ok, not due until " <<<"$out" || cp_fail "the stored certificate outside the config: $out"
grep -qx "fresh: ok, would be issued (new in the configuration)" <<<"$out" || cp_fail "check: $out"
grep -q "are valid$" <<<"$out" || cp_fail "no summary: $out"
[ ! -e "$CP_WORK/spy.log" ] || cp_fail "check ran the hook: $(cat "$CP_WORK/spy.log")"
[ "$(find "$state" -printf '%p %s %T@\n' | sort)" = "$before" ] || cp_fail "check changed the state directory"
cp_stop_pids "$busy"

# problems: one line each, file:line where there is one, exit 2; the others are still judged
cat >>"$ini" <<INI

[cert:bad]
names = bad.example.test
deploy = nosuch:/x

[cert:nodns]
names = nodns.example.test
dns = ali

[dns:ali]
provider = alidns
INI
meta=$state/certs/other.example.test/meta.json
cp "$meta" "$CP_WORK/meta.good"
printf '{"schema": 1, "names": ["other.example.test"],\n "solver": {"name": "nosuchsolver"}}\n' >"$meta"
# not on ECS: without the metadata service there are no credentials at all (on ECS its RAM
# role would be the last source, asked at the first call)
cp_expect_fail env -u ALIBABA_CLOUD_ACCESS_KEY_ID -u ALIBABA_CLOUD_ACCESS_KEY_SECRET HOME="$CP_WORK" \
    ALIBABA_CLOUD_ECS_METADATA_DISABLED=true "$CERTPILOT" --config "$ini" check
cp_check_err 2
line=$(grep -n '^\[cert:bad\]' "$ini" | cut -d: -f1)
cp_assert_contains "$CP_LAST_ERR" "certpilot: bad: $ini:$line: [cert:bad]: unknown deploy target \"nosuch\""
cp_assert_contains "$CP_LAST_ERR" "certpilot: nodns: "
cp_assert_contains "$CP_LAST_ERR" "alidns: "
cp_assert_contains "$CP_LAST_ERR" "certpilot: other.example.test: $meta: unknown challenge solver \"nosuchsolver\" (hook, webroot, standalone, dns)"
cp_assert_contains "$CP_LAST_ERR" "certpilot: 3 certificate(s) invalid"
[ "$(grep -c '^certpilot: ' <<<"$CP_LAST_ERR")" = 4 ] || cp_fail "one line per problem: $CP_LAST_ERR"
grep -qx "site: ok, not due until $when" <<<"$CP_LAST_OUT" || cp_fail "a problem elsewhere hid site: $CP_LAST_OUT"
grep -qx "web: ok, would be issued (new in the configuration)" <<<"$CP_LAST_OUT" || cp_fail "web: $CP_LAST_OUT"
# a meta.json that is not JSON: its file and line
printf '{"schema": 1,\n  "names": [\n' >"$meta"
cp_expect_fail run check
cp_check_err 2 "certpilot: other.example.test: $meta:"
# a config that does not parse: exit 2 naming the file and line
printf '[cert:x]\nnames = x.example.test\nbogus = 1\n' >"$CP_WORK/broken.ini"
cp_expect_fail "$CERTPILOT" --config "$CP_WORK/broken.ini" --root "$state" check
cp_check_err 2 "$CP_WORK/broken.ini:3"
cp_check_one_line
cp "$CP_WORK/meta.good" "$meta"
echo "PASS: check"
