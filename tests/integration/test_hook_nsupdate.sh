#!/usr/bin/env bash
# The nsupdate example hook against a real BIND9 with a TSIG key on loopback,
# then a certificate issued end to end: certpilot -> hook -> RFC 2136 update
# -> BIND <- Pebble's validation query.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
named=$(command -v named || echo /usr/sbin/named)
[ -x "$named" ] || cp_fail "named not found (scripts/deps.sh installs bind9)"
command -v nsupdate >/dev/null || cp_fail "nsupdate not found (bind9-dnsutils)"

w=$CP_WORK/bind
mkdir -p "$w"
port=$("$FREEPORT" -u)
/usr/sbin/tsig-keygen -a hmac-sha256 certpilot-test >"$w/tsig.key"
/usr/sbin/tsig-keygen -a hmac-sha256 certpilot-test >"$w/wrong.key"  # same name, other secret
cat >"$w/example.test.db" <<ZONE
\$TTL 60
@ IN SOA ns.example.test. hostmaster.example.test. 1 60 60 600 60
@ IN NS ns.example.test.
ns IN A 127.0.0.1
ZONE
cat >"$w/named.conf" <<CONF
include "$w/tsig.key";
options {
    directory "$w";
    pid-file "$w/named.pid";
    session-keyfile "$w/session.key";
    listen-on port $port { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
};
controls { };
zone "example.test" { type primary; file "$w/example.test.db"; allow-update { key "certpilot-test"; }; };
CONF
"$named" -g -c "$w/named.conf" >"$w/named.log" 2>&1 &
CP_PIDS+=($!)
for _ in $(seq 1 100); do
    dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" SOA example.test 2>/dev/null | grep -q hostmaster && break
    sleep 0.1
done
dig +short @127.0.0.1 -p "$port" SOA example.test | grep -q hostmaster || { tail "$w/named.log"; cp_fail "named did not start"; }

hook=$CP_SOURCE_DIR/examples/hooks/nsupdate
txt() { dig +short @127.0.0.1 -p "$port" TXT _acme-challenge.www.example.test; }
export NSUPDATE_SERVER=127.0.0.1 NSUPDATE_PORT=$port NSUPDATE_KEY=$w/tsig.key
"$hook" begin dns-01 www.example.test tok value-1_x
[ "$(txt)" = '"value-1_x"' ] || cp_fail "TXT not added: $(txt)"
"$hook" done dns-01 www.example.test tok value-1_x
[ -z "$(txt)" ] || cp_fail "TXT not removed: $(txt)"

# A key with the wrong secret is refused by the server.
if NSUPDATE_KEY=$w/wrong.key "$hook" begin dns-01 www.example.test tok value-2 2>/dev/null; then
    cp_fail "update with a wrong TSIG key succeeded"
fi
[ -z "$(txt)" ] || cp_fail "TXT added with a wrong key"

# Pebble resolving through this BIND: a base name and its wildcard share one TXT name.
PEBBLE_DNS_SERVER=127.0.0.1:$port cp_start_pebble
cp_certpilot issue --agree-tos -d www.example.test -d '*.www.example.test' --hook "$hook" >/dev/null
cp_verify_cert "$CP_WORK/state/certs/www.example.test" www.example.test '*.www.example.test'
[ -z "$(txt)" ] || cp_fail "TXT records left after issuance: $(txt)"
echo "ok"
