#!/usr/bin/env bash
# certpilot batch benchmark (issue 17): many certificates from one local Pebble,
# every number and every ratio measured in the same run. Three scenarios:
#   (a) one certificate (one name, existing account, EC P-256), median of 5 runs:
#       wall, CPU, peak RSS and HTTP requests per issuance, beside the RFC 8555
#       minimum — certpilot and uacme (and any other client in --clients);
#   (b) COUNT_B certificates of one name each: certpilot in ONE process
#       (--batch, --jobs J) against uacme one process per certificate, one after
#       another and with xargs -P J; lego and certbot one after another with
#       --with-slow-peers;
#   (c) certpilot alone, --jobs J, for COUNT_C/10, 3*COUNT_C/10 and COUNT_C
#       certificates: wall, CPU, peak RSS of the whole process, requests and
#       time per certificate, to show that time grows linearly with N;
#   (d) a name and its wildcard through RFC 2136 on a local BIND, certpilot
#       against lego, median of COUNT_D, and (e) a batch of 16 of them
#       (certpilot in one run, lego one after another): bench/dns.sh, run with
#       its own Pebble.
# Pebble's own CPU time over each row is printed too: it is the floor no client
# can go below. See bench/README.md for how to read the tables.
#
# usage: bench/batch.sh [--count-b N] [--count-c N] [--jobs N] [--clients LIST]
#                       [--with-slow-peers] [--scenarios LIST] [--quick]
#                       [--count-d N] [--timeout SECONDS] [--no-install] [--out FILE] [--keep]
#
# --clients LIST     clients of (a) and (b) (default "certpilot uacme")
# --with-slow-peers  also lego and certbot in (b), one process per certificate
# --scenarios LIST   which of "a b c d" to run (default all; d includes e)
# --count-d N        certificates per client in (d) (default 3)
# --quick            a smoke run: --count-b 8 --count-c 20 --count-d 1 unless given,
#                    and (d) without lego's slow defaults
# Environment: CERTPILOT, FREEPORT (as for tests/integration/lib.sh).
# Exit status: 0 when certpilot issued every certificate it was asked for,
# 1 otherwise, 2 usage.
set -uo pipefail

COUNT_B="" COUNT_C="" COUNT_D="" JOBS=8 CLIENTS="certpilot uacme" SLOW=0 SCENARIOS="a b c d" QUICK=0
RUNS_A=5        # runs of scenario (a); the median is printed
RUN_TIMEOUT=120 # seconds for one single-certificate run
INSTALL=1 INSTR=0 OUT=""

usage() {
    sed -n '/^# usage:/,/^# Exit status/s/^# \{0,1\}//p' "$0" >&2
    exit "${1:-2}"
}
number() { case $2 in '' | *[!0-9]*) echo "bench: $1 needs a number" >&2; exit 2 ;; esac; }
while [ $# -gt 0 ]; do
    case $1 in
    --count-b | --count-c | --count-d | --jobs | --clients | --scenarios | --timeout | --out) [ $# -ge 2 ] || usage ;;
    esac
    case $1 in
    --count-b) number "$1" "$2"; COUNT_B=$2; shift 2 ;;
    --count-c) number "$1" "$2"; COUNT_C=$2; shift 2 ;;
    --count-d) number "$1" "$2"; COUNT_D=$2; shift 2 ;;
    --jobs) number "$1" "$2"; JOBS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --with-slow-peers) SLOW=1; shift ;;
    --scenarios) SCENARIOS=${2//,/ }; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --timeout) number "$1" "$2"; RUN_TIMEOUT=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    --keep) export CP_KEEP=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "bench: unknown argument: $1" >&2; usage ;;
    esac
done
if [ "$QUICK" = 1 ]; then : "${COUNT_B:=8}" "${COUNT_C:=20}" "${COUNT_D:=1}"; fi
: "${COUNT_B:=100}" "${COUNT_C:=1000}" "${COUNT_D:=3}"
if [ "$COUNT_B" -lt 1 ] || [ "$COUNT_C" -lt 1 ] || [ "$COUNT_C" -gt 100000 ]; then
    echo "bench: --count-b and --count-c must be at least 1 (--count-c at most 100000)" >&2
    exit 2
fi
if [ "$JOBS" -lt 1 ] || [ "$JOBS" -gt 64 ]; then echo "bench: --jobs must be 1..64" >&2; exit 2; fi
for c in $CLIENTS; do
    case $c in certpilot | uacme | lego | certbot) ;; *) echo "bench: unknown client $c" >&2; exit 2 ;; esac
done
for s in $SCENARIOS; do
    case $s in a | b | c | d) ;; *) echo "bench: unknown scenario $s (a, b, c or d)" >&2; exit 2 ;; esac
done
[ -z "$OUT" ] || OUT=$(realpath -m "$OUT")
PEERS_B=$CLIENTS # clients of (b)
if [ "$SLOW" = 1 ]; then
    for c in lego certbot; do case " $PEERS_B " in *" $c "*) ;; *) PEERS_B="$PEERS_B $c" ;; esac; done
fi
has() { case " $1 " in *" $2 "*) return 0 ;; esac; return 1; }

cd "$(dirname "$0")/.." || exit 1
SRC=$PWD
BENCH=$SRC/bench
A_CLIENTS=$CLIENTS
CLIENTS=$PEERS_B # what bench_setup installs when missing
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
bench_setup
PEBBLE_LOG=$CP_WORK/pebble/pebble.log
HOOK=$SRC/examples/hooks/challtestsrv
TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
[ -n "$OUT" ] && : >"$OUT"
emit() { if [ -n "$OUT" ]; then tee -a "$OUT"; else cat; fi; }
FAILED_CP=0 # certpilot missed a certificate somewhere

# ------------------------------------------------------ Pebble's counters ----
# Pebble logs "METHOD /path -> calling handler()" for each ACME request (not
# for its management interface), so the lines between two marks are the
# requests a client made in between.
log_mark() { wc -l <"$PEBBLE_LOG"; }
# log_paths FROM TO: the first path element of each request, one a line.
log_paths() {
    sed -n "$(($1 + 1)),$2p" "$PEBBLE_LOG" | awk '/ -> calling handler\(\)/ { split($5, p, "/"); print p[2] }'
}
log_requests() { log_paths "$1" "$2" | wc -l; }
# log_breakdown FROM TO [DIVISOR]: "dir 1, nonce-plz 1, order-plz 1, ..." in the
# order of first use, each count divided by DIVISOR (per certificate).
log_breakdown() {
    log_paths "$1" "$2" | awk -v d="${3:-1}" '!($0 in n) { o[++k] = $0 } { n[$0]++ }
        END { for (i = 1; i <= k; i++) printf "%s%s %.3g", (i > 1 ? ", " : ""), o[i], n[o[i]] / d }'
}
# Pebble's user+system CPU so far, in clock ticks (all its threads).
pebble_ticks() { awk '{ print $14 + $15 }' "/proc/$PEBBLE_PID/stat" 2>/dev/null || echo 0; }
ticks_s() { awk -v t="$1" -v k="$TCK" 'BEGIN { printf "%.2f", t / k }'; }

# span_begin / span_end: requests (SPAN_REQ) and Pebble CPU ticks (SPAN_TICKS) in between.
span_begin() { SPAN_L0=$(log_mark) SPAN_T0=$(pebble_ticks); }
span_end() {
    SPAN_L1=$(log_mark)
    SPAN_REQ=$(log_requests "$SPAN_L0" "$SPAN_L1")
    SPAN_TICKS=$(($(pebble_ticks) - SPAN_T0))
}

# ------------------------------------------------------------------ helpers ----
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END {
    if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
num() { case $1 in '' | *[!0-9.-]* | - | *?-*) return 1 ;; esac; }
secs() { if num "$1"; then awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e9 }'; else echo -; fi; } # ns -> s
div() { # div A B [FORMAT]: A/B, or "-" when either is unknown
    if num "$1" && num "$2"; then
        awk -v a="$1" -v b="$2" -v f="${3:-%.3f}" 'BEGIN { if (a >= 0 && b > 0) printf f, a / b; else printf "-" }'
    else echo -; fi
}
maxof() { printf '%s\n' "$@" | sort -n | tail -n 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null; }

# The account every scenario starts from (untimed), and for (a) a warm-up
# certificate so the binary and its libraries are in the page cache.
# prepare CLIENT STATE WARMNAME|"" ; returns 1 (and says why) when it failed.
prepare() {
    local c=$1 st=$2 warm=$3
    mkdir -p "$st"
    run_one "$c" "$st" account account "$RUN_TIMEOUT" -- "w0.$c.example.test"
    if [ "$(field "$st/runs/account.res" status)" != 0 ]; then
        show_err "$c" account "$st"
        return 1
    fi
    if [ -n "$warm" ] && [ "$c" != lego ]; then # lego's account step issued a certificate already
        run_one "$c" "$st" warmup issue "$RUN_TIMEOUT" -- "$warm"
        [ "$(field "$st/runs/warmup.res" status)" = 0 ] || show_err "$c" warmup "$st"
    fi
    return 0
}

# certpilot issue --batch LIST --jobs J, measured; TAG.res/.out/.err in STATE/runs.
run_batch() {
    local st=$1 tag=$2 list=$3 n=$4
    mkdir -p "$st/runs"
    measure_run "$st/runs/$tag.res" "$st/runs/$tag.out" "$st/runs/$tag.err" "$((RUN_TIMEOUT + n * 3))" -- \
        "$CERTPILOT" --root "$st" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" \
        issue --agree-tos --batch "$list" --jobs "$JOBS" --hook "$HOOK"
}

# count_ok CLIENT STATE PREFIX N: certificates PREFIX1.example.test .. PREFIXN
# that the client stored and that verify (one name each).
count_ok() {
    local c=$1 st=$2 p=$3 n=$4 i ok=0
    for i in $(seq 1 "$n"); do
        check_cert "$(cert_file "$c" "$st" "$p$i.example.test")" "$p$i.example.test" && ok=$((ok + 1))
    done
    echo "$ok"
}

names_file() { # names_file FILE PREFIX N
    local i
    for i in $(seq 1 "$3"); do echo "$2$i.example.test"; done >"$1"
}

header() {
    echo
    echo "certpilot batch benchmark — $1"
    echo "Pebble VA no-sleep, nonce reject 0%, authz reuse 0%; dns-01 via the challtestsrv hook; $(nproc) CPUs;" \
        "load $(loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
}

# ------------------------------------------------------------ scenario (a) ----
# One-name certificates, existing account, EC P-256; RUNS_A timed runs.
declare -A A_ROW A_WALL A_CPU A_SELF
scenario_a_client() {
    local c=$1
    local st=$CP_WORK/a-$c i r name l0 l1 ok=0 tick=0 wall=() cpu=() self=() tree=() req=()
    if ! client_present "$c"; then
        A_ROW[$c]=$(printf '%-10s %-12s MISSING: %s' "$c" "$(client_version "$c" | cut -c1-12)" "$WHY")
        return
    fi
    blog "(a) $c: account, warm-up, $RUNS_A certificates"
    if ! prepare "$c" "$st" "wa.$c.example.test"; then
        A_ROW[$c]=$(printf '%-10s %-12s FAILED: account' "$c" "$(client_version "$c" | cut -c1-12)")
        return
    fi
    for i in $(seq 1 "$RUNS_A"); do
        name=a$i.example.test
        span_begin
        run_one "$c" "$st" "a$i" issue "$RUN_TIMEOUT" -- "$name"
        span_end
        tick=$((tick + SPAN_TICKS))
        r=$st/runs/a$i.res
        if [ "$(field "$r" status)" = 0 ] && check_cert "$(cert_file "$c" "$st" "$name")" "$name"; then
            ok=$((ok + 1)) l0=$SPAN_L0 l1=$SPAN_L1
            wall+=("$(field "$r" wall_ns)") cpu+=("$(field "$r" cpu_ms)") req+=("$SPAN_REQ")
            self+=("$(field "$r" self_kib)") tree+=("$(field "$r" tree_kib)")
        else
            show_err "$c" "a$i" "$st"
        fi
    done
    A_WALL[$c]=$(median "${wall[@]}") A_CPU[$c]=$(median "${cpu[@]}") A_SELF[$c]=$(median "${self[@]}")
    A_ROW[$c]=$(printf '%-10s %-12s %5s %7s %7s %8s %8s %5s %4s %8s' "$c" "$(client_version "$c" | cut -c1-12)" \
        "$ok/$RUNS_A" "$(secs "${A_WALL[$c]}")" "$(div "${A_CPU[$c]}" 1000)" "$(kib "${A_SELF[$c]%.*}")" \
        "$(kib "$(median "${tree[@]}" | cut -d. -f1)")" "$(median "${req[@]}")" 8 "$(div "$tick" "$((TCK * RUNS_A))")")
    if [ "$ok" -gt 0 ]; then
        A_BREAK[$c]="$c (run $RUNS_A or last good one): $(log_breakdown "$l0" "$l1")"
    fi
    A_OK[$c]=$ok
}
declare -A A_BREAK A_OK
scenario_a() {
    local c b=certpilot cmp
    for c in $A_CLIENTS; do scenario_a_client "$c"; done
    if has "$A_CLIENTS" certpilot && [ "${A_OK[certpilot]:-0}" != "$RUNS_A" ]; then FAILED_CP=1; fi
    {
        header "(a) one certificate, 1 name, existing account, EC P-256: median of $RUNS_A runs"
        echo
        printf '%-10s %-12s %5s %7s %7s %8s %8s %5s %4s %8s  %s\n' client version ok/N "wall s" "CPU s" \
            "RSS KiB" "tree KiB" "req" min "Pebble s" "vs certpilot"
        for c in $A_CLIENTS; do
            cmp=""
            if [ "$c" != $b ] && [ "${A_OK[$c]:-0}" = "$RUNS_A" ] && [ "${A_OK[$b]:-0}" = "$RUNS_A" ]; then
                cmp="time $(ratio "${A_WALL[$c]}" "${A_WALL[$b]}"), CPU $(ratio "${A_CPU[$c]}" "${A_CPU[$b]}")"
                cmp="$cmp, RSS $(ratio "${A_SELF[$c]}" "${A_SELF[$b]}")"
            fi
            printf '%s  %s\n' "${A_ROW[$c]}" "$cmp"
        done
        echo
        echo "wall/CPU/RSS/req: medians over the runs that issued a valid certificate. CPU includes the hook"
        echo "(sh + curl, twice per certificate). RSS: peak of the client process alone; tree: /usr/bin/time %M."
        echo "req: HTTP requests Pebble logged during one run. Pebble s: Pebble's CPU per run (the floor)."
        echo "min 8 = RFC 8555 minimum for a process that starts cold: GET directory 1 + newNonce 1 (§7.2; 0 if"
        echo "  a nonce were kept from an earlier response) + newOrder 1 + per authorization (fetch 1 +"
        echo "  challenge POST 1 + >=1 poll) + finalize 1 + >=0 order poll (0 when finalize already answers"
        echo "  \"valid\") + certificate 1; 6 without directory and nonce, as in a batch. A client that looks its"
        echo "  account URL up on every run (newAccount with onlyReturnExisting, \"sign-me-up\") adds 1."
        echo "Requests by endpoint:"
        for c in $A_CLIENTS; do [ -z "${A_BREAK[$c]:-}" ] || echo "  ${A_BREAK[$c]}"; done
    } | emit
}

# ------------------------------------------------------------ scenario (b) ----
# Every row: label ok wall_ns cpu_ms self_kib tree_kib requests pebble_ticks.
declare -A B_ROW B_BREAK
B_ORDER=()
b_store() { # b_store LABEL OK WALL_NS CPU_MS SELF_KIB TREE_KIB; the counters from the last span
    B_ORDER+=("$1")
    B_ROW[$1]="$2 $3 $4 $5 $6 $SPAN_REQ $SPAN_TICKS"
    B_BREAK[$1]=$(log_breakdown "$SPAN_L0" "$SPAN_L1" "$COUNT_B")
}

# One process per certificate, one after another.
b_sequential() {
    local c=$1 label=$2
    local st=$CP_WORK/b-$c-seq i r swall=0 scpu=0 self=() tree=() ok
    prepare "$c" "$st" "wb.$c.example.test" || { B_FAIL[$label]="FAILED: account"; B_ORDER+=("$label"); return; }
    blog "(b) $c: $COUNT_B certificates, one process each, one after another"
    span_begin
    for i in $(seq 1 "$COUNT_B"); do
        run_one "$c" "$st" "b$i" issue "$RUN_TIMEOUT" -- "b$i.example.test"
        r=$st/runs/b$i.res
        swall=$((swall + $(field "$r" wall_ns))) scpu=$((scpu + $(field "$r" cpu_ms)))
        self+=("$(field "$r" self_kib)") tree+=("$(field "$r" tree_kib)")
        [ "$(field "$r" status)" = 0 ] || show_err "$c" "b$i" "$st"
    done
    span_end
    ok=$(count_ok "$c" "$st" b "$COUNT_B")
    b_store "$label" "$ok" "$swall" "$scpu" "$(maxof "${self[@]}")" "$(maxof "${tree[@]}")"
}

# uacme, J processes at a time through xargs -P J; each one measured on its own
# (for its RSS) inside the measured xargs (for wall and CPU of all of them).
b_xargs() {
    local c=uacme label="uacme xargs -P $JOBS" st=$CP_WORK/b-uacme-par f inner=() r self=() ok
    prepare "$c" "$st" "wp.$c.example.test" || { B_FAIL[$label]="FAILED: account"; B_ORDER+=("$label"); return; }
    names_file "$st/names.txt" b "$COUNT_B"
    client_cmd "$c" "$st" issue # PRE and CMD without the name: xargs appends it
    mkdir -p "$st/runs/each"
    [ -z "$MEASURE" ] || inner=("$MEASURE" -t "$RUN_TIMEOUT" -o "$st/runs/each/{}.res" --)
    blog "(b) uacme: $COUNT_B certificates, one process each, $JOBS at a time (xargs -P $JOBS)"
    span_begin
    measure_run "$st/runs/par.res" "$st/runs/par.out" "$st/runs/par.err" "$((RUN_TIMEOUT + COUNT_B * 10))" -- \
        xargs -a "$st/names.txt" -P "$JOBS" -I{} "${inner[@]}" "${PRE[@]}" "${CMD[@]}" {}
    span_end
    r=$st/runs/par.res
    [ "$(field "$r" status)" = 0 ] || show_err "$c" par "$st"
    for f in "$st"/runs/each/*.res; do [ -f "$f" ] && self+=("$(field "$f" self_kib)"); done
    [ ${#self[@]} -gt 0 ] || self=(-1)
    ok=$(count_ok "$c" "$st" b "$COUNT_B")
    b_store "$label" "$ok" "$(field "$r" wall_ns)" "$(field "$r" cpu_ms)" "$(maxof "${self[@]}")" \
        "$(field "$r" tree_kib)"
}

# certpilot: every certificate in one process.
b_batch() {
    local label="certpilot --batch --jobs $JOBS" st=$CP_WORK/b-certpilot r ok
    prepare certpilot "$st" "wb.certpilot.example.test" ||
        { B_FAIL[$label]="FAILED: account"; B_ORDER+=("$label"); FAILED_CP=1; return; }
    names_file "$st/names.txt" b "$COUNT_B"
    blog "(b) certpilot: $COUNT_B certificates in one process (--batch, --jobs $JOBS)"
    span_begin
    run_batch "$st" batch "$st/names.txt" "$COUNT_B"
    span_end
    r=$st/runs/batch.res
    [ "$(field "$r" status)" = 0 ] || show_err certpilot batch "$st"
    ok=$(count_ok certpilot "$st" b "$COUNT_B")
    [ "$ok" = "$COUNT_B" ] || FAILED_CP=1
    b_store "$label" "$ok" "$(field "$r" wall_ns)" "$(field "$r" cpu_ms)" "$(field "$r" self_kib)" \
        "$(field "$r" tree_kib)"
}

declare -A B_FAIL
scenario_b() {
    local c
    for c in $PEERS_B; do
        if ! client_present "$c"; then
            [ "$c" != certpilot ] || FAILED_CP=1
            B_FAIL[$c]="MISSING: $WHY"
            B_ORDER+=("$c")
            continue
        fi
        case $c in
        certpilot) b_batch ;;
        uacme) b_sequential uacme "uacme sequential"; b_xargs ;;
        *) b_sequential "$c" "$c sequential" ;;
        esac
    done
    report_b | emit
}

report_b() {
    local l base="certpilot --batch --jobs $JOBS" ok wall cpu self tree req tk cmp
    header "(b) $COUNT_B certificates of one name each"
    echo
    printf '%-26s %9s %8s %7s %8s %8s %8s %8s %8s  %s\n' run ok/N "wall s" "s/cert" "CPU s" "RSS KiB" \
        "tree KiB" "req/cert" "Pebble s" "vs certpilot (wall, CPU, RSS)"
    read -r _ bwall bcpu bself _ < <(echo "${B_ROW[$base]:-0 0 0 -1 -1}")
    for l in "${B_ORDER[@]}"; do
        if [ -n "${B_FAIL[$l]:-}" ]; then
            printf '%-26s %s\n' "$l" "${B_FAIL[$l]}"
            continue
        fi
        read -r ok wall cpu self tree req tk <<<"${B_ROW[$l]}"
        cmp=""
        if [ "$l" != "$base" ] && [ -n "${B_ROW[$base]:-}" ] && [ "$ok" = "$COUNT_B" ] &&
            [ "${B_ROW[$base]%% *}" = "$COUNT_B" ]; then
            cmp="$(ratio "$wall" "$bwall"), $(ratio "$cpu" "$bcpu"), $(ratio "$self" "$bself")"
        fi
        printf '%-26s %9s %8s %7s %8s %8s %8s %8s %8s  %s\n' "$l" "$ok/$COUNT_B" "$(secs "$wall")" \
            "$(div "$wall" "$((COUNT_B * 1000000000))")" "$(div "$cpu" 1000 %.2f)" "$(kib "$self")" \
            "$(kib "$tree")" "$(div "$req" "$COUNT_B" %.1f)" "$(ticks_s "$tk")" "$cmp"
    done
    echo
    echo "wall s: from the first start to the last exit; CPU s: user+system of every client process and its"
    echo "hooks. RSS KiB: peak RSS of one client process (certpilot: the one process that issued them all;"
    echo "the others: the largest of their per-certificate processes). tree KiB: /usr/bin/time %M of the run"
    echo "(the largest process in it, often a hook's curl). req/cert: requests Pebble logged / N (uacme also"
    echo "fetches the directory, a nonce and looks its account up in each process). Pebble s: Pebble's CPU"
    echo "over the row. Ratios: peer / certpilot, only when both issued all N."
    echo "Requests per certificate by endpoint:"
    for l in "${B_ORDER[@]}"; do [ -z "${B_BREAK[$l]:-}" ] || printf '  %s: %s\n' "$l" "${B_BREAK[$l]}"; done
}

# ------------------------------------------------------------ scenario (c) ----
# certpilot alone for N = COUNT_C/10, 3*COUNT_C/10, COUNT_C. Time linear in N
# shows as a constant marginal time per certificate (the start-up and the
# tail, when fewer than J certificates are left, are paid once per run).
C_ROWS=() C_BREAK=() C_MARG=()
scenario_c_one() {
    local n=$1 st=$CP_WORK/c-$1 r ok wall
    prepare certpilot "$st" "" || { C_ROWS+=("$(printf '%7s  FAILED: account' "$n")"); FAILED_CP=1; return; }
    names_file "$st/names.txt" c "$n"
    blog "(c) certpilot: $n certificates in one process (--batch, --jobs $JOBS)"
    span_begin
    run_batch "$st" batch "$st/names.txt" "$n"
    span_end
    r=$st/runs/batch.res
    [ "$(field "$r" status)" = 0 ] || show_err certpilot batch "$st"
    ok=$(count_ok certpilot "$st" c "$n")
    wall=$(field "$r" wall_ns)
    c_marginal "$n" "$wall"
    C_ROWS+=("$(printf '%7s %11s %8s %8s %9s %8s %9s %8s %8s %8s %9s %8s' "$n" "$ok/$n" "$(secs "$wall")" \
        "$(div "$wall" "$((n * 1000000))" %.1f)" "$MARG" \
        "$(div "$(field "$r" cpu_ms)" 1000 %.2f)" "$(div "$(field "$r" cpu_ms)" "$n" %.1f)" \
        "$(kib "$(field "$r" self_kib)")" "$(kib "$(field "$r" tree_kib)")" "$(div "$SPAN_REQ" "$n" %.2f)" \
        "$(ticks_s "$SPAN_TICKS")" "$(div "$((SPAN_TICKS * 1000))" "$((TCK * n))" %.1f)")")
    C_BREAK+=("N=$n: $(log_breakdown "$SPAN_L0" "$SPAN_L1" "$n")")
    if [ "$ok" = "$n" ]; then C_PREV="$n $wall"; else FAILED_CP=1 C_PREV=""; fi
}

# c_marginal N WALL_NS: MARG, ms per certificate since the previous N (that issued all).
c_marginal() {
    local pn pw
    MARG=-
    [ -n "${C_PREV:-}" ] || return 0
    read -r pn pw <<<"$C_PREV"
    MARG=$(div "$(($2 - pw))" "$((($1 - pn) * 1000000))" %.1f)
    C_MARG+=("N=$pn..$1: $MARG")
}

scenario_c() {
    local n ns=()
    for n in $((COUNT_C / 10)) $((COUNT_C * 3 / 10)) "$COUNT_C"; do
        [ "$n" -ge 1 ] || continue
        has "${ns[*]:-}" "$n" || ns+=("$n")
    done
    if ! client_present certpilot; then
        { header "(c) certpilot alone"; echo "certpilot MISSING: $WHY"; } | emit
        FAILED_CP=1
        return
    fi
    C_PREV=""
    for n in "${ns[@]}"; do scenario_c_one "$n"; done
    {
        header "(c) certpilot alone, one process, --jobs $JOBS, one name per certificate"
        echo
        printf '%7s %11s %8s %8s %9s %8s %9s %8s %8s %8s %9s %8s\n' N ok/N "wall s" "ms/cert" "marg ms/c" \
            "CPU s" "CPU ms/c" "RSS KiB" "tree KiB" "req/cert" "Pebble s" "Peb ms/c"
        printf '%s\n' "${C_ROWS[@]}"
        echo
        [ ${#C_MARG[@]} -eq 0 ] || echo "marginal ms per certificate between runs: ${C_MARG[*]} (equal = time linear in N)"
        echo "ms/cert: wall / N. marg ms/c: (wall(N) - wall(previous N)) / (N - previous N): the start-up and"
        echo "the tail of a run are paid once, so this is what one more certificate costs. CPU: certpilot and its"
        echo "hooks. RSS KiB: peak RSS of the whole certpilot process (all its worker threads); tree KiB:"
        echo "/usr/bin/time %M. req/cert: requests Pebble logged / N (RFC 8555 floor for a one-name certificate in"
        echo "a warm process: 6). Pebble s, Peb ms/c: Pebble's own CPU over the run and per certificate."
        echo "Requests per certificate by endpoint:"
        printf '  %s\n' "${C_BREAK[@]}"
    } | emit
}

# ------------------------------------------------------------ scenario (d) ----
# bench/dns.sh with its own BIND and a Pebble resolving through it (this
# script's Pebble resolves through challtestsrv); its table goes to the output.
scenario_d() {
    local args=(--count "$COUNT_D" --timeout "$RUN_TIMEOUT")
    [ "$INSTALL" = 1 ] || args+=(--no-install)
    [ "${CP_KEEP:-0}" != 1 ] || args+=(--keep)
    [ "$QUICK" = 0 ] || args+=(--clients "certpilot lego-fast" --batch 4)
    blog "(d) bench/dns.sh ${args[*]}"
    bash "$BENCH/dns.sh" "${args[@]}" | emit || FAILED_CP=1
}

# The hook's own cost, part of every client's CPU and wall: 5 x (begin + done)
# for one name, what one certificate of one name runs.
hook_floor() {
    local r=$CP_WORK/hook
    # shellcheck disable=SC2016 # expanded by the inner sh
    measure_run "$r.res" "$r.out" "$r.err" 60 -- sh -c 'for i in 1 2 3 4 5; do
        "$0" begin dns-01 hook.example.test tok v.al && "$0" done dns-01 hook.example.test tok v.al || exit 1
        done' "$HOOK"
    if [ "$(field "$r.res" status)" = 0 ]; then
        echo "hook alone (begin + done for one name, as for each certificate here, included in every client's" \
            "CPU): $(div "$(field "$r.res" cpu_ms)" 5 %.1f) ms CPU, $(div "$(field "$r.res" wall_ns)" 5000000 %.1f) ms wall"
    else
        echo "hook alone: failed ($(tail -n 1 "$r.err"))"
    fi
}

# --------------------------------------------------------------------- run ----
blog "Pebble at $PEBBLE_URL (pid $PEBBLE_PID); scenarios: $SCENARIOS; (b) $COUNT_B, (c) up to $COUNT_C, --jobs $JOBS"
{
    printf 'versions:'
    seen=""
    for c in certpilot $PEERS_B; do
        has "$seen" "$c" || printf ' %s %s' "$c" "$(client_version "$c")"
        seen="$seen $c"
    done
    echo
    hook_floor
} | emit
for s in $SCENARIOS; do
    "scenario_$s"
done
[ "$FAILED_CP" = 0 ]
