# shellcheck shell=bash
# bench/lib.sh — what bench/run.sh and bench/batch.sh share: installing the
# peers, building certpilot and bench/measure.c, starting Pebble through the
# integration harness, measuring one run, and how each client is invoked.
#
# The caller sets, before sourcing: SRC (repository root, also the current
# directory), BENCH ($SRC/bench), CLIENTS (clients to install when missing),
# INSTR (1: also install valgrind), INSTALL (0: install nothing). Then it calls
# bench_setup, which starts Pebble and sets MEASURE, DNS_PORT, CP_MISSING
# (calling the caller's bench_before_pebble first, when it has one).
# shellcheck disable=SC2034 # PRE/CMD/ENVS and others are read by the callers

blog() { printf 'bench: %s\n' "$*" >&2; }

# ---------------------------------------------------------------- set-up ----
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

# The peers and the measuring tools come from Debian; only what is missing.
install_missing() {
    local p missing=()
    for p in uacme lego certbot; do
        case " $CLIENTS " in *" $p "*) command -v "$p" >/dev/null || missing+=("$p") ;; esac
    done
    [ -x /usr/bin/time ] || missing+=(time)
    if [ "$INSTR" = 1 ] && ! command -v valgrind >/dev/null; then missing+=(valgrind); fi
    command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null || missing+=(pebble)
    command -v cc >/dev/null || missing+=(gcc libc6-dev)
    command -v unshare >/dev/null || missing+=(util-linux)
    [ ${#missing[@]} -gt 0 ] || return 0
    if [ "$INSTALL" = 0 ] || ! command -v apt-get >/dev/null; then
        blog "not installing ${missing[*]} (--no-install or no apt-get); those are reported missing"
        return 0
    fi
    blog "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root timeout 600 apt-get update -q >/dev/null || blog "apt-get update failed"
    as_root timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
        blog "apt-get install failed; missing clients are reported as such"
}

# Install what is missing, build certpilot, start Pebble and build the measuring
# helper. Sets CERTPILOT, CP_MISSING, DNS_PORT, MEASURE and the harness variables.
bench_setup() {
    install_missing

    # certpilot and the harness's freeport tool.
    : "${CERTPILOT:=$SRC/build/certpilot}"
    : "${FREEPORT:=$SRC/build/tests/freeport}"
    if [ ! -x "$CERTPILOT" ]; then
        blog "building certpilot"
        if [ -f scripts/build.sh ]; then
            timeout 1800 bash scripts/build.sh >&2 || blog "build failed"
        else
            { cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && timeout 1800 cmake --build build -j"$(nproc)"; } >&2 ||
                blog "build failed"
        fi
    fi
    CP_MISSING=""
    [ -x "$CERTPILOT" ] || CP_MISSING="not built ($CERTPILOT)"
    # Without a built freeport the harness compiles its own into the work dir.
    [ -x "$FREEPORT" ] || unset FREEPORT
    export CERTPILOT CP_SOURCE_DIR=$SRC
    [ -z "${FREEPORT:-}" ] || export FREEPORT

    if [ ! -f tests/integration/lib.sh ]; then
        blog "tests/integration/lib.sh (the integration harness) is missing"
        exit 1
    fi
    # shellcheck source-path=SCRIPTDIR/.. source=tests/integration/lib.sh
    source tests/integration/lib.sh
    cp_harness_init # its EXIT trap stops Pebble and removes the work dir
    # A caller that needs something before Pebble (bench/dns.sh: the BIND that
    # Pebble resolves through) defines bench_before_pebble.
    if declare -F bench_before_pebble >/dev/null; then bench_before_pebble; fi
    export PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
    cp_start_pebble
    # The machine's own trust settings must not steer any client: each is given
    # Pebble's CA explicitly below.
    unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE LEGO_CA_CERTIFICATES
    export CP_BENCH_HOOK=$SRC/examples/hooks/challtestsrv CHALLTESTSRV_URL
    DNS_PORT=${CHALLTESTSRV_DNS_PORT:-${CHALL_DNS_PORT:-}} # challtestsrv's DNS, for lego's own check

    # The measuring helper (bench/measure.c); /usr/bin/time if it cannot work here.
    MEASURE=$CP_WORK/bin/measure
    mkdir -p "$CP_WORK/bin"
    if [ -n "${BENCH_NO_MEASURE:-}" ] || ! { cc -O2 -o "$MEASURE" "$BENCH/measure.c" 2>"$CP_WORK/bin/cc.log" &&
        "$MEASURE" -o "$CP_WORK/bin/probe" -- true && grep -q 'self_kib=[0-9]' "$CP_WORK/bin/probe"; }; then
        blog "bench/measure.c cannot be built or cannot trace here; using /usr/bin/time (client-only RSS unknown)"
        MEASURE=""
    fi

}

# RESULT gets "wall_ns=N self_kib=N tree_kib=N cpu_ms=N status=N".
measure_run() {
    local res=$1 out=$2 err=$3 lim=$4 t0 t1 rc
    shift 5
    if [ -n "$MEASURE" ]; then
        "$MEASURE" -t "$lim" -o "$res" -- "$@" >"$out" 2>"$err" </dev/null
        [ -s "$res" ] || echo "wall_ns=0 self_kib=-1 tree_kib=-1 cpu_ms=-1 status=1" >"$res"
        return 0
    fi
    if [ -x /usr/bin/time ]; then
        t0=$(date +%s%N)
        /usr/bin/time -f '%M %U %S' -o "$res.time" timeout -k 5 "$lim" "$@" >"$out" 2>"$err" </dev/null
        rc=$?
        t1=$(date +%s%N)
        tail -n 1 "$res.time" | awk -v w=$((t1 - t0)) -v rc=$rc \
            '{printf "wall_ns=%d self_kib=-1 tree_kib=%d cpu_ms=%d status=%d\n", w, $1, ($2+$3)*1000, rc}' >"$res"
    else
        t0=$(date +%s%N)
        timeout -k 5 "$lim" "$@" >"$out" 2>"$err" </dev/null
        rc=$?
        t1=$(date +%s%N)
        echo "wall_ns=$((t1 - t0)) self_kib=-1 tree_kib=-1 cpu_ms=-1 status=$rc" >"$res"
    fi
}
field() { sed -n "s/.*\\b$2=\\(-\\{0,1\\}[0-9]*\\).*/\\1/p" "$1"; }

# ---------------------------------------------------------------- clients ----
# client_cmd CLIENT STATE MODE [NAME...] sets PRE (a wrapper that must stay
# outermost, e.g. uacme's namespace), CMD (the client itself) and ENVS
# (NAME=VALUE for the client). MODE: account | issue.
EMAIL=bench@example.test
# shellcheck disable=SC2016 # expanded by the inner sh
UACME_NS='mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"'
client_cmd() {
    local c=$1 st=$2 mode=$3 n a=()
    shift 3
    PRE=() CMD=() ENVS=()
    case $c in
    certpilot)
        CMD=("$CERTPILOT" --root "$st" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE")
        if [ "$mode" = account ]; then
            CMD+=(account new --agree-tos --email "$EMAIL")
        else
            for n in "$@"; do a+=(-d "$n"); done
            CMD+=(issue "${a[@]}" --hook "$SRC/examples/hooks/challtestsrv")
        fi
        ;;
    uacme)
        # uacme has no option for a CA file: its libcurl (GnuTLS) reads the
        # built-in /etc/ssl/certs/ca-certificates.crt. In a private mount
        # namespace that path shows Pebble's CA instead; TLS verification stays on
        # and the machine's own trust store is not touched.
        PRE=(unshare -m sh -c "$UACME_NS" "$PEBBLE_CA_BUNDLE")
        CMD=(uacme -a "$PEBBLE_URL" -c "$st" -t EC -b 256)
        if [ "$mode" = account ]; then
            CMD+=(-y new "$EMAIL")
        else
            CMD+=(-h "$BENCH/hooks/dns01-only" issue "$@")
        fi
        ;;
    lego)
        # lego cannot register without issuing: its "account" step is the
        # warm-up certificate. Polling interval 0 and no sequence interval:
        # lego's defaults sleep 2 s before its DNS check and 60 s between names.
        ENVS=(LEGO_CA_CERTIFICATES="$PEBBLE_CA_BUNDLE" EXEC_PATH="$BENCH/hooks/lego-exec"
            EXEC_POLLING_INTERVAL=0 EXEC_SEQUENCE_INTERVAL=0 EXEC_PROPAGATION_TIMEOUT=30)
        for n in "$@"; do a+=(--domains "$n"); done
        CMD=(lego --server "$PEBBLE_URL" --path "$st" --email "$EMAIL" --accept-tos --key-type ec256
            --dns exec --dns.resolvers "127.0.0.1:$DNS_PORT" --dns.disable-cp "${a[@]}" run)
        ;;
    certbot)
        ENVS=(REQUESTS_CA_BUNDLE="$PEBBLE_CA_BUNDLE")
        CMD=(certbot --server "$PEBBLE_URL" --config-dir "$st/config" --work-dir "$st/work"
            --logs-dir "$st/logs" --non-interactive --max-log-backups 0)
        if [ "$mode" = account ]; then
            CMD+=(register --agree-tos -m "$EMAIL" --no-eff-email)
        else
            for n in "$@"; do a+=(-d "$n"); done
            CMD+=(certonly --manual --preferred-challenges dns
                --manual-auth-hook "$(printf '%q' "$BENCH/hooks/certbot-manual") auth"
                --manual-cleanup-hook "$(printf '%q' "$BENCH/hooks/certbot-manual") cleanup"
                --key-type ecdsa --elliptic-curve secp256r1 --no-directory-hooks
                --cert-name "$1" "${a[@]}")
        fi
        ;;
    esac
}

# The full chain a client stores for certificate NAME.
cert_file() {
    case $1 in
    certpilot) echo "$2/certs/$3/fullchain.pem" ;;
    uacme) echo "$2/$3/cert.pem" ;;
    lego) echo "$2/certificates/$3.crt" ;;
    certbot) echo "$2/config/live/$3/fullchain.pem" ;;
    esac
}

# check_cert FILE NAME... : a certificate for exactly these names, chaining to Pebble's root.
check_cert() {
    local f=$1 want got
    shift
    [ -s "$f" ] || return 1
    openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$f" "$f" >/dev/null 2>&1 || return 1
    want=$(printf '%s\n' "$@" | sort)
    got=$(openssl x509 -in "$f" -noout -ext subjectAltName 2>/dev/null | tr ',' '\n' | sed -n 's/^ *DNS://p' | sort)
    [ "$want" = "$got" ]
}

client_present() {
    case $1 in
    certpilot) [ -z "$CP_MISSING" ] || { WHY=$CP_MISSING; return 1; } ;;
    uacme)
        command -v uacme >/dev/null || { WHY="not installed"; return 1; }
        if ! { [ -f /etc/ssl/certs/ca-certificates.crt ] &&
            unshare -m sh -c "$UACME_NS" "$PEBBLE_CA_BUNDLE" true 2>/dev/null; }; then
            WHY="cannot trust Pebble's CA (no CA option; unshare -m/mount --bind unavailable)"
            return 1
        fi
        ;;
    lego)
        command -v lego >/dev/null || { WHY="not installed"; return 1; }
        [ -n "$DNS_PORT" ] || { WHY="the harness does not tell challtestsrv's DNS port"; return 1; }
        ;;
    *) command -v "$1" >/dev/null || { WHY="not installed"; return 1; } ;;
    esac
}

client_version() {
    local v=""
    case $1 in
    certpilot) v=$("$CERTPILOT" --version 2>/dev/null | head -n 1) v=${v#certpilot } ;;
    *) v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) ;;
    esac
    echo "${v:-?}"
}

# run_one CLIENT STATE TAG MODE TIMEOUT [valgrind args...] -- [NAME...]
# Runs the client once; the result file is $STATE/runs/TAG.res (+ .out, .err).
run_one() {
    local c=$1 st=$2 tag=$3 mode=$4 lim=$5 vg=() e
    shift 5
    while [ $# -gt 0 ] && [ "$1" != -- ]; do vg+=("$1"); shift; done
    shift
    client_cmd "$c" "$st" "$mode" "$@"
    mkdir -p "$st/runs"
    (
        for e in "${ENVS[@]}"; do export "${e?}"; done
        # fewer signals for valgrind to route through Go's runtime
        if [ ${#vg[@]} -gt 0 ] && [ "$c" = lego ]; then export GODEBUG=asyncpreemptoff=1; fi
        measure_run "$st/runs/$tag.res" "$st/runs/$tag.out" "$st/runs/$tag.err" "$lim" -- \
            "${PRE[@]}" "${vg[@]}" "${CMD[@]}"
    )
}

show_err() { # the end of a failed run's output, for the reader
    local why
    why="status $(field "$3/runs/$2.res" status)"
    [ "${why#status }" != 124 ] || why="timed out"
    blog "$1: run $2 failed ($why); last lines of its output:"
    tail -n 5 "$3/runs/$2.err" "$3/runs/$2.out" 2>/dev/null | sed 's/^/    /' >&2
}


ratio() { # ratio A B -> "3.2x" or "-"
    awk -v a="$1" -v b="$2" 'BEGIN{ if (a+0 > 0 && b+0 > 0) printf "%.1fx", a/b; else printf "-" }'
}
kib() { if [ "${1:--1}" -ge 0 ] 2>/dev/null; then echo "$1"; else echo "-"; fi; }
