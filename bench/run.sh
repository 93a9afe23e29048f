#!/usr/bin/env bash
# certpilot benchmark: certpilot and its peers (uacme, lego, certbot) each issue
# N certificates, one after another, from the same local Pebble in the same run,
# each certificate for 2 names through dns-01 and a hook that drives
# pebble-challtestsrv. Prints seconds per certificate, CPU, peak RSS and each
# peer's ratio to certpilot. See bench/README.md for how to read the table.
#
# usage: bench/run.sh [--count N] [--clients "certpilot uacme lego certbot"]
#                     [--instructions] [--timeout SECONDS] [--no-install]
#                     [--out FILE] [--keep]
#
# Environment: CERTPILOT, FREEPORT (as for tests/integration/lib.sh).
# Exit status: 0 when certpilot issued all N certificates, 1 otherwise, 2 usage.
set -uo pipefail

COUNT=10
CLIENTS="certpilot uacme lego certbot"
INSTR=0
RUN_TIMEOUT=120 # seconds for one client run (account or certificate)
INSTR_TIMEOUT=900 # one run under cachegrind (certbot is slow there)
INSTALL=1
OUT=""

usage() {
    sed -n '/^# usage:/,/^# Exit status/s/^# \{0,1\}//p' "$0" >&2
    exit "${1:-2}"
}
while [ $# -gt 0 ]; do
    case $1 in
    --count) [ $# -ge 2 ] || usage; COUNT=$2; shift 2 ;;
    --count=*) COUNT=${1#*=}; shift ;;
    --clients) [ $# -ge 2 ] || usage; CLIENTS=$2; shift 2 ;;
    --clients=*) CLIENTS=${1#*=}; shift ;;
    --instructions) INSTR=1; shift ;;
    --timeout) [ $# -ge 2 ] || usage; RUN_TIMEOUT=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --out) [ $# -ge 2 ] || usage; OUT=$2; shift 2 ;;
    --keep) export CP_KEEP=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "bench: unknown argument: $1" >&2; usage ;;
    esac
done
case $COUNT in '' | *[!0-9]*) usage ;; esac
case $RUN_TIMEOUT in '' | *[!0-9]*) usage ;; esac
if [ "$COUNT" -lt 1 ] || [ "$COUNT" -gt 1000 ]; then echo "bench: --count must be 1..1000" >&2; exit 2; fi
for c in $CLIENTS; do
    case $c in certpilot | uacme | lego | certbot) ;; *) echo "bench: unknown client $c" >&2; exit 2 ;; esac
done
[ -z "$OUT" ] || OUT=$(realpath -m "$OUT")

cd "$(dirname "$0")/.." || exit 1
SRC=$PWD
BENCH=$SRC/bench
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

# measure_run RESULT STDOUT STDERR TIMEOUT -- ARGV...
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

declare -A ST VER OKN SECS CPU SELF TREE ACCT INS
bench_client() {
    local c=$1 st=$CP_WORK/$1 i name total=0 cpu=0 self=-1 tree=-1 ok=0 v r f
    VER[$c]=$(client_version "$c")
    if ! client_present "$c"; then
        ST[$c]="MISSING: $WHY"
        return
    fi
    mkdir -p "$st"
    blog "$c ${VER[$c]}: account"
    run_one "$c" "$st" account account "$RUN_TIMEOUT" -- "w.$c.example.test"
    ACCT[$c]=$(awk -v w="$(field "$st/runs/account.res" wall_ns)" 'BEGIN{printf "%.2f", w/1e9}')
    if [ "$(field "$st/runs/account.res" status)" != 0 ]; then
        show_err "$c" account "$st"
        ST[$c]="FAILED: account"
        OKN[$c]=0
        return
    fi
    # One untimed warm-up certificate, so every client starts with a warm page
    # cache (lego's account step above already was one).
    if [ "$c" != lego ]; then
        run_one "$c" "$st" warmup issue "$RUN_TIMEOUT" -- "w.$c.example.test"
        [ "$(field "$st/runs/warmup.res" status)" = 0 ] || show_err "$c" warmup "$st"
    fi
    blog "$c: issuing $COUNT certificates"
    for i in $(seq 1 "$COUNT"); do
        name=b$i.example.test
        run_one "$c" "$st" "$i" issue "$RUN_TIMEOUT" -- "$name" "www.$name"
        r=$st/runs/$i.res
        total=$((total + $(field "$r" wall_ns)))
        v=$(field "$r" cpu_ms)
        if [ "${v:--1}" -ge 0 ]; then cpu=$((cpu + v)); fi
        v=$(field "$r" self_kib)
        if [ "${v:--1}" -gt "$self" ]; then self=$v; fi
        v=$(field "$r" tree_kib)
        if [ "${v:--1}" -gt "$tree" ]; then tree=$v; fi
        f=$(cert_file "$c" "$st" "$name")
        if [ "$(field "$r" status)" = 0 ] && check_cert "$f" "$name" "www.$name"; then
            ok=$((ok + 1))
        else
            show_err "$c" "$i" "$st"
            [ "$(field "$r" status)" != 0 ] || blog "$c: run $i exited 0 but $f is not a valid certificate for $name"
        fi
    done
    OKN[$c]=$ok
    SECS[$c]=$(awk -v t="$total" -v n="$COUNT" 'BEGIN{printf "%.3f", t/n/1e9}')
    CPU[$c]=$(awk -v t="$cpu" -v n="$COUNT" 'BEGIN{printf "%.3f", t/n/1e3}')
    SELF[$c]=$self TREE[$c]=$tree
    if [ "$ok" = "$COUNT" ]; then ST[$c]=ok; else ST[$c]="FAILED: $((COUNT - ok)) of $COUNT"; fi

    if [ "$INSTR" = 1 ] && command -v valgrind >/dev/null; then
        blog "$c: one more certificate under cachegrind"
        name=i1.example.test
        run_one "$c" "$st" instr issue "$INSTR_TIMEOUT" valgrind --tool=cachegrind --cache-sim=no \
            --trace-children=no "--cachegrind-out-file=$st/runs/cachegrind.out" -- "$name" "www.$name"
        if [ "$(field "$st/runs/instr.res" status)" = 0 ] &&
            check_cert "$(cert_file "$c" "$st" "$name")" "$name" "www.$name"; then
            INS[$c]=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$st/runs/cachegrind.out" | head -n 1)
        else
            show_err "$c" instr "$st"
        fi
        rm -f "$st/runs/cachegrind.out"
    fi
}

blog "Pebble at $PEBBLE_URL (VA no-sleep, nonce reject 0%, authz reuse 0%); $COUNT certificates per client"
for c in $CLIENTS; do
    bench_client "$c"
done

# ------------------------------------------------------------------ table ----
ratio() { # ratio A B -> "3.2x" or "-"
    awk -v a="$1" -v b="$2" 'BEGIN{ if (a+0 > 0 && b+0 > 0) printf "%.1fx", a/b; else printf "-" }'
}
kib() { if [ "${1:--1}" -ge 0 ] 2>/dev/null; then echo "$1"; else echo "-"; fi; }
mi() { if [ -n "${1:-}" ]; then awk -v i="$1" 'BEGIN{printf "%.0f", i/1e6}'; else echo "-"; fi; }

report() {
    local c base=certpilot cmp fmt
    fmt='%-10s %-14s %7s %8s %8s %9s %9s %7s'
    echo
    echo "certpilot benchmark: $COUNT certificates per client, 2 names each, dns-01 via challtestsrv hook"
    echo "Pebble VA no-sleep, nonce reject 0%, authz reuse 0%; $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    # shellcheck disable=SC2059
    printf "$fmt" client version "ok/N" "s/cert" "CPU s" "RSS KiB" "tree KiB" "acct s"
    [ "$INSTR" = 1 ] && printf ' %8s' "Minstr"
    printf '  %s\n' "vs certpilot"
    for c in $CLIENTS; do
        if [ "${ST[$c]}" != ok ] && [ -z "${SECS[$c]:-}" ]; then
            printf '%-10s %-14s %s\n' "$c" "${VER[$c]:0:14}" "${ST[$c]}"
            continue
        fi
        # shellcheck disable=SC2059
        printf "$fmt" "$c" "${VER[$c]:0:14}" "${OKN[$c]}/$COUNT" "${SECS[$c]}" "${CPU[$c]}" \
            "$(kib "${SELF[$c]}")" "$(kib "${TREE[$c]}")" "${ACCT[$c]}"
        [ "$INSTR" = 1 ] && printf ' %8s' "$(mi "${INS[$c]:-}")"
        cmp=""
        if [ "$c" != "$base" ]; then
            if [ -z "${ST[$base]:-}" ]; then
                cmp="no ratio: certpilot not in this run"
            elif [ "${ST[$base]}" = ok ] && [ "${ST[$c]}" = ok ]; then
                cmp="$c/$base time $(ratio "${SECS[$c]}" "${SECS[$base]}"), CPU $(ratio "${CPU[$c]}" "${CPU[$base]}")"
                if [ "${SELF[$c]}" -ge 0 ] && [ "${SELF[$base]}" -ge 0 ]; then
                    cmp="$cmp, RSS $(ratio "${SELF[$c]}" "${SELF[$base]}")"
                else
                    cmp="$cmp, tree RSS $(ratio "${TREE[$c]}" "${TREE[$base]}")"
                fi
                [ "$INSTR" = 1 ] && cmp="$cmp, instr $(ratio "${INS[$c]:-}" "${INS[$base]:-}")"
            else
                cmp="no ratio: not every certificate was issued"
            fi
        fi
        [ "${ST[$c]}" = ok ] || cmp="${ST[$c]}${cmp:+; $cmp}"
        printf '  %s\n' "$cmp"
    done
    echo
    echo "s/cert: wall time of N issuances / N. CPU s: user+system per certificate, hooks included."
    echo "RSS KiB: peak RSS of the client process alone; tree KiB: what /usr/bin/time -f %M reports"
    echo "(largest of the client and its hook processes). acct s: account creation (lego: + 1 certificate)."
}

report | tee ${OUT:+"$OUT"}
case " $CLIENTS " in *" certpilot "*) [ "${ST[certpilot]:-}" = ok ] ;; *) true ;; esac
