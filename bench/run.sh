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
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
bench_setup

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
