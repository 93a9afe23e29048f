#!/usr/bin/env bash
# certpilot benchmark, scenario (d) (issues 14 and 17): a name and its wildcard
# through RFC 2136 on a local BIND. The integration harness's DNS testbed
# (tests/integration/dnslib.sh: a real BIND9 on a loopback address of its own,
# port 53, TSIG key, zone example.test) is started, and Pebble resolves through
# it. Each client issues N certificates for wI.example.test and
# *.wI.example.test, publishing the TXT values by DNS UPDATE with TSIG and
# checking propagation itself against that BIND:
#   certpilot  --dns rfc2136 --dns-set key_file=KEY --dns-resolver BIND
#   lego-fast  lego --dns rfc2136 --dns.resolvers BIND:53, with
#              RFC2136_POLLING_INTERVAL=0 and RFC2136_SEQUENCE_INTERVAL=0
#   lego       the same with lego's own defaults (2 s before each check, 60 s
#              between the two challenges of one TXT name); slow: own time limit
# A run counts only if the client exited 0 and its certificate verifies against
# Pebble's root with exactly the two names. Prints the median wall time per
# certificate and each client's ratio to certpilot.
# Then (e): a batch of M such certificates. certpilot issues them in one run
# (--batch --jobs 8), its workers publishing their records together; lego-fast
# one process after another. Counted from BIND's log: the UPDATE messages it
# approved (adds and removals) per certificate. Needs root (ip addr add).
#
# usage: bench/dns.sh [--count N] [--batch M] [--clients LIST] [--timeout S]
#                     [--lego-timeout S] [--no-install] [--out FILE] [--keep]
#
# --count N         timed certificates per client (default 3; the median is shown)
# --batch M         (e): certificates in the batch (default 16; 0 skips (e))
# --clients LIST    of "certpilot lego-fast lego" (default all three)
# --timeout S       limit for one run of certpilot and lego-fast (default 120)
# --lego-timeout S  limit for one run of lego with its defaults (default 150)
# Environment: CERTPILOT, FREEPORT (as for tests/integration/lib.sh).
# Exit status: 0 when certpilot issued all N certificates, 1 otherwise, 2 usage.
set -uo pipefail

COUNT=3 BATCH_E=16 DCLIENTS="certpilot lego-fast lego" RUN_TIMEOUT=120 LEGO_TIMEOUT=150
INSTALL=1 INSTR=0 OUT=""
usage() {
    sed -n '/^# usage:/,/^# Exit status/s/^# \{0,1\}//p' "$0" >&2
    exit "${1:-2}"
}
number() { case $2 in '' | *[!0-9]*) echo "bench: $1 needs a number" >&2; exit 2 ;; esac; }
while [ $# -gt 0 ]; do
    case $1 in
    --count | --batch | --clients | --timeout | --lego-timeout | --out) [ $# -ge 2 ] || usage ;;
    esac
    case $1 in
    --count) number "$1" "$2"; COUNT=$2; shift 2 ;;
    --batch) number "$1" "$2"; BATCH_E=$2; shift 2 ;;
    --clients) DCLIENTS=$2; shift 2 ;;
    --timeout) number "$1" "$2"; RUN_TIMEOUT=$2; shift 2 ;;
    --lego-timeout) number "$1" "$2"; LEGO_TIMEOUT=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    --keep) export CP_KEEP=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "bench: unknown argument: $1" >&2; usage ;;
    esac
done
if [ "$COUNT" -lt 1 ] || [ "$COUNT" -gt 100 ]; then echo "bench: --count must be 1..100" >&2; exit 2; fi
if [ "$BATCH_E" -gt 1000 ]; then echo "bench: --batch must be 0..1000" >&2; exit 2; fi
for c in $DCLIENTS; do
    case $c in certpilot | lego-fast | lego) ;; *) echo "bench: unknown client $c" >&2; exit 2 ;; esac
done
[ -z "$OUT" ] || OUT=$(realpath -m "$OUT")

cd "$(dirname "$0")/.." || exit 1
SRC=$PWD
BENCH=$SRC/bench
CLIENTS=certpilot
case " $DCLIENTS " in *" lego"*) CLIENTS="certpilot lego" ;; esac # what bench_setup installs
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

# Called by bench_setup between the harness's start and Pebble's: the BIND
# testbed, and Pebble resolving through it.
bench_before_pebble() {
    # shellcheck source-path=SCRIPTDIR/.. source=tests/integration/dnslib.sh
    source tests/integration/dnslib.sh
    cp_require dig nsupdate
    dns_keys
    cp_claim_addr DNS_PRIMARY
    cp_claim_addr DNS_DARK # named in the zone dark.test; nothing listens there
    DNS_SECONDARY=""
    dns_start_primary
    export PEBBLE_DNS_SERVER=$DNS_PRIMARY:53
    # lego asks the zone's name server by its host name (ns1.example.test), which
    # only the test BIND knows: lego runs in a private mount namespace whose
    # /etc/hosts has that one line more (the machine's file is not touched).
    { cat /etc/hosts 2>/dev/null; echo "$DNS_PRIMARY ns1.example.test"; } >"$CP_WORK/hosts"
}
bench_setup
[ -n "$OUT" ] && : >"$OUT"
emit() { if [ -n "$OUT" ]; then tee -a "$OUT"; else cat; fi; }

# shellcheck disable=SC2016 # expanded by the inner sh
HOSTS_NS='mount --bind "$0" /etc/hosts && exec "$@"'
# dns_cmd CLIENT STATE NAME...: PRE, CMD and ENVS for one issuance (as client_cmd).
dns_cmd() {
    local c=$1 st=$2 n a=()
    shift 2
    PRE=() CMD=() ENVS=()
    case $c in
    certpilot)
        for n in "$@"; do a+=(-d "$n"); done
        CMD=("$CERTPILOT" --root "$st" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" issue "${a[@]}"
            --dns rfc2136 --dns-set "key_file=$DNS_KEY" --dns-resolver "$DNS_PRIMARY")
        ;;
    lego*)
        # The secret goes through the environment (lego's contract), never argv.
        ENVS=(LEGO_CA_CERTIFICATES="$PEBBLE_CA_BUNDLE" RFC2136_NAMESERVER="$DNS_PRIMARY:53"
            RFC2136_TSIG_KEY="$TSIG_NAME" RFC2136_TSIG_SECRET="$TSIG_SECRET"
            RFC2136_TSIG_ALGORITHM=hmac-sha256.)
        [ "$c" = lego ] || ENVS+=(RFC2136_POLLING_INTERVAL=0 RFC2136_SEQUENCE_INTERVAL=0
            RFC2136_PROPAGATION_TIMEOUT=30)
        for n in "$@"; do a+=(--domains "$n"); done
        PRE=(unshare -m sh -c "$HOSTS_NS" "$CP_WORK/hosts")
        CMD=(lego --server "$PEBBLE_URL" --path "$st" --email "$EMAIL" --accept-tos --key-type ec256
            --dns rfc2136 --dns.resolvers "$DNS_PRIMARY:53" "${a[@]}" run)
        ;;
    esac
}
dns_cert_file() { case $1 in certpilot) cert_file certpilot "$2" "$3" ;; *) cert_file lego "$2" "$3" ;; esac; }

# dns_run CLIENT STATE TAG LIMIT NAME...: one measured run, STATE/runs/TAG.res.
dns_run() {
    local c=$1 st=$2 tag=$3 lim=$4 e
    shift 4
    dns_cmd "$c" "$st" "$@"
    mkdir -p "$st/runs"
    (
        for e in "${ENVS[@]}"; do export "${e?}"; done
        measure_run "$st/runs/$tag.res" "$st/runs/$tag.out" "$st/runs/$tag.err" "$lim" -- "${PRE[@]}" "${CMD[@]}"
    )
}

median() { [ $# -gt 0 ] || { echo -; return; }; printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END {
    if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
secs() { awk -v n="$1" 'BEGIN { if (n + 0 > 0) printf "%.3f", n / 1e9; else printf "-" }'; }

declare -A ROW WALL OKN
FAILED_CP=0
dns_client() {
    local c=$1 st=$CP_WORK/d-$1 lim=$RUN_TIMEOUT i r name ok=0 to=0 wall=() cpu=() self=() v
    [ "$c" != lego ] || lim=$LEGO_TIMEOUT
    v=$(client_version "${c%-fast}" | cut -c1-12)
    if [ "$c" = certpilot ] && [ -n "$CP_MISSING" ]; then ROW[$c]="MISSING: $CP_MISSING"; return; fi
    if [ "$c" != certpilot ] && ! command -v lego >/dev/null; then ROW[$c]="MISSING: lego not installed"; return; fi
    if [ "$c" != certpilot ] && ! unshare -m sh -c "$HOSTS_NS" "$CP_WORK/hosts" true 2>/dev/null; then
        ROW[$c]="MISSING: unshare -m / mount --bind unavailable (lego cannot find ns1.example.test)"
        return
    fi
    mkdir -p "$st"
    # Untimed: the account, and a warm-up certificate of one name (for lego both
    # in its first run: it cannot register without issuing).
    if [ "$c" = certpilot ]; then
        run_one certpilot "$st" account account "$RUN_TIMEOUT" --
        [ "$(field "$st/runs/account.res" status)" = 0 ] || { show_err "$c" account "$st"; ROW[$c]="FAILED: account"; return; }
    fi
    blog "(d) $c: warm-up, then $COUNT certificates of 2 names (limit $lim s each)"
    dns_run "$c" "$st" warmup "$lim" "w0.$c.example.test"
    [ "$(field "$st/runs/warmup.res" status)" = 0 ] || show_err "$c" warmup "$st"
    for i in $(seq 1 "$COUNT"); do
        name=w$i.example.test
        dns_run "$c" "$st" "d$i" "$lim" "$name" "*.$name"
        r=$st/runs/d$i.res
        if [ "$(field "$r" status)" = 0 ] && check_cert "$(dns_cert_file "$c" "$st" "$name")" "$name" "*.$name"; then
            ok=$((ok + 1))
            wall+=("$(field "$r" wall_ns)") cpu+=("$(field "$r" cpu_ms)") self+=("$(field "$r" self_kib)")
        else
            [ "$(field "$r" status)" != 124 ] || to=$((to + 1))
            show_err "$c" "d$i" "$st"
        fi
        blog "(d) $c run $i: status $(field "$r" status), $(secs "$(field "$r" wall_ns)") s"
    done
    OKN[$c]=$ok
    WALL[$c]=$(median "${wall[@]}")
    ROW[$c]=$(printf '%-10s %-12s %5s %8s %8s %8s %7s %8s' "$c" "$v" "$ok/$COUNT" "$(secs "${WALL[$c]}")" \
        "$(secs "$(printf '%s\n' "${wall[@]}" | sort -n | head -n 1)")" \
        "$(secs "$(printf '%s\n' "${wall[@]}" | sort -n | tail -n 1)")" \
        "$(awk -v m="$(median "${cpu[@]}")" 'BEGIN { if (m ~ /^[0-9.]+$/) printf "%.3f", m / 1000; else printf "-" }')" \
        "$(kib "$(median "${self[@]}" | cut -d. -f1)")")
    [ "$to" = 0 ] || ROW[$c]="${ROW[$c]}  ($to timed out at $lim s)"
    if [ "$c" = certpilot ] && [ "$ok" != "$COUNT" ]; then FAILED_CP=1; fi
}

TSIG_NAME=$(sed -n 's/^key "\([^"]*\)".*/\1/p' "$DNS_KEY" | head -n 1)
TSIG_SECRET=$(sed -n 's/.*secret "\([^"]*\)".*/\1/p' "$DNS_KEY" | head -n 1)
blog "BIND at $DNS_PRIMARY:53, Pebble at $PEBBLE_URL resolving through it; (d) N=$COUNT, clients: $DCLIENTS"
for c in $DCLIENTS; do dns_client "$c"; done
{
    echo
    echo "certpilot benchmark — (d) a name and its wildcard through RFC 2136 on a local BIND (issues 14, 17)"
    echo "BIND9 $(named -v 2>/dev/null | awk '{print $2}') at $DNS_PRIMARY:53 (TSIG hmac-sha256), Pebble resolving through it," \
        "VA no-sleep, nonce reject 0%, authz reuse 0%; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg);" \
        "$(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    printf '%-10s %-12s %5s %8s %8s %8s %7s %8s  %s\n' client version ok/N "median s" "min s" "max s" "CPU s" \
        "RSS KiB" "vs certpilot (median wall)"
    for c in $DCLIENTS; do
        cmp=""
        if [ "$c" != certpilot ] && [ "${OKN[$c]:-0}" -gt 0 ] && [ "${OKN[certpilot]:-0}" -gt 0 ]; then
            cmp=$(ratio "${WALL[$c]}" "${WALL[certpilot]}")
        fi
        case ${ROW[$c]} in MISSING* | FAILED*) printf '%-10s %s\n' "$c" "${ROW[$c]}" ;; *) printf '%s  %s\n' "${ROW[$c]}" "$cmp" ;; esac
    done
    echo
    echo "Each run: one certificate for wI.example.test and *.wI.example.test (one TXT name, two values), DNS"
    echo "UPDATE with TSIG, the client's own propagation check against the BIND, Pebble validating through it;"
    echo "OK only if exit 0 and the certificate verifies against Pebble's root with exactly the two names."
    echo "median/min/max s: wall time of the runs that issued a valid certificate; CPU s: median user+system;"
    echo "RSS: peak of the client process. Ratio: lego / certpilot, medians. Target (issue 14): certpilot < 2 s."
    echo "lego-fast: RFC2136_POLLING_INTERVAL=0 RFC2136_SEQUENCE_INTERVAL=0 RFC2136_PROPAGATION_TIMEOUT=30;"
    echo "lego: its defaults (2 s before each propagation check, 60 s between the two challenges of one name)."
} | emit

# ------------------------------------------------------------ scenario (e) ----
declare -A E_ROW E_WALL E_OK
# e_count CLIENT STATE: how many of the batch's certificates verify.
e_count() {
    local i n=0
    for i in $(seq 1 "$BATCH_E"); do
        check_cert "$(dns_cert_file "$1" "$2" "e$i.example.test")" "e$i.example.test" "*.e$i.example.test" && n=$((n + 1))
    done
    echo "$n"
}
e_row() { # e_row CLIENT OK WALL_NS UPDATES EXTRA
    E_OK[$1]=$2 E_WALL[$1]=$3
    E_ROW[$1]=$(printf '%-10s %5s %8s %8s %8s %9s  %s' "$1" "$2/$BATCH_E" "$(secs "$3")" \
        "$(awk -v w="$3" -v n="$BATCH_E" 'BEGIN { printf "%.3f", w / 1e9 / n }')" "$4" \
        "$(awk -v u="$4" -v n="$BATCH_E" 'BEGIN { printf "%.2f", u / n }')" "$5")
}
e_certpilot() {
    local st=$CP_WORK/e-certpilot i u0 r
    mkdir -p "$st"
    run_one certpilot "$st" account account "$RUN_TIMEOUT" -- ||:
    for i in $(seq 1 "$BATCH_E"); do echo "e$i.example.test *.e$i.example.test"; done >"$st/batch.txt"
    u0=$(dns_updates)
    mkdir -p "$st/runs"
    measure_run "$st/runs/e.res" "$st/runs/e.out" "$st/runs/e.err" "$((RUN_TIMEOUT * 4))" -- "$CERTPILOT" -v \
        --root "$st" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" issue --batch "$st/batch.txt" --jobs 8 \
        --dns rfc2136 --dns-set "key_file=$DNS_KEY" --dns-resolver "$DNS_PRIMARY"
    r=$st/runs/e.res
    [ "$(field "$r" status)" = 0 ] || show_err certpilot e "$st"
    e_row certpilot "$(e_count certpilot "$st")" "$(field "$r" wall_ns)" "$(($(dns_updates) - u0))" \
        "$(grep -c 'publishing .* order(s) together' "$st/runs/e.err") publish rounds of up to $(grep -o \
            'publishing [0-9]* TXT record(s) of [0-9]* order(s) together' "$st/runs/e.err" |
            awk '$6 > m { m = $6 } END { print m + 0 }') orders, $(grep -c 'serve every value' \
            "$st/runs/e.err") propagation waits, $(grep -c 'removing .* order(s) together' "$st/runs/e.err") removal rounds"
}
e_lego() {
    local st=$CP_WORK/e-lego i u0 t0 t1
    mkdir -p "$st"
    u0=$(dns_updates) t0=$(date +%s%N)
    for i in $(seq 1 "$BATCH_E"); do
        dns_run lego-fast "$st" "e$i" "$RUN_TIMEOUT" "e$i.example.test" "*.e$i.example.test"
        [ "$(field "$st/runs/e$i.res" status)" = 0 ] || show_err lego-fast "e$i" "$st"
    done
    t1=$(date +%s%N)
    e_row lego-fast "$(e_count lego "$st")" "$((t1 - t0))" "$(($(dns_updates) - u0))" "one process per certificate"
}
if [ "$BATCH_E" -gt 0 ]; then
    blog "(e) $BATCH_E certificates of a name and its wildcard: certpilot in one run, lego-fast one after another"
    e_certpilot
    [ "${E_OK[certpilot]}" = "$BATCH_E" ] || FAILED_CP=1
    case " $DCLIENTS " in *" lego-fast "*) [[ ${ROW[lego-fast]:-} == MISSING* ]] || e_lego ;; esac
    {
        echo
        echo "certpilot benchmark — (e) $BATCH_E certificates of a name and its wildcard through RFC 2136 (issue 17)"
        echo
        printf '%-10s %5s %8s %8s %8s %9s  %s\n' client ok/N "wall s" "s/cert" UPDATEs "per cert" "how"
        for c in certpilot lego-fast; do
            [ -n "${E_ROW[$c]:-}" ] || continue
            cmp=""
            [ "$c" = certpilot ] || cmp="; time $(ratio "${E_WALL[$c]}" "${E_WALL[certpilot]}")"
            echo "${E_ROW[$c]}$cmp"
        done
        echo
        echo "certpilot: issue --batch --jobs 8 --dns rfc2136; the orders ready together publish their records in one"
        echo "round (one UPDATE per zone) with one propagation wait, and remove them together in one UPDATE."
        echo "UPDATEs: messages BIND approved during the run, adds and removals. lego-fast as in (d), sequential."
    } | emit
fi
[ "$FAILED_CP" = 0 ]
