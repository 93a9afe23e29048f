#!/usr/bin/env bash
# A batch through dns-01 with rfc2136 on a real BIND: the workers' records are
# published together (one UPDATE for the records of many orders, one
# propagation wait) and removed together, Pebble validates every certificate through that BIND,
# and nothing is left in the zone; requests go over HTTP/2. A certificate in a zone nobody may update
# makes its round fail: that certificate fails alone, the others of its round
# publish their own and are issued. A Pebble that deadlocks itself (lib.sh) is
# restarted once and the batch run again; every check below is made as before.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/dnslib.sh
source "$(dirname "$0")/dnslib.sh"
cp_harness_init
dns_setup
PEBBLE_DNS_SERVER=$DNS_PRIMARY:53  # also for a restart below
cp_start_pebble
P=$DNS_PRIMARY
N=16
list=$CP_WORK/batch.txt
{
    for i in $(seq 1 "$N"); do
        if [ $((i % 4)) = 0 ]; then
            echo "d$i.example.test *.d$i.example.test"  # two values at one name
        else
            echo "d$i.example.test"
        fi
        [ "$i" = 5 ] && echo "x.locked.test"  # the zone refuses updates
    done
} >"$list"

batch() {
    cp_expect_fail cp_certpilot -v issue --agree-tos --batch "$list" --jobs 8 \
        --dns rfc2136 --dns-set "key_file=$DNS_KEY" --dns-resolver "$P"
}
batch
# Pebble 2.4's own deadlock (lib.sh) stalls every request: when its goroutine dump
# proves it, a fresh Pebble (which forgets accounts) gets the same batch once more.
if ! grep -q "$N issued, 1 failed" <<<"$CP_LAST_ERR" && cp_pebble_deadlocked; then
    cp_log "Pebble deadlocked ($CP_PEBBLE_BLOCKED goroutines waiting for a lock): restarting it, running the batch again"
    cp_restart_pebble
    rm -rf "$CP_WORK/state"
    batch
fi
cp_check_err 1 "$N issued, 1 failed"
grep -q '^failed .*x.locked.test: .*REFUSED' <<<"$CP_LAST_OUT" ||
    cp_fail "the locked zone's certificate is not reported with the DNS error: $CP_LAST_OUT"
for i in $(seq 1 "$N"); do
    if [ $((i % 4)) = 0 ]; then
        cp_verify_cert "$CP_WORK/state/certs/d$i.example.test" "d$i.example.test" "*.d$i.example.test" ||
            cp_fail "certificate d$i"
    else
        cp_verify_cert "$CP_WORK/state/certs/d$i.example.test" "d$i.example.test" || cp_fail "certificate d$i"
    fi
    [ -z "$(dns_txt "$P" "_acme-challenge.d$i.example.test")" ] || cp_fail "TXT left behind at d$i"
done

# Pebble offers HTTP/2 in its TLS handshake, and the workers use it
grep -q 'new-order -> 201 (HTTP/2)\|order-plz -> 201 (HTTP/2)' "$CP_WORK/last.err" ||
    cp_fail "new orders did not go over HTTP/2: $(grep -m1 -- '-> 201' "$CP_WORK/last.err")"

# Rounds: "publishing R TXT record(s) of M order(s) together"
rounds=$(grep -c 'publishing [0-9]* TXT record(s) of [0-9]* order(s) together' "$CP_WORK/last.err" || true)
shared=$(grep -o 'publishing [0-9]* TXT record(s) of [0-9]* order(s) together' "$CP_WORK/last.err" |
    awk '$6 > 1' | wc -l)
biggest=$(grep -o 'publishing [0-9]* TXT record(s) of [0-9]* order(s) together' "$CP_WORK/last.err" |
    awk '$6 > m { m = $6 } END { print m + 0 }')
# ... and removed together: "removing R TXT record(s) of M order(s) together"
removals=$(grep -o 'removing [0-9]* TXT record(s) of [0-9]* order(s) together' "$CP_WORK/last.err" |
    awk '$6 > 1' | wc -l)
cp_log "removal rounds of several orders: $removals"
[ "$removals" -ge 1 ] || cp_fail "no orders removed their records together"
alone=$(grep -c 'publishing [0-9]* TXT record(s) through rfc2136' "$CP_WORK/last.err" || true)
cp_log "$((N + 1)) orders: $rounds round(s), $shared shared by several orders (the largest $biggest), $alone add(s) alone"
if [ "$shared" -lt 1 ] || [ "$biggest" -lt 4 ]; then cp_fail "the orders' records were not published together"; fi
[ "$rounds" -lt "$N" ] || cp_fail "$rounds rounds for $((N + 1)) orders: nothing was shared"
grep -q 'going on alone' "$CP_WORK/last.err" || cp_fail "the refused round was not finished alone"

# BIND's side, for the log (bench/dns.sh (e) counts them without a failing zone)
updates=$(dns_updates)
cp_log "BIND approved $updates UPDATE message(s) (adds and removals) for $N certificates"
echo "ok"
