# shellcheck shell=bash
# A DNS testbed for the dns-01 tests (sourced after lib.sh): a primary BIND
# with the zones example.test and validation.test, a TSIG key allowed to
# update both, a zone locked.test nobody may update, a zone dark.test one of
# whose name servers (DNS_DARK) does not answer, and optionally a secondary of example.test that transfers the
# zone once at start and then only when told (rndc refresh): a lagging
# secondary. Each BIND has a loopback address of its own, port 53, and the
# zone's NS hosts resolve to those addresses.
#
# dns_setup [secondary|resolver]  sets: DNS_PRIMARY, DNS_SECONDARY or DNS_RESOLVER (when asked for),
#   DNS_KEY (hmac-sha256), DNS_KEY512 (hmac-sha512), DNS_WRONG_KEY (same name,
#   other secret), DNS_BADNAME_KEY (a key the server does not know), DNS_STATE.

# dns_updates: how many UPDATE messages the primary has approved so far (adds and
# removals, signed by any key), from its log: one "signer ... approved" line each.
dns_updates() {
    local n
    n=$(grep -c 'signer "[^"]*" approved' "$CP_WORK/primary/named.log" 2>/dev/null || true)
    echo "${n:-0}"
}

# dns_txt SERVER NAME: the TXT values SERVER itself serves at NAME, sorted, on one line.
dns_txt() {
    dig +short +norecurse +time=2 +tries=1 @"$1" TXT "$2" 2>/dev/null | LC_ALL=C sort | tr '\n' ' '
}

dns_keys() {
    local kg w=$CP_WORK/keys
    kg=$(PATH=$PATH:/usr/sbin:/sbin command -v tsig-keygen) || cp_fail "tsig-keygen is not installed (bind9)"
    mkdir -p "$w"
    "$kg" -a hmac-sha256 certpilot-test >"$w/tsig.key"
    "$kg" -a hmac-sha512 certpilot-test512 >"$w/tsig512.key"
    "$kg" -a hmac-sha256 certpilot-test >"$w/wrong.key" # same name, another secret
    "$kg" -a hmac-sha256 nobody-knows-me >"$w/badname.key"
    "$kg" -a hmac-sha256 rndc-key >"$w/rndc.key"
    chmod 600 "$w"/*.key
    # shellcheck disable=SC2034 # read by the tests
    DNS_KEY=$w/tsig.key DNS_KEY512=$w/tsig512.key DNS_WRONG_KEY=$w/wrong.key DNS_BADNAME_KEY=$w/badname.key
}

dns_zone_files() {
    local d=$1 ns2=""
    [ -z "${DNS_SECONDARY:-}" ] || ns2="@   IN NS  ns2.example.test.
ns2 IN A   $DNS_SECONDARY"
    cat >"$d/example.test.db" <<ZONE
\$TTL 60
@   IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60
@   IN NS  ns1.example.test.
ns1 IN A   $DNS_PRIMARY
$ns2
_acme-challenge.alias IN CNAME _acme-challenge.alias.validation.test.
_acme-challenge.loop1 IN CNAME _acme-challenge.loop2.example.test.
_acme-challenge.loop2 IN CNAME _acme-challenge.loop1.example.test.
ZONE
    cat >"$d/validation.test.db" <<ZONE
\$TTL 60
@   IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60
@   IN NS  ns1.example.test.
ZONE
    cp "$d/validation.test.db" "$d/locked.test.db"
    cat >"$d/dark.test.db" <<ZONE
\$TTL 60
@   IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60
@   IN NS  ns1.example.test.
@   IN NS  ns-dark.dark.test.
ns-dark IN A $DNS_DARK
ZONE
}

dns_start_primary() {
    local d=$CP_WORK/primary
    mkdir -p "$d"
    dns_zone_files "$d"
    cp_start_bind "$d" "$DNS_PRIMARY" 53 example.test "
include \"$CP_WORK/keys/tsig.key\";
include \"$CP_WORK/keys/tsig512.key\";
zone \"example.test\" {
    type primary;
    file \"$d/example.test.db\";
    allow-update { key \"certpilot-test\"; key \"certpilot-test512\"; };
    allow-transfer { any; };
};
zone \"validation.test\" {
    type primary;
    file \"$d/validation.test.db\";
    allow-update { key \"certpilot-test\"; key \"certpilot-test512\"; };
};
zone \"locked.test\" {
    type primary;
    file \"$d/locked.test.db\";
};
zone \"dark.test\" {
    type primary;
    file \"$d/dark.test.db\";
    allow-update { key \"certpilot-test\"; };
};"
}

dns_start_secondary() {
    local d=$CP_WORK/secondary
    mkdir -p "$d"
    cat >"$d/rndc.conf" <<CONF
include "$CP_WORK/keys/rndc.key";
options { default-key "rndc-key"; default-server $DNS_SECONDARY; default-port 953; };
CONF
    cp_start_bind "$d" "$DNS_SECONDARY" 53 example.test "
include \"$CP_WORK/keys/rndc.key\";
controls { inet $DNS_SECONDARY port 953 allow { 127.0.0.0/8; } keys { \"rndc-key\"; }; };
zone \"example.test\" {
    type secondary;
    primaries { $DNS_PRIMARY; };
    file \"$d/example.test.bak\";
};"
}

# A recursive resolver in front of the primary, as a CA has one (DNS_RESOLVER):
# it forwards the test zones to the primary and follows a CNAME from one zone
# into another, which the authoritative-only primary does not do for a CA that
# asks it directly. Nothing is cached, so a record is seen as soon as it exists.
dns_start_resolver() {
    local d=$CP_WORK/resolver z zones=""
    mkdir -p "$d"
    for z in example.test validation.test locked.test dark.test; do
        zones+="zone \"$z\" { type forward; forward only; forwarders { $DNS_PRIMARY port 53; }; };
"
    done
    CP_BIND_RECURSION="yes; allow-recursion { 127.0.0.0/8; }; max-cache-ttl 0; max-ncache-ttl 0" \
        cp_start_bind "$d" "$DNS_RESOLVER" 53 example.test "$zones"
}

# The secondary transfers the zone from the primary now.
dns_refresh_secondary() {
    local rndc
    rndc=$(PATH=$PATH:/usr/sbin:/sbin command -v rndc) || cp_fail "rndc is not installed (bind9)"
    "$rndc" -c "$CP_WORK/secondary/rndc.conf" refresh example.test >/dev/null
}

# shellcheck disable=SC2120 # "secondary" and "resolver" are optional
dns_setup() {
    cp_require dig nsupdate
    [ -x "${DNSSOLVE:-}" ] || cp_fail "dnssolve not found (DNSSOLVE=${DNSSOLVE:-}); build the tests first"
    dns_keys
    cp_claim_addr DNS_PRIMARY
    cp_claim_addr DNS_DARK # no server there
    DNS_SECONDARY="" DNS_RESOLVER=""
    [ "${1:-}" != secondary ] || cp_claim_addr DNS_SECONDARY
    [ "${1:-}" != resolver ] || cp_claim_addr DNS_RESOLVER
    dns_start_primary
    [ -z "$DNS_SECONDARY" ] || dns_start_secondary
    [ -z "$DNS_RESOLVER" ] || dns_start_resolver
    DNS_STATE=$CP_WORK/state
    mkdir -p "$DNS_STATE"
    DNS_ARGS=(-r "$DNS_PRIMARY" -s "key_file=$DNS_KEY" -d "$DNS_STATE")
}

# dnssolve with the testbed's resolver, key and state directory: dns_solve [ARGS...]
# (in the background, run "$DNSSOLVE" "${DNS_ARGS[@]}" itself, so $! is its PID)
dns_solve() {
    "$DNSSOLVE" "${DNS_ARGS[@]}" "$@"
}
