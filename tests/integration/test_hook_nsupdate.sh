#!/usr/bin/env bash
# The nsupdate example hook against a real BIND9 (named) on a free loopback
# port with a TSIG key: begin adds the TXT value, done deletes it, a wrong key
# is refused. Then a certificate end to end: certpilot -> hook -> RFC 2136
# update -> BIND <- Pebble's validation query.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require nsupdate dig
tsig_keygen=$(PATH=$PATH:/usr/sbin:/sbin command -v tsig-keygen) || cp_fail "tsig-keygen is not installed (bind9)"

w=$CP_WORK/bind
mkdir -p "$w"
port=$("$FREEPORT" -u)
"$tsig_keygen" -a hmac-sha256 certpilot-test >"$w/tsig.key"
"$tsig_keygen" -a hmac-sha256 certpilot-test >"$w/wrong.key" # same name, another secret
chmod 600 "$w/tsig.key" "$w/wrong.key"
cat >"$w/example.test.db" <<ZONE
\$TTL 60
@   IN SOA ns.example.test. hostmaster.example.test. 1 60 60 600 60
@   IN NS  ns.example.test.
ns  IN A   127.0.0.1
ZONE
cp_start_bind "$w" 127.0.0.1 "$port" example.test "
include \"$w/tsig.key\";
zone \"example.test\" {
    type primary;
    file \"$w/example.test.db\";
    allow-update { key \"certpilot-test\"; };
};"
# TCP too (nsupdate falls back to it for large updates; dig +tcp proves the listener)
dig +tcp +short +time=2 +tries=1 @127.0.0.1 -p "$port" SOA example.test | grep -q hostmaster ||
    cp_fail "named does not answer over TCP"

hook=$CP_SOURCE_DIR/examples/hooks/nsupdate
txt() { dig +short +time=2 +tries=1 @127.0.0.1 -p "$port" TXT _acme-challenge.www.example.test | LC_ALL=C sort | tr '\n' ' '; }
export NSUPDATE_SERVER=127.0.0.1 NSUPDATE_PORT=$port NSUPDATE_KEY=$w/tsig.key NSUPDATE_TIMEOUT=5

"$hook" begin dns-01 www.example.test tok value-1_x
[ "$(txt)" = '"value-1_x" ' ] || cp_fail "TXT not added: [$(txt)]"
# a second value under the same name (a wildcard and its base); done removes only its own
"$hook" begin dns-01 www.example.test tok2 value-2_y
[ "$(txt)" = '"value-1_x" "value-2_y" ' ] || cp_fail "second TXT not added: [$(txt)]"
"$hook" "done" dns-01 www.example.test tok value-1_x
[ "$(txt)" = '"value-2_y" ' ] || cp_fail "done removed the wrong values: [$(txt)]"
"$hook" failed dns-01 www.example.test tok2 value-2_y
[ -z "$(txt)" ] || cp_fail "TXT not removed: [$(txt)]"

# NSUPDATE_ZONE given explicitly works too.
NSUPDATE_ZONE=example.test "$hook" begin dns-01 www.example.test tok value-3
[ "$(txt)" = '"value-3" ' ] || cp_fail "TXT not added with NSUPDATE_ZONE: [$(txt)]"
NSUPDATE_ZONE=example.test "$hook" "done" dns-01 www.example.test tok value-3
[ -z "$(txt)" ] || cp_fail "TXT not removed with NSUPDATE_ZONE: [$(txt)]"

# A key with the wrong secret, and no key at all, are refused by the server.
cp_expect_fail env NSUPDATE_KEY="$w/wrong.key" "$hook" begin dns-01 www.example.test tok value-4
cp_expect_fail env NSUPDATE_KEY= "$hook" begin dns-01 www.example.test tok value-5
[ -z "$(txt)" ] || cp_fail "TXT added without the right key: [$(txt)]"
# Other challenge types are declined.
cp_expect_fail "$hook" begin http-01 www.example.test tok value-6
cp_check_err 1

# Pebble resolving through this BIND: a base name and its wildcard share one TXT name.
if [ -x "$CERTPILOT" ]; then
    PEBBLE_DNS_SERVER=127.0.0.1:$port cp_start_pebble
    cp_certpilot issue --agree-tos -d www.example.test -d '*.www.example.test' --hook "$hook" >/dev/null
    cp_verify_cert "$CP_WORK/state/certs/www.example.test" www.example.test '*.www.example.test'
    [ -z "$(txt)" ] || cp_fail "TXT records left after issuance: [$(txt)]"
else
    echo "certpilot not built: skipped the end-to-end part"
fi
echo "ok"
