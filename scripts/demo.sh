#!/usr/bin/env bash
# README command 1: install what is needed, build certpilot, start a local test
# CA (Pebble, with pebble-challtestsrv as its DNS) on free loopback ports, create
# an account and issue ONE certificate for example.test, *.example.test and
# www.example.test through dns-01 (examples/hooks/challtestsrv), then show where
# it is and what it contains. Pebble is stopped at the end; the state directory
# stays for you to look at:
#   ${CERTPILOT_DEMO_ROOT:-./demo-state}   (a relative path is taken from where you run this)
# A previous demo's state there is replaced; any other non-empty directory is refused.
set -euo pipefail
CALLER_PWD=$PWD
cd "$(dirname "$0")/.."
REPO=$PWD

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

case "${CERTPILOT_DEMO_ROOT:-}" in
"") STATE=$REPO/demo-state ;;
/*) STATE=$CERTPILOT_DEMO_ROOT ;;
*) STATE=$CALLER_PWD/$CERTPILOT_DEMO_ROOT ;;
esac
STATE=${STATE%/}
[ -n "$STATE" ] || die "CERTPILOT_DEMO_ROOT=/ is not a good place for the demo's state"
MARKER=.certpilot-demo
if [ -e "$STATE" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ] &&
    [ ! -e "$STATE/$MARKER" ] && [ ! -e "$STATE/pebble-root.pem" ]; then
    die "$STATE exists and is not a previous demo's state; set CERTPILOT_DEMO_ROOT to another directory"
fi

step "Installing dependencies (scripts/deps.sh)"
bash scripts/deps.sh

step "Building certpilot (scripts/build.sh, in build/)"
buildlog=$(mktemp "${TMPDIR:-/tmp}/certpilot-demo-build.XXXXXX")
if ! BUILD_TARGETS=certpilot-cli bash scripts/build.sh >"$buildlog" 2>&1; then
    tail -n 40 "$buildlog" >&2
    rm -f "$buildlog"
    die "the build failed (above: the end of its output)"
fi
rm -f "$buildlog"
CERTPILOT=$REPO/build/certpilot
[ -x "$CERTPILOT" ] || die "no binary at $CERTPILOT after the build"
note "$CERTPILOT ($("$CERTPILOT" --version))"
export CERTPILOT CP_SOURCE_DIR=$REPO
if [ -x "$REPO/build/tests/freeport" ]; then
    export FREEPORT=$REPO/build/tests/freeport
fi

step "Starting Pebble (test ACME CA) and pebble-challtestsrv (its DNS) on loopback"
# shellcheck source=tests/integration/lib.sh
source tests/integration/lib.sh
cp_harness_init
cp_start_pebble
note "ACME directory:   $PEBBLE_URL"
note "challtestsrv API: $CHALLTESTSRV_URL (DNS on 127.0.0.1:$CHALLTESTSRV_DNS_PORT)"

rm -rf "$STATE"
mkdir -p "$STATE"
: >"$STATE/$MARKER"
# Pebble's TLS CA and its issuing root are made anew at every start: keep copies.
cp "$PEBBLE_CA_BUNDLE" "$STATE/pebble-tls-ca.pem"
cp "$PEBBLE_ROOT" "$STATE/pebble-root.pem"
hook=$REPO/examples/hooks/challtestsrv

run() {
    local shown
    shown=$(printf ' %q' "$@")
    printf '    $ certpilot --root %q --server %s --ca-bundle %q%s\n' \
        "$STATE" "$PEBBLE_URL" "$STATE/pebble-tls-ca.pem" "$shown"
    "$CERTPILOT" --root "$STATE" --server "$PEBBLE_URL" --ca-bundle "$STATE/pebble-tls-ca.pem" "$@"
}

step "Creating an ACME account"
run account new --agree-tos --email demo@example.test

step "Issuing one certificate for example.test, *.example.test, www.example.test (dns-01), installed as files and as a PKCS#12"
mkdir -p "$STATE/installed"
start=$(date +%s%N)
run issue -d example.test -d '*.example.test' -d www.example.test --hook "$hook" \
    --deploy "files:$STATE/installed" --deploy "pkcs12:$STATE/installed/site.pfx"
ms=$((($(date +%s%N) - start) / 1000000))
note "issued in $ms ms"

dir=$STATE/certs/example.test
[ -s "$dir/cert.pem" ] || die "no certificate at $dir/cert.pem"
step "The certificate"
note "directory:  $dir"
note "files:      cert.pem chain.pem fullchain.pem privkey.pem -> $(readlink "$dir/current" || echo '?')"
note "subject:    $(openssl x509 -in "$dir/cert.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')"
note "names:      $(openssl x509 -in "$dir/cert.pem" -noout -ext subjectAltName | sed -n '2,$p' | sed 's/^ *//' | paste -sd' ')"
note "issuer:     $(openssl x509 -in "$dir/cert.pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')"
note "serial:     $(openssl x509 -in "$dir/cert.pem" -noout -serial | sed 's/^serial=//')"
note "not before: $(openssl x509 -in "$dir/cert.pem" -noout -startdate | sed 's/^notBefore=//')"
note "not after:  $(openssl x509 -in "$dir/cert.pem" -noout -enddate | sed 's/^notAfter=//')"
keytext=$(openssl pkey -in "$dir/privkey.pem" -noout -text 2>/dev/null)
keybits=$(sed -n '1s/.*(\([0-9]*\) bit.*/\1/p' <<<"$keytext")
curve=$(sed -n 's/^ *NIST CURVE: *//p' <<<"$keytext")
if [ -n "$curve" ]; then
    note "key:        EC $curve ($keybits bit), privkey.pem mode $(stat -L -c %a "$dir/privkey.pem")"
else
    note "key:        RSA $keybits bit, privkey.pem mode $(stat -L -c %a "$dir/privkey.pem")"
fi
if openssl verify -CAfile "$STATE/pebble-root.pem" -untrusted "$dir/chain.pem" "$dir/cert.pem" >/dev/null 2>&1; then
    note "chain:      verifies up to Pebble's root (openssl verify)"
else
    die "the certificate does not verify against Pebble's root"
fi

step "Deployed"
note "files:      $(cd "$STATE/installed" && ls cert.pem chain.pem fullchain.pem privkey.pem | paste -sd' ') in $STATE/installed"
note "PKCS#12:    $STATE/installed/site.pfx ($(openssl pkcs12 -in "$STATE/installed/site.pfx" -passin pass: -nokeys 2>/dev/null | grep -c 'BEGIN CERTIFICATE') certificates, empty password, AES-256)"

step "Renewing it (--force: a fresh certificate is not due for years), deployed again"
run renew --force

step "certpilot list"
"$CERTPILOT" --root "$STATE" list

step "Stopping Pebble"
cp_stop_pids "${CP_PIDS[@]}"
CP_PIDS=()

cat <<EOF

Done. Look around:
    ls -lR $STATE/certs/example.test
    openssl x509 -in $dir/cert.pem -noout -text
    $CERTPILOT --root $STATE list --json
Pebble's issuing root (it changes at every Pebble start): $STATE/pebble-root.pem
EOF
