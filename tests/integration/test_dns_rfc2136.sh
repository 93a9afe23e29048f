#!/usr/bin/env bash
# The rfc2136 provider and the dns-01 solver against a real BIND9 on a
# loopback address of its own (port 53): a base name and its wildcard (two
# values at one name at once), a foreign TXT value surviving cleanup, CNAME
# delegation into another zone, hmac-sha512, and the errors a wrong TSIG
# secret, an unknown key and a bad setting give.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/dnslib.sh
source "$(dirname "$0")/dnslib.sh"
cp_harness_init
dns_setup
P=$DNS_PRIMARY
name=_acme-challenge.www.example.test

# A base name and its wildcard: both values published at once (--keep stops
# before cleanup), the propagation check saw both, then the journal cleans up.
out=$(dns_solve --keep www.example.test=base-value_1 '*.www.example.test=wild-value_2')
[ "$out" = ready ] || cp_fail "dnssolve said: $out"
[ "$(dns_txt "$P" $name)" = '"base-value_1" "wild-value_2" ' ] || cp_fail "both values not there: [$(dns_txt "$P" $name)]"
ls "$DNS_STATE"/dns-journal-*.json >/dev/null 2>&1 || cp_fail "no journal after --keep"
[ "$(dns_solve --recover)" = "recovered 2" ] || cp_fail "recover did not remove 2 records"
[ -z "$(dns_txt "$P" $name)" ] || cp_fail "TXT left after recover: [$(dns_txt "$P" $name)]"
! ls "$DNS_STATE"/dns-journal-*.json >/dev/null 2>&1 || cp_fail "journal left after recover"

# A normal run cleans up after itself; a foreign value at the same name survives.
nsupdate -k "$DNS_KEY" <<UPD
server $P 53
zone example.test
update add $name. 60 IN TXT "foreign"
send
UPD
[ "$(dns_txt "$P" $name)" = '"foreign" ' ] || cp_fail "foreign value not added: [$(dns_txt "$P" $name)]"
before=$(dns_updates)
out=$(dns_solve www.example.test=mine-1 '*.www.example.test=mine-2')
[ "$out" = ready ] || cp_fail "dnssolve said: $out"
# one UPDATE published both values, one removed them (only them)
[ "$(($(dns_updates) - before))" = 2 ] || cp_fail "expected 2 UPDATE messages, saw $(($(dns_updates) - before))"
[ "$(dns_txt "$P" $name)" = '"foreign" ' ] || cp_fail "cleanup touched the foreign value: [$(dns_txt "$P" $name)]"
! ls "$DNS_STATE"/dns-journal-*.json >/dev/null 2>&1 || cp_fail "journal left after a clean run"

# CNAME delegation: _acme-challenge.alias.example.test is an alias into
# validation.test; the record goes (and is checked) there.
out=$(dns_solve -v --keep alias.example.test=delegated-1 2>"$CP_WORK/alias.err")
[ "$out" = ready ] || cp_fail "dnssolve said: $out"
cp_assert_contains "$(cat "$CP_WORK/alias.err")" "is an alias of _acme-challenge.alias.validation.test."
[ "$(dns_txt "$P" _acme-challenge.alias.validation.test)" = '"delegated-1" ' ] ||
    cp_fail "value not at the CNAME target: [$(dns_txt "$P" _acme-challenge.alias.validation.test)]"
[ "$(dns_solve --recover)" = "recovered 1" ] || cp_fail "recover of the delegated record failed"
[ -z "$(dns_txt "$P" _acme-challenge.alias.validation.test)" ] || cp_fail "delegated record left"

# A provider failing halfway (the second zone refuses): what was added is removed.
cp_expect_fail dns_solve www.example.test=half-1 www.locked.test=half-2
cp_check_err 1 "dnssolve: rfc2136: $P:53 refused the update of zone locked.test.: REFUSED"
[ "$(dns_txt "$P" $name)" = '"foreign" ' ] || cp_fail "half-published value left: [$(dns_txt "$P" $name)]"
! ls "$DNS_STATE"/dns-journal-*.json >/dev/null 2>&1 || cp_fail "journal left after a failed add"

# A CNAME loop is refused, with nothing published.
cp_expect_fail dns_solve loop1.example.test=x1
cp_check_err 1 "dnssolve: CNAME chain from _acme-challenge.loop1.example.test. is longer than 8 names"

# hmac-sha512, explicit server and zone settings.
out=$("$DNSSOLVE" -r "$P" -s "key_file=$DNS_KEY512" -s "server=$P:53" -s zone=example.test \
    www.example.test=sha512-value)
[ "$out" = ready ] || cp_fail "hmac-sha512 run said: $out"
[ -z "$(dns_txt "$P" $name | sed 's/"foreign" //')" ] || cp_fail "hmac-sha512 run left a record"

# A wrong secret: one clear line naming BADSIG, the secret nowhere, nothing added.
secret=$(sed -n 's/.*secret "\(.*\)".*/\1/p' "$DNS_WRONG_KEY")
cp_expect_fail "$DNSSOLVE" -r "$P" -s "key_file=$DNS_WRONG_KEY" www.example.test=wrong-1
cp_check_err 1
[ "$CP_LAST_ERR" = "dnssolve: rfc2136: $P:53 refused the update of zone example.test.: NOTAUTH (TSIG BADSIG: the server rejects the key's secret, key \"certpilot-test.\")" ] ||
    cp_fail "wrong secret gave: $CP_LAST_ERR"
case "$CP_LAST_ERR$CP_LAST_OUT" in *"$secret"*) cp_fail "the secret was printed" ;; esac
[ "$(dns_txt "$P" $name)" = '"foreign" ' ] || cp_fail "a wrongly signed update changed the zone"

# A key the server does not know: BADKEY.
cp_expect_fail "$DNSSOLVE" -r "$P" -s "key_file=$DNS_BADNAME_KEY" www.example.test=wrong-2
cp_check_err 1 "NOTAUTH (TSIG BADKEY"

# No key at all: the server refuses.
cp_expect_fail "$DNSSOLVE" -r "$P" www.example.test=wrong-3
cp_check_err 1 "refused the update of zone example.test.: REFUSED"

# Settings errors.
cp_expect_fail "$DNSSOLVE" -r "$P" -s "sever=$P" www.example.test=x
cp_check_err 1 'dnssolve: rfc2136: unknown setting "sever" (did you mean "server"?)'
printf 'key "k" { algorithm hmac-md5; secret "AAAA"; };\n' >"$CP_WORK/md5.key"
cp_expect_fail "$DNSSOLVE" -r "$P" -s "key_file=$CP_WORK/md5.key" www.example.test=x
cp_check_err 1 "dnssolve: key file $CP_WORK/md5.key: line 1: unsupported algorithm (hmac-sha256 or hmac-sha512)"

# A name server that does not answer: the timeout names it.
cp_expect_fail dns_solve -t 1 www.dark.test=dark-1
cp_check_err 1
[ "$CP_LAST_ERR" = "dnssolve: propagation: $DNS_DARK (ns-dark.dark.test.) did not answer for TXT _acme-challenge.www.dark.test. after 1 s" ] ||
    cp_fail "dark server error: $CP_LAST_ERR"
[ -z "$(dns_txt "$P" _acme-challenge.www.dark.test)" ] || cp_fail "dark.test record left"

# A name outside every zone the resolver knows.
cp_expect_fail dns_solve -n www.nowhere.invalid=x
cp_check_err 1 "no zone found for _acme-challenge.www.nowhere.invalid."
echo "ok"
