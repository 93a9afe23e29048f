# certpilot integration harness: start Pebble and pebble-challtestsrv on free
# loopback ports, check issued certificates, clean up by PID.
# Sourced by tests/integration/test_*.sh and scripts/demo.sh.
#
# Environment: CERTPILOT (binary), FREEPORT (freeport tool), CP_SOURCE_DIR (repo root),
# CP_KEEP=1 keeps the work directory.

CP_PIDS=()
CP_WORK=""

cp_log() { printf '%s\n' "$*" >&2; }
cp_fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# Stop what we started (TERM, bounded wait, KILL) and remove the work dir.
cp_cleanup() {
    local pid i
    for pid in "${CP_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${CP_PIDS[@]}"; do
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    CP_PIDS=()
    if [ -n "$CP_WORK" ] && [ "${CP_KEEP:-0}" != 1 ]; then
        rm -rf "$CP_WORK"
    fi
}

cp_harness_init() {
    CP_WORK=$(mktemp -d "${TMPDIR:-/tmp}/certpilot-it.XXXXXX")
    export CP_WORK
    trap cp_cleanup EXIT
    trap 'exit 130' INT TERM
    : "${CP_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
    export CP_SOURCE_DIR
    : "${CERTPILOT:=$CP_SOURCE_DIR/build/certpilot}"
    : "${FREEPORT:=$CP_SOURCE_DIR/build/tests/freeport}"
    [ -x "$CERTPILOT" ] || cp_fail "certpilot binary not found at $CERTPILOT (build first)"
    [ -x "$FREEPORT" ] || cp_fail "freeport tool not found at $FREEPORT (build first)"
}

# Bounded wait until a URL answers: cp_wait_url URL [curl args...]
cp_wait_url() {
    local url=$1 i
    shift
    for i in $(seq 1 100); do
        curl -s -o /dev/null --max-time 1 "$@" "$url" && return 0
        sleep 0.1
    done
    return 1
}

# A throw-away CA and a certificate for localhost/127.0.0.1 for Pebble's own TLS.
cp_make_tls() {
    local d=$CP_WORK/tls
    mkdir -p "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=certpilot test CA" -keyout "$d/ca.key" -out "$d/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
        -keyout "$d/key.pem" -out "$d/csr.pem" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$d/ext.cnf"
    openssl x509 -req -in "$d/csr.pem" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile "$d/ext.cnf" -out "$d/cert.pem" 2>/dev/null
    PEBBLE_CA_BUNDLE=$d/ca.pem
    export PEBBLE_CA_BUNDLE
}

# One attempt at starting challtestsrv + Pebble on fresh ports; 1 if a process died.
cp_try_start() {
    local ports dir=$CP_WORK/pebble
    mkdir -p "$dir"
    mapfile -t ports < <("$FREEPORT" -u 6) || return 1
    PEBBLE_PORT=${ports[0]} PEBBLE_MGMT_PORT=${ports[1]} CHALL_DNS_PORT=${ports[2]}
    CHALL_MGMT_PORT=${ports[3]} PEBBLE_HTTP_PORT=${ports[4]} PEBBLE_TLS_PORT=${ports[5]}
    cat >"$dir/config.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$PEBBLE_PORT", "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
  "certificate": "$CP_WORK/tls/cert.pem", "privateKey": "$CP_WORK/tls/key.pem",
  "httpPort": $PEBBLE_HTTP_PORT, "tlsPort": $PEBBLE_TLS_PORT, "ocspResponderURL": "",
  "externalAccountBindingRequired": ${PEBBLE_EAB_REQUIRED:-false}${PEBBLE_EAB_KEYS:+, \"externalAccountMACKeys\": $PEBBLE_EAB_KEYS}}}
JSON
    pebble-challtestsrv -dns01 "127.0.0.1:$CHALL_DNS_PORT" -management "127.0.0.1:$CHALL_MGMT_PORT" \
        -http01 "" -https01 "" -tlsalpn01 "" >"$dir/challtestsrv.log" 2>&1 &
    CP_PIDS+=($!)
    PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=${PEBBLE_WFE_NONCEREJECT:-0} \
        PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0} \
        pebble -config "$dir/config.json" -dnsserver "${PEBBLE_DNS_SERVER:-127.0.0.1:$CHALL_DNS_PORT}" \
        >"$dir/pebble.log" 2>&1 &
    PEBBLE_PID=$!
    CP_PIDS+=($!)
    cp_wait_url "http://127.0.0.1:$CHALL_MGMT_PORT/" || return 1
    cp_wait_url "https://localhost:$PEBBLE_PORT/dir" --cacert "$PEBBLE_CA_BUNDLE" || return 1
}

# Start Pebble (with its DNS) and export what tests need. PEBBLE_DNS_SERVER
# (HOST:PORT) makes Pebble resolve through another server, e.g. a test BIND.
cp_start_pebble() {
    local attempt
    cp_make_tls
    for attempt in 1 2 3; do
        if cp_try_start; then
            break
        fi
        cp_log "pebble start attempt $attempt failed; logs:"
        tail -n 5 "$CP_WORK"/pebble/*.log >&2 || true
        cp_cleanup_pids
        [ "$attempt" = 3 ] && cp_fail "could not start Pebble"
    done
    PEBBLE_URL="https://localhost:$PEBBLE_PORT/dir"
    PEBBLE_MGMT_URL="https://localhost:$PEBBLE_MGMT_PORT"
    CHALLTESTSRV_URL="http://127.0.0.1:$CHALL_MGMT_PORT"
    PEBBLE_ROOT=$CP_WORK/pebble/root.pem
    curl -sf --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_MGMT_URL/roots/0" >"$PEBBLE_ROOT" ||
        cp_fail "cannot fetch Pebble's issuing root"
    export PEBBLE_URL PEBBLE_MGMT_URL CHALLTESTSRV_URL PEBBLE_ROOT PEBBLE_HTTP_PORT PEBBLE_TLS_PORT
}

# Restart Pebble on the same ports (it forgets every account and makes a new root).
cp_restart_pebble() {
    local dir=$CP_WORK/pebble
    kill -TERM "$PEBBLE_PID" 2>/dev/null || true
    wait "$PEBBLE_PID" 2>/dev/null || true
    PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=${PEBBLE_WFE_NONCEREJECT:-0} \
        PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0} \
        pebble -config "$dir/config.json" -dnsserver "${PEBBLE_DNS_SERVER:-127.0.0.1:$CHALL_DNS_PORT}" \
        >>"$dir/pebble.log" 2>&1 &
    PEBBLE_PID=$!
    CP_PIDS+=($!)
    cp_wait_url "$PEBBLE_URL" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "Pebble did not come back"
    curl -sf --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_MGMT_URL/roots/0" >"$PEBBLE_ROOT" ||
        cp_fail "cannot fetch Pebble's issuing root"
}

cp_cleanup_pids() {
    local pid
    for pid in "${CP_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    CP_PIDS=()
}

# certpilot against this Pebble, with a state dir in the work dir.
cp_certpilot() {
    "$CERTPILOT" --root "$CP_WORK/state" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" "$@"
}

# The command must fail; its stderr is kept in CP_LAST_ERR and its exit code in CP_LAST_RC.
cp_expect_fail() {
    local errf=$CP_WORK/last.err
    CP_LAST_RC=0
    "$@" >"$CP_WORK/last.out" 2>"$errf" || CP_LAST_RC=$?
    CP_LAST_ERR=$(cat "$errf")
    [ "$CP_LAST_RC" != 0 ] || cp_fail "expected failure: $*"
}

cp_assert_contains() {
    case "$1" in
    *"$2"*) ;;
    *) cp_fail "expected \"$2\" in: $1" ;;
    esac
}

# The SAN DNS names of a PEM certificate, sorted, one per line.
cp_cert_names() {
    openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null |
        tr ',' '\n' | sed -n 's/^ *DNS://p' | sort
}

# cp_verify_cert DIR NAME... : files, key mode, chain to Pebble's root, exact names, key match.
cp_verify_cert() {
    local dir=$1 f want got
    shift
    for f in cert.pem chain.pem fullchain.pem privkey.pem; do
        [ -s "$dir/$f" ] || cp_fail "$dir/$f missing or empty"
    done
    [ "$(stat -L -c %a "$dir/privkey.pem")" = 600 ] || cp_fail "$dir/privkey.pem is not mode 600"
    openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$dir/chain.pem" "$dir/cert.pem" >/dev/null ||
        cp_fail "$dir/cert.pem does not verify against Pebble's root"
    want=$(printf '%s\n' "$@" | sort)
    got=$(cp_cert_names "$dir/cert.pem")
    [ "$want" = "$got" ] || cp_fail "names differ: want [$want] got [$got]"
    [ "$(openssl pkey -in "$dir/privkey.pem" -pubout)" = "$(openssl x509 -in "$dir/cert.pem" -noout -pubkey)" ] ||
        cp_fail "privkey.pem does not match cert.pem"
    [ "$(cat "$dir/cert.pem" "$dir/chain.pem")" = "$(cat "$dir/fullchain.pem")" ] ||
        cp_fail "fullchain.pem is not cert.pem + chain.pem"
}

# After cp_expect_fail: the exit code must be RC and stderr must contain NEEDLE (if given).
cp_check_err() {
    [ "$CP_LAST_RC" = "$1" ] || cp_fail "exit $CP_LAST_RC, expected $1; stderr: $CP_LAST_ERR"
    [ $# -lt 2 ] || cp_assert_contains "$CP_LAST_ERR" "$2"
}
