# shellcheck shell=bash
# certpilot integration harness: start Pebble and pebble-challtestsrv on free
# loopback ports, check issued certificates, stop everything by PID.
# Sourced by tests/integration/test_*.sh and scripts/demo.sh (bash only).
#
# Input environment:
#   CERTPILOT      certpilot binary (default: $CP_SOURCE_DIR/build/certpilot)
#   FREEPORT       freeport tool (tests/tools/freeport.c); built into the work dir when unset
#   CP_SOURCE_DIR  repository root (default: two levels above this file)
#   CP_KEEP=1      keep the work directory (its path is printed at exit)
#   CP_QUIET_LOGS=1  do not print the logs in the work dir when the script fails
#   For cp_start_pebble: PEBBLE_WFE_NONCEREJECT (default 0), PEBBLE_AUTHZREUSE (default 0: but
#   Pebble 2.4 and 2.6 reuse a valid authorization when rand.Intn(100) > percent is false,
#   so 1 time in 100 at 0; a test that expects a hook to run for a name the account has
#   validated before accepts certpilot's "is valid already" line instead),
#   PEBBLE_ALTERNATE_ROOTS, PEBBLE_CHAIN_LENGTH, PEBBLE_EAB_REQUIRED (true|false),
#   PEBBLE_EAB_KEYS (a JSON object kid -> key), PEBBLE_VALIDITY (certificate lifetime in seconds), PEBBLE_DNS_SERVER (HOST:PORT Pebble resolves
#   through; default: the challtestsrv started here), CP_CHALLTESTSRV_HTTP01=1 (challtestsrv
#   also answers http-01 on Pebble's validation port, for its /add-http01 API).
#
# Exported by cp_start_pebble: PEBBLE_URL, PEBBLE_CA_BUNDLE, PEBBLE_ROOT, PEBBLE_INTERMEDIATE,
#   PEBBLE_MGMT_URL, CHALLTESTSRV_URL, CHALLTESTSRV_DNS_PORT, PEBBLE_HTTP_PORT, PEBBLE_TLS_PORT,
#   CP_WORK.

CP_PIDS=()
CP_ADDRS=()
CP_WORK=""
CP_LAST_RC=0
CP_LAST_ERR=""
CP_LAST_OUT=""

cp_log() { printf '%s\n' "$*" >&2; }

# Fail the test: one FAIL line on stderr, exit 1 (the EXIT trap cleans up).
cp_fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# cp_require CMD... : each command must be on PATH.
cp_require() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || cp_fail "$c is not installed (scripts/deps.sh installs it)"
    done
}

# Stop PIDS: SIGTERM to all, a bounded wait (5 s in all), then SIGKILL.
cp_stop_pids() {
    local pid alive
    [ $# -gt 0 ] || return 0
    for pid in "$@"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 50); do
        alive=0
        for pid in "$@"; do
            if kill -0 "$pid" 2>/dev/null; then
                alive=1
                break
            fi
        done
        [ "$alive" = 1 ] || break
        sleep 0.1
    done
    for pid in "$@"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# Print the last lines of every log in the work dir (on failure).
cp_show_logs() {
    local f
    [ -n "$CP_WORK" ] && [ -d "$CP_WORK" ] || return 0
    while IFS= read -r f; do
        printf -- '--- %s (last 15 lines)\n' "${f#"$CP_WORK"/}" >&2
        tail -n 15 "$f" >&2 || true
    done < <(find "$CP_WORK" -name '*.log' -type f -size +0 2>/dev/null | sort)
}

# Debian's Pebble 2.4 can deadlock under concurrent load (its authorization
# handler holds an authorization's lock while it waits for its store's read
# lock, which waits behind a writer (a certificate, an authorization), which
# waits behind newOrder's reuse search, which waits for that authorization:
# every request then times out). cp_pebble_deadlocked asks Pebble for its
# goroutine dump (SIGQUIT: Pebble exits) and is true when the dump shows that
# state; CP_PEBBLE_BLOCKED counts the goroutines waiting for a lock.
cp_pebble_deadlocked() {
    local log=$CP_WORK/pebble/pebble.log from
    [ -n "${PEBBLE_PID:-}" ] && kill -0 "$PEBBLE_PID" 2>/dev/null && [ -f "$log" ] || return 1
    from=$(($(stat -c %s "$log") + 1))  # only this dump, not one of a Pebble before a restart
    kill -QUIT "$PEBBLE_PID" 2>/dev/null || return 1
    for _ in $(seq 1 20); do kill -0 "$PEBBLE_PID" 2>/dev/null || break; sleep 0.1; done
    CP_PEBBLE_BLOCKED=$(tail -c +"$from" "$log" | grep -c 'semacquire' || true)
    [ "${CP_PEBBLE_BLOCKED:-0}" -gt 0 ] && tail -c +"$from" "$log" | grep -q 'FindValidAuthorization'
}

# After a failure: one line tells the reader that the CA, not certpilot, stopped answering.
cp_pebble_deadlock_note() {
    if cp_pebble_deadlocked; then
        printf 'NOTE: Pebble was deadlocked (%s goroutines waiting for a lock, one in FindValidAuthorization; see pebble.log): a Pebble 2.4 bug, not certpilot'"'"'s\n' \
            "$CP_PEBBLE_BLOCKED" >&2
    fi
}

# EXIT trap: stop what was started, show logs if the test failed, remove the work dir.
cp_cleanup() {
    local rc=$?
    trap - EXIT
    [ "$rc" = 0 ] || cp_pebble_deadlock_note
    cp_stop_pids "${CP_PIDS[@]}"
    CP_PIDS=()
    cp_release_addrs
    if [ "$rc" != 0 ] && [ "${CP_QUIET_LOGS:-0}" != 1 ]; then
        cp_show_logs
    fi
    if [ -n "$CP_WORK" ] && [ -d "$CP_WORK" ]; then
        if [ "${CP_KEEP:-0}" = 1 ]; then
            cp_log "work directory kept: $CP_WORK"
        else
            rm -rf "$CP_WORK"
        fi
    fi
    exit "$rc"
}

# Build the freeport tool with the system C compiler into the work dir.
cp_build_freeport() {
    local src=$CP_SOURCE_DIR/tests/tools/freeport.c
    [ -f "$src" ] || cp_fail "cannot find $src"
    "${CC:-cc}" -std=c11 -O2 -Wall -Wextra -o "$CP_WORK/freeport" "$src" ||
        cp_fail "cannot build $src (is a C compiler installed?)"
    FREEPORT=$CP_WORK/freeport
}

cp_harness_init() {
    CP_WORK=$(mktemp -d "${TMPDIR:-/tmp}/certpilot-it.XXXXXX") || cp_fail "mktemp failed"
    export CP_WORK
    trap cp_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if [ -z "${CP_SOURCE_DIR:-}" ]; then
        CP_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    fi
    export CP_SOURCE_DIR
    : "${CERTPILOT:=$CP_SOURCE_DIR/build/certpilot}"
    export CERTPILOT
    if [ -z "${FREEPORT:-}" ]; then
        cp_build_freeport
    fi
    [ -x "$FREEPORT" ] || cp_fail "freeport tool not found at $FREEPORT"
    export FREEPORT
}

# Bounded wait (10 s) until a URL answers at all: cp_wait_url URL [curl args...]
cp_wait_url() {
    local url=$1
    shift
    for _ in $(seq 1 100); do
        curl -s -o /dev/null --max-time 1 "$@" "$url" && return 0
        sleep 0.1
    done
    return 1
}

# A throw-away CA and a certificate for localhost/127.0.0.1 for Pebble's own TLS
# (the CA is what --ca-bundle takes). Made once per work dir.
cp_make_tls() {
    local d=$CP_WORK/tls
    PEBBLE_CA_BUNDLE=$d/ca.pem
    export PEBBLE_CA_BUNDLE
    [ -s "$d/cert.pem" ] && return 0
    mkdir -p "$d"
    {
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
            -subj "/CN=certpilot test TLS CA" -keyout "$d/ca.key" -out "$d/ca.pem" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
                -keyout "$d/key.pem" -out "$d/csr.pem" &&
            printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' 'basicConstraints=critical,CA:FALSE' \
                'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' >"$d/ext.cnf" &&
            openssl x509 -req -in "$d/csr.pem" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
                -days 2 -extfile "$d/ext.cnf" -out "$d/cert.pem"
    } >"$d/openssl.out" 2>&1 || {
        cat "$d/openssl.out" >&2
        cp_fail "cannot make the TLS certificate for Pebble"
    }
}

# Start pebble in the background with the config in the work dir and the
# switches the caller set; its PID in PEBBLE_PID (and CP_PIDS).
cp_run_pebble() {
    local dir=$CP_WORK/pebble
    local -a penv
    penv=(PEBBLE_VA_NOSLEEP=1 "PEBBLE_WFE_NONCEREJECT=${PEBBLE_WFE_NONCEREJECT:-0}"
        "PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0}")
    [ -z "${PEBBLE_ALTERNATE_ROOTS:-}" ] || penv+=("PEBBLE_ALTERNATE_ROOTS=$PEBBLE_ALTERNATE_ROOTS")
    [ -z "${PEBBLE_CHAIN_LENGTH:-}" ] || penv+=("PEBBLE_CHAIN_LENGTH=$PEBBLE_CHAIN_LENGTH")
    [ -z "${PEBBLE_VA_ALWAYS_VALID:-}" ] || penv+=("PEBBLE_VA_ALWAYS_VALID=$PEBBLE_VA_ALWAYS_VALID")
    env "${penv[@]}" pebble -config "$dir/config.json" \
        -dnsserver "${PEBBLE_DNS_SERVER:-127.0.0.1:$CHALLTESTSRV_DNS_PORT}" >>"$dir/pebble.log" 2>&1 &
    PEBBLE_PID=$!
    CP_PIDS+=("$PEBBLE_PID")
}

# Restart Pebble on the same ports: it forgets every account and makes a new
# issuing root (PEBBLE_ROOT is fetched again).
cp_restart_pebble() {
    cp_stop_pids "$PEBBLE_PID"
    cp_run_pebble
    cp_wait_url "$PEBBLE_URL" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "Pebble did not come back after a restart"
    curl -sSf --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" -o "$PEBBLE_ROOT" "$PEBBLE_MGMT_URL/roots/0" ||
        cp_fail "cannot fetch Pebble's issuing root after a restart"
}

# One attempt at starting challtestsrv + Pebble on fresh ports. Returns 1 when a
# process died or did not answer in time; the attempt's PIDs are in CP_ATTEMPT_PIDS.
cp_try_start() {
    local dir=$CP_WORK/pebble ports cpid ppid ready http01=""
    CP_ATTEMPT_PIDS=()
    mkdir -p "$dir"
    mapfile -t ports < <("$FREEPORT" -u 6)
    [ "${#ports[@]}" = 6 ] || {
        cp_log "freeport gave no ports"
        return 1
    }
    PEBBLE_PORT=${ports[0]} PEBBLE_MGMT_PORT=${ports[1]} CHALLTESTSRV_DNS_PORT=${ports[2]}
    CHALLTESTSRV_MGMT_PORT=${ports[3]} PEBBLE_HTTP_PORT=${ports[4]} PEBBLE_TLS_PORT=${ports[5]}

    cat >"$dir/config.json" <<JSON
{
  "pebble": {
    "listenAddress": "127.0.0.1:$PEBBLE_PORT",
    "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
    "certificate": "$CP_WORK/tls/cert.pem",
    "privateKey": "$CP_WORK/tls/key.pem",
    "httpPort": $PEBBLE_HTTP_PORT,
    "tlsPort": $PEBBLE_TLS_PORT,
    "ocspResponderURL": "",${PEBBLE_VALIDITY:+
    \"certificateValidityPeriod\": $PEBBLE_VALIDITY,}
    "externalAccountBindingRequired": ${PEBBLE_EAB_REQUIRED:-false}${PEBBLE_EAB_KEYS:+,
    \"externalAccountMACKeys\": $PEBBLE_EAB_KEYS}
  }
}
JSON

    # http-01 answers from challtestsrv itself only on request (it would take Pebble's
    # validation port, which the standalone and webroot tests need for themselves).
    if [ "${CP_CHALLTESTSRV_HTTP01:-0}" = 1 ]; then
        http01="127.0.0.1:$PEBBLE_HTTP_PORT,[::1]:$PEBBLE_HTTP_PORT"
    fi
    pebble-challtestsrv -dns01 "127.0.0.1:$CHALLTESTSRV_DNS_PORT" \
        -management "127.0.0.1:$CHALLTESTSRV_MGMT_PORT" \
        -http01 "$http01" -https01 "" -tlsalpn01 "" >"$dir/challtestsrv.log" 2>&1 &
    cpid=$!
    CP_PIDS+=("$cpid")
    CP_ATTEMPT_PIDS+=("$cpid")

    cp_run_pebble
    ppid=$PEBBLE_PID
    CP_ATTEMPT_PIDS+=("$ppid")

    # Bounded: 100 x 0.1 s. Ready = both alive and every port answering.
    for _ in $(seq 1 100); do
        if ! kill -0 "$cpid" 2>/dev/null; then
            cp_log "pebble-challtestsrv exited at start"
            return 1
        fi
        if ! kill -0 "$ppid" 2>/dev/null; then
            cp_log "pebble exited at start"
            return 1
        fi
        ready=1
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$CHALLTESTSRV_MGMT_PORT/" || ready=0
        [ "$ready" = 0 ] || curl -s -o /dev/null --max-time 1 --cacert "$PEBBLE_CA_BUNDLE" \
            "https://127.0.0.1:$PEBBLE_PORT/dir" || ready=0
        [ "$ready" = 0 ] || curl -s -o /dev/null --max-time 1 --cacert "$PEBBLE_CA_BUNDLE" \
            "https://127.0.0.1:$PEBBLE_MGMT_PORT/roots/0" || ready=0
        if [ "$ready" = 1 ] && command -v dig >/dev/null 2>&1; then
            dig +short +time=1 +tries=1 @127.0.0.1 -p "$CHALLTESTSRV_DNS_PORT" A ready.example.test \
                2>/dev/null | grep -q . || ready=0
        fi
        [ "$ready" = 0 ] || return 0
        sleep 0.1
    done
    cp_log "Pebble or pebble-challtestsrv did not answer within 10 s"
    return 1
}

# Start Pebble with pebble-challtestsrv as its DNS on free loopback ports and
# export what tests need (see the top of this file). Up to 3 attempts.
cp_start_pebble() {
    local attempt pid rest
    cp_require pebble pebble-challtestsrv openssl curl
    [ -n "$CP_WORK" ] || cp_fail "cp_harness_init first"
    cp_make_tls
    for attempt in 1 2 3; do
        if cp_try_start; then
            break
        fi
        cp_log "Pebble start attempt $attempt failed; logs:"
        cp_show_logs
        cp_stop_pids "${CP_ATTEMPT_PIDS[@]}"
        rest=()
        for pid in "${CP_PIDS[@]}"; do
            case " ${CP_ATTEMPT_PIDS[*]} " in
            *" $pid "*) ;;
            *) rest+=("$pid") ;;
            esac
        done
        CP_PIDS=("${rest[@]}")
        [ "$attempt" != 3 ] || cp_fail "could not start Pebble (3 attempts)"
    done

    PEBBLE_URL="https://localhost:$PEBBLE_PORT/dir"
    PEBBLE_MGMT_URL="https://localhost:$PEBBLE_MGMT_PORT"
    CHALLTESTSRV_URL="http://127.0.0.1:$CHALLTESTSRV_MGMT_PORT"
    PEBBLE_ROOT=$CP_WORK/pebble/root.pem
    PEBBLE_INTERMEDIATE=$CP_WORK/pebble/intermediate.pem
    curl -sSf --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" -o "$PEBBLE_ROOT" "$PEBBLE_MGMT_URL/roots/0" ||
        cp_fail "cannot fetch Pebble's issuing root from $PEBBLE_MGMT_URL/roots/0"
    curl -sSf --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" -o "$PEBBLE_INTERMEDIATE" \
        "$PEBBLE_MGMT_URL/intermediates/0" ||
        cp_fail "cannot fetch Pebble's intermediate from $PEBBLE_MGMT_URL/intermediates/0"
    export PEBBLE_URL PEBBLE_MGMT_URL CHALLTESTSRV_URL CHALLTESTSRV_DNS_PORT PEBBLE_ROOT \
        PEBBLE_INTERMEDIATE PEBBLE_HTTP_PORT PEBBLE_TLS_PORT PEBBLE_CA_BUNDLE CP_WORK
}

# certpilot against this Pebble, with its state in the work dir.
# cp_ca_has_ari [URL]: the CA's directory (default $PEBBLE_URL) names renewalInfo (RFC 9773).
# Pebble 2.4 (Debian 12) has none, Pebble 2.6 (Debian 13) has it: tests whose expectations
# depend on it ask, and check the behaviour that follows.
cp_ca_has_ari() {
    curl -fsS --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" "${1:-$PEBBLE_URL}" | grep -q '"renewalInfo"'
}

cp_certpilot() {
    [ -x "$CERTPILOT" ] || cp_fail "certpilot binary not found at $CERTPILOT (build first)"
    "$CERTPILOT" --root "$CP_WORK/state" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" "$@"
}

# cp_expect_fail CMD... : the command must exit non-zero. Its exit code is kept
# in CP_LAST_RC, its stderr in CP_LAST_ERR and its stdout in CP_LAST_OUT.
cp_expect_fail() {
    CP_LAST_RC=0
    "$@" >"$CP_WORK/last.out" 2>"$CP_WORK/last.err" || CP_LAST_RC=$?
    CP_LAST_ERR=$(cat "$CP_WORK/last.err")
    # shellcheck disable=SC2034 # read by the tests
    CP_LAST_OUT=$(cat "$CP_WORK/last.out")
    [ "$CP_LAST_RC" != 0 ] || cp_fail "expected failure, but it succeeded: $*"
}

# After cp_expect_fail: exit code RC and, when given, NEEDLE in stderr.
cp_check_err() {
    [ "$CP_LAST_RC" = "$1" ] || cp_fail "exit status $CP_LAST_RC, expected $1; stderr: $CP_LAST_ERR"
    [ $# -lt 2 ] || cp_assert_contains "$CP_LAST_ERR" "$2"
}

# After cp_expect_fail: stderr is exactly one line starting with "certpilot: ".
cp_check_one_line() {
    [ "$(printf '%s\n' "$CP_LAST_ERR" | wc -l)" = 1 ] ||
        cp_fail "expected one line on stderr, got: $CP_LAST_ERR"
    cp_assert_contains "$CP_LAST_ERR" "certpilot: "
}

# cp_assert_contains TEXT NEEDLE
cp_assert_contains() {
    case "$1" in
    *"$2"*) ;;
    *) cp_fail "expected \"$2\" in: $1" ;;
    esac
}

# The SAN DNS names of a PEM certificate, sorted, one per line.
cp_cert_names() {
    openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null |
        tr ',' '\n' | sed -n 's/^ *DNS://p' | LC_ALL=C sort
}

# cp_verify_cert DIR NAME... : the four files exist, privkey.pem is 0600, the
# certificate chains to Pebble's issuing root through chain.pem, its DNS names
# are exactly NAME..., the key matches and fullchain.pem is cert.pem + chain.pem.
# Prints what failed and returns 1.
cp_verify_cert() {
    local dir=$1 f want got mode
    shift
    for f in cert.pem chain.pem fullchain.pem privkey.pem; do
        if [ ! -s "$dir/$f" ]; then
            cp_log "FAIL: $dir/$f is missing or empty"
            return 1
        fi
    done
    mode=$(stat -L -c %a "$dir/privkey.pem")
    if [ "$mode" != 600 ]; then
        cp_log "FAIL: $dir/privkey.pem has mode $mode, not 600"
        return 1
    fi
    if ! openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$dir/chain.pem" "$dir/cert.pem" >"$CP_WORK/verify.out" 2>&1; then
        cp_log "FAIL: $dir/cert.pem does not verify against Pebble's root: $(cat "$CP_WORK/verify.out")"
        return 1
    fi
    want=$(printf '%s\n' "$@" | LC_ALL=C sort)
    got=$(cp_cert_names "$dir/cert.pem")
    if [ "$want" != "$got" ]; then
        cp_log "FAIL: names in $dir/cert.pem: want [$(printf '%s' "$want" | tr '\n' ' ')]" \
            "got [$(printf '%s' "$got" | tr '\n' ' ')]"
        return 1
    fi
    if [ "$(openssl pkey -in "$dir/privkey.pem" -pubout 2>&1)" != \
        "$(openssl x509 -in "$dir/cert.pem" -noout -pubkey 2>&1)" ]; then
        cp_log "FAIL: the key in $dir/privkey.pem is not the key of $dir/cert.pem"
        return 1
    fi
    if ! cat "$dir/cert.pem" "$dir/chain.pem" | cmp -s - "$dir/fullchain.pem"; then
        cp_log "FAIL: $dir/fullchain.pem is not cert.pem followed by chain.pem"
        return 1
    fi
    return 0
}

# cp_claim_addr VAR: put a loopback address of this test's own into VAR. It is
# added to lo as 127.53.X.Y/32 (root only): BIND listens only on addresses an
# interface has, and a propagation check asks name servers on port 53, so
# every test BIND gets an address where port 53 is its own. `ip addr add`
# fails for an address that exists, so two tests never share one.
# cp_cleanup removes the addresses again.
cp_claim_addr() {
    local a
    command -v ip >/dev/null 2>&1 || cp_fail "ip is not installed (iproute2; scripts/deps.sh installs it)"
    for _ in $(seq 1 50); do
        a=127.53.$((RANDOM % 256)).$((RANDOM % 254 + 1))
        if ip addr add "$a/32" dev lo 2>/dev/null; then
            CP_ADDRS+=("$a")
            printf -v "$1" '%s' "$a"
            return 0
        fi
    done
    cp_fail "cannot add a loopback address to lo (needs root: ip addr add 127.53.X.Y/32 dev lo)"
}

cp_release_addrs() {
    local a
    for a in "${CP_ADDRS[@]}"; do
        ip addr del "$a/32" dev lo 2>/dev/null || true
    done
    CP_ADDRS=()
}

# cp_start_bind DIR ADDR PORT ZONE CONF: run a copy of named from DIR, listening
# on ADDR:PORT (UDP and TCP) and nowhere else, authoritative only, with the
# top-level statements CONF (keys, zones, controls) in its configuration and
# a query log in DIR/named.log. Waits (10 s at most) until it answers SOA for
# ZONE; its PID in BIND_PID (and CP_PIDS).
cp_start_bind() {
    local dir=$1 addr=$2 port=$3 zone=$4 conf=$5 named rd
    named=$(PATH=$PATH:/usr/sbin:/sbin command -v named) || cp_fail "named is not installed (bind9)"
    cp_require dig
    mkdir -p "$dir"
    # a copy: Debian's AppArmor profile for /usr/sbin/named keeps it inside /etc/bind
    cp "$named" "$dir/named"
    case "$conf" in
    *controls*) ;;
    *) conf="controls { };
$conf" ;;
    esac
    cat >"$dir/named.conf" <<CONF
options {
    directory "$dir";
    pid-file "$dir/named.pid";
    session-keyfile "$dir/session.key";
    managed-keys-directory "$dir";
    listen-on port $port { $addr; };
    listen-on-v6 { none; };
    recursion ${CP_BIND_RECURSION:-no};
    dnssec-validation no;
    notify no;
    querylog yes;
};
$conf
CONF
    "$dir/named" -g -c "$dir/named.conf" >"$dir/named.log" 2>&1 &
    # a resolver answers what it is asked to look up; an authoritative server its own zones
    rd=+norecurse
    [ "${CP_BIND_RECURSION:-no}" = no ] || rd=+recurse
    BIND_PID=$!
    CP_PIDS+=("$BIND_PID")
    for _ in $(seq 1 100); do
        kill -0 "$BIND_PID" 2>/dev/null || cp_fail "named in $dir exited at start"
        dig +short "$rd" +time=1 +tries=1 @"$addr" -p "$port" SOA "$zone" 2>/dev/null | grep -q . && return 0
        sleep 0.1
    done
    cp_fail "named in $dir did not answer SOA $zone on $addr:$port within 10 s"
}

# cp_start_ari_proxy CONTROL LOG: tests/fakes/ari_proxy.py in front of the running
# Pebble (which has no ARI), answering renewalInfo from the JSON file CONTROL and
# logging to LOG; sets ARI_PROXY_URL (the proxied directory).
cp_start_ari_proxy() {
    local port pebble_port
    port=$("$FREEPORT")
    pebble_port=${PEBBLE_URL##*:}
    pebble_port=${pebble_port%%/*}
    python3 "$CP_SOURCE_DIR/tests/fakes/ari_proxy.py" --listen "$port" \
        --upstream "127.0.0.1:$pebble_port" --ca-bundle "$PEBBLE_CA_BUNDLE" \
        --cert "$CP_WORK/tls/cert.pem" --key "$CP_WORK/tls/key.pem" \
        --control "$1" --log "$2" >"$CP_WORK/ari-proxy.log" 2>&1 &
    CP_PIDS+=("$!")
    ARI_PROXY_URL=https://localhost:$port/dir
    cp_wait_url "$ARI_PROXY_URL" --cacert "$PEBBLE_CA_BUNDLE" || cp_fail "the ARI proxy did not start"
}
