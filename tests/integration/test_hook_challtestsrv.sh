#!/usr/bin/env bash
# The challtestsrv example hook on its own (no certpilot): dns-01 values appear
# in and vanish from challtestsrv's DNS, http-01 key authorizations are served
# and removed, odd input and other challenge types are declined.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require dig curl
CP_CHALLTESTSRV_HTTP01=1 cp_start_pebble

hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
txt() { dig +short +time=2 +tries=1 @127.0.0.1 -p "$CHALLTESTSRV_DNS_PORT" TXT "_acme-challenge.$1" | LC_ALL=C sort | tr '\n' ' '; }
get() { curl -s --max-time 5 "http://127.0.0.1:$PEBBLE_HTTP_PORT/.well-known/acme-challenge/$1"; }

# dns-01: a name and its wildcard share one TXT name; both values are served.
"$hook" begin dns-01 h.example.test tok1 value-one_A
"$hook" begin dns-01 h.example.test tok2 value-two_B
[ "$(txt h.example.test)" = '"value-one_A" "value-two_B" ' ] || cp_fail "TXT values: [$(txt h.example.test)]"
"$hook" "done" dns-01 h.example.test tok1 value-one_A
"$hook" failed dns-01 h.example.test tok2 value-two_B
[ -z "$(txt h.example.test)" ] || cp_fail "TXT left after done: $(txt h.example.test)"

# http-01: the key authorization is served under the token.
"$hook" begin http-01 h.example.test Tok_en-3 Tok_en-3.thumbPrint_x
[ "$(get Tok_en-3)" = Tok_en-3.thumbPrint_x ] || cp_fail "http-01 content: $(get Tok_en-3)"
"$hook" "done" http-01 h.example.test Tok_en-3 Tok_en-3.thumbPrint_x
[ "$(get Tok_en-3)" != Tok_en-3.thumbPrint_x ] || cp_fail "http-01 content left after done"

# Declines and refusals: exit 1, nothing changed.
refused() {
    cp_expect_fail "$hook" "$@"
    cp_check_err 1
}
refused begin tls-alpn-01 h.example.test tok x
refused begin dns-01 'h.example.test","value":"x' tok x
refused begin dns-01 h.example.test tok 'a"b'
refused begin dns-01 .example.test tok x
refused begin dns-01 '' tok x
refused begin http-01 h.example.test ../etc x
refused bogus dns-01 h.example.test tok x
[ -z "$(txt h.example.test)" ] || cp_fail "a refused call changed DNS: $(txt h.example.test)"
cp_expect_fail "$hook" begin dns-01
cp_check_err 2 "usage"

# The management API unreachable: begin fails (curl --fail), quickly.
port=$("$FREEPORT")
start=$SECONDS
CHALLTESTSRV_URL=http://127.0.0.1:$port cp_expect_fail "$hook" begin dns-01 h.example.test tok x
[ $((SECONDS - start)) -lt 15 ] || cp_fail "the hook took too long against a closed port"
echo "ok"
