#!/usr/bin/env bash
# certpilot issue --dns rfc2136 end to end: Pebble resolves through a real
# BIND, certpilot publishes through DNS UPDATE with TSIG, waits until every
# authoritative server has the values, and cleans up. A name and its wildcard
# (two values at one name), a name whose _acme-challenge is a CNAME into another
# zone (Pebble behind a recursive resolver follows it), renewal from the stored
# settings, a wrong TSIG secret, and SIGTERM during the propagation wait.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/dnslib.sh
source "$(dirname "$0")/dnslib.sh"
cp_harness_init
dns_setup resolver
# Pebble asks a recursive resolver in front of the primary, as a real CA does
PEBBLE_DNS_SERVER=$DNS_RESOLVER:53 cp_start_pebble
P=$DNS_PRIMARY
dns=(--dns rfc2136 --dns-set "key_file=$DNS_KEY" --dns-resolver "$P")

cp_certpilot account new --agree-tos >/dev/null
start=$(date +%s%N)
cp_certpilot issue -d www.example.test -d '*.www.example.test' "${dns[@]}" >/dev/null 2>"$CP_WORK/err" ||
    cp_fail "issue through rfc2136 failed: $(cat "$CP_WORK/err")"
ms=$((($(date +%s%N) - start) / 1000000))
cp_log "a name and its wildcard through rfc2136 + propagation check: ${ms} ms"
cp_verify_cert "$CP_WORK/state/certs/www.example.test" www.example.test '*.www.example.test' ||
    cp_fail "certificate through rfc2136"
[ -z "$(dns_txt "$P" _acme-challenge.www.example.test)" ] || cp_fail "TXT left behind"
grep -q '"provider",' "$CP_WORK/state/certs/www.example.test/meta.json" || cp_fail "meta.json lacks the provider"
! grep -q "$(sed -n 's/.*secret "\(.*\)".*/\1/p' "$DNS_KEY")" "$CP_WORK/state/certs/www.example.test/meta.json" ||
    cp_fail "the TSIG secret reached meta.json"

# CNAME delegation: _acme-challenge.alias.example.test is an alias into
# validation.test; the record goes there, and the CA's resolver follows the alias.
cp_certpilot issue -d alias.example.test "${dns[@]}" -v >/dev/null 2>"$CP_WORK/alias.err" ||
    cp_fail "issue through a CNAME into another zone failed: $(tail -n 3 "$CP_WORK/alias.err")"
cp_assert_contains "$(cat "$CP_WORK/alias.err")" "is an alias of _acme-challenge.alias.validation.test.; the record goes there"
cp_verify_cert "$CP_WORK/state/certs/alias.example.test" alias.example.test || cp_fail "certificate through the alias"
[ -z "$(dns_txt "$P" _acme-challenge.alias.validation.test)" ] || cp_fail "TXT left at the alias's target"

# Renewal needs no flags: the provider and its settings come from meta.json.
cp_certpilot renew --force --cert-name www.example.test >"$CP_WORK/out" 2>&1 ||
    cp_fail "renew through rfc2136: $(cat "$CP_WORK/out")"
grep -q "^renewed www.example.test" "$CP_WORK/out" || cp_fail "not renewed: $(cat "$CP_WORK/out")"

# A wrong TSIG secret: one clear line naming BADSIG, the secret nowhere, nothing issued.
cp_expect_fail cp_certpilot issue -d bad.example.test --dns rfc2136 --dns-set "key_file=$DNS_WRONG_KEY" \
    --dns-resolver "$P"
cp_check_err 1 "BADSIG"
secret=$(sed -n 's/.*secret "\(.*\)".*/\1/p' "$DNS_WRONG_KEY")
! grep -qF "$secret" <<<"$CP_LAST_ERR$CP_LAST_OUT" || cp_fail "the secret was printed"
[ ! -e "$CP_WORK/state/certs/bad.example.test" ] || cp_fail "a certificate was stored after a failure"

# Flags that only --dns takes, and an unknown provider, are usage errors.
cp_expect_fail cp_certpilot issue -d x.example.test --hook /bin/true --dns-set a=b
cp_check_err 2 "--dns"
cp_expect_fail cp_certpilot issue -d x.example.test --dns nope
cp_check_err 2 "unknown DNS provider \"nope\""

# SIGTERM while waiting for a name server that never answers: the records go, quickly.
"$CERTPILOT" --root "$CP_WORK/state" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" \
    issue -d t.dark.test --dns rfc2136 --dns-set "key_file=$DNS_KEY" --dns-resolver "$P" \
    --propagation-timeout 60 >"$CP_WORK/term.out" 2>&1 &
pid=$!
CP_PIDS+=("$pid")
for _ in $(seq 1 100); do
    [ -n "$(dns_txt "$P" _acme-challenge.t.dark.test)" ] && break
    sleep 0.1
done
[ -n "$(dns_txt "$P" _acme-challenge.t.dark.test)" ] || cp_fail "the record was never published"
kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$pid" 2>/dev/null || cp_fail "certpilot still runs 5 s after SIGTERM"
rc=0
wait "$pid" || rc=$?
[ "$rc" != 0 ] || cp_fail "an interrupted issue exited 0"
[ -z "$(dns_txt "$P" _acme-challenge.t.dark.test)" ] || cp_fail "SIGTERM left the record behind"
echo "ok"
