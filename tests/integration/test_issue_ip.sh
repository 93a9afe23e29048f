#!/usr/bin/env bash
# RFC 8738 IP identifiers: 127.0.0.1 and ::1 (with a DNS name) through the
# built-in http-01 responder and through an http-01 hook that sees
# CERTPILOT_IDENT_TYPE, and from a CSR with IP SANs; a wildcard address and an address with a dns-01 solver
# are refused before anything is ordered.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble

p=$PEBBLE_HTTP_PORT

# The IP SANs of a certificate, as OpenSSL prints them ("IP Address:..."), sorted.
ip_sans() {
    openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null |
        tr ',' '\n' | sed -n 's/^ *IP Address://p' | LC_ALL=C sort
}

# check_ip_cert DIR: the certificate verifies, holds ip.example.test as its one DNS name and exactly
# 127.0.0.1 and ::1 as addresses; no address in the subject.
check_ip_cert() {
    local got
    cp_verify_cert "$1" ip.example.test || cp_fail "certificate in $1"
    got=$(ip_sans "$1/cert.pem" | tr '\n' ' ')
    [ "$got" = "0:0:0:0:0:0:0:1 127.0.0.1 " ] || cp_fail "IP SANs in $1/cert.pem: [$got]"
    if openssl x509 -in "$1/cert.pem" -noout -subject | grep -q '127\.0\.0\.1\|0:0:0:0'; then
        cp_fail "an address in the subject of $1/cert.pem"
    fi
}

# 1. standalone, on both loopbacks: Pebble dials each address itself
cp_certpilot issue --agree-tos -d 127.0.0.1 -d 0:0::1 -d ip.example.test \
    --standalone --listen "127.0.0.1:$p" --listen "[::1]:$p" >"$CP_WORK/out1"
check_ip_cert "$CP_WORK/state/certs/127.0.0.1"
cp_certpilot list >"$CP_WORK/list"
cp_assert_contains "$(cat "$CP_WORK/list")" "127.0.0.1"

# 1b. a CSR someone else made with IP address SANs: its names are ordered, its key stays theirs
csr=$CP_WORK/ip.csr
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CP_WORK/ipcsr.key" \
    -subj "/CN=ip.example.test" -addext "subjectAltName=DNS:ip.example.test,IP:127.0.0.1,IP:::1" \
    -out "$csr" 2>/dev/null || cp_fail "openssl req failed"
cp_certpilot issue --csr "$csr" --cert-name ipcsr --standalone --listen "127.0.0.1:$p" --listen "[::1]:$p" \
    >"$CP_WORK/out2b" || cp_fail "issue --csr with IP SANs failed"
got=$(ip_sans "$CP_WORK/state/certs/ipcsr/cert.pem" | tr '\n' ' ')
[ "$got" = "0:0:0:0:0:0:0:1 127.0.0.1 " ] || cp_fail "IP SANs of the CSR's certificate: [$got]"
[ ! -e "$CP_WORK/state/certs/ipcsr/privkey.pem" ] || cp_fail "a private key was stored for a CSR"

# 2. a hook with --challenge http-01 serving through its own challtestsrv on the same port
mport=$("$FREEPORT")
pebble-challtestsrv -http01 "127.0.0.1:$p,[::1]:$p" -dns01 "" -https01 "" -tlsalpn01 "" \
    -management "127.0.0.1:$mport" >"$CP_WORK/hookhttp.log" 2>&1 &
CP_PIDS+=("$!")
cp_wait_url "http://127.0.0.1:$mport/" || cp_fail "the hook's challtestsrv did not start"
hook=$CP_WORK/iphook
cat >"$hook" <<HOOK
#!/bin/sh
# IDENT_TYPE must say what IDENT is; the log shows both.
set -eu
case "\$3" in
*:* | [0-9]*.[0-9]*.[0-9]*.[0-9]*) want=ip ;;
*) want=dns ;;
esac
[ "\$CERTPILOT_IDENT_TYPE" = "\$want" ] || exit 1
echo "\$1 \$2 \$3 \$CERTPILOT_IDENT_TYPE" >>"$CP_WORK/hook.log"
case "\$1" in
begin) data="{\"token\":\"\$4\",\"content\":\"\$5\"}"; path=add-http01 ;;
*) data="{\"token\":\"\$4\"}"; path=del-http01 ;;
esac
curl -sS --fail --max-time 10 -X POST --data "\$data" "http://127.0.0.1:$mport/\$path" >/dev/null
HOOK
chmod 755 "$hook"
cp_certpilot issue -d ::1 -d 127.0.0.1 -d ip.example.test --hook "$hook" --challenge http-01 >"$CP_WORK/out2"
check_ip_cert "$CP_WORK/state/certs/__1"
log=$(LC_ALL=C sort "$CP_WORK/hook.log" | tr '\n' ';')
want="begin http-01 127.0.0.1 ip;begin http-01 ::1 ip;begin http-01 ip.example.test dns;"
want+="done http-01 127.0.0.1 ip;done http-01 ::1 ip;done http-01 ip.example.test dns;"
# an authorization Pebble reuses from step 1 is not presented again
for line in "begin http-01 ::1 ip" "done http-01 ::1 ip"; do
    cp_assert_contains "$log" "$line"
done
[ "$log" = "$want" ] || cp_log "hook calls (authorizations may be reused): $log"

# 3. refused before ordering: exit 2, one line, nothing stored
refused() {
    local needle=$1
    shift
    cp_expect_fail cp_certpilot -q issue "$@"
    cp_check_err 2 "$needle"
    cp_check_one_line
}
refused 'name "*.127.0.0.1": an IP address cannot be a wildcard' -d '*.127.0.0.1' --standalone \
    --listen "127.0.0.1:$p"
refused "name 127.0.0.2: an IP address needs http-01 (RFC 8738)" -d 127.0.0.2 --hook "$hook"
refused "name 127.0.0.2: an IP address needs http-01 (RFC 8738)" -d 127.0.0.2 --hook "$hook" \
    --challenge dns-01
refused "name ::2: an IP address needs http-01 (RFC 8738)" -d ip2.example.test -d 0::2 --dns rfc2136 \
    --dns-set server=127.0.0.1
for d in 127.0.0.2 ip2.example.test _.127.0.0.1; do
    [ ! -e "$CP_WORK/state/certs/$d" ] || cp_fail "files left for a refused issue: certs/$d"
done
echo "ok"
