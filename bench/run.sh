#!/usr/bin/env bash
# Issue N certificates (2 names each, dns-01) with certpilot and with its
# peers (uacme, lego, certbot) against the same local Pebble, and print time
# per certificate and peak memory, with each peer's ratio to certpilot
# measured in this same run.
#
# What is measured is the client: Pebble runs with PEBBLE_VA_ALWAYS_VALID=1
# and every client's dns-01 hook is /bin/true, so no hook process (curl, a
# shell) inflates a client's time or its peak RSS. The full dns-01 path
# with real DNS is covered by the integration tests, not timed here.
#
# usage: bench/run.sh [--count N] [--clients "certpilot uacme lego certbot"]
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
COUNT=10
CLIENTS="certpilot uacme lego certbot"
while [ $# -gt 0 ]; do
    case $1 in
    --count) COUNT=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    *) echo "usage: $0 [--count N] [--clients LIST]" >&2; exit 2 ;;
    esac
done

need=()
for p in uacme lego certbot time; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    bash scripts/deps.sh
    SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x build/certpilot ] || bash scripts/build.sh >/dev/null
export CERTPILOT=$REPO/build/certpilot FREEPORT=$REPO/build/tests/freeport CP_SOURCE_DIR=$REPO
# shellcheck source=tests/integration/lib.sh
source tests/integration/lib.sh
cp_harness_init
PEBBLE_VA_ALWAYS_VALID=1 cp_start_pebble
NOOP=$(type -P true)
DNS=127.0.0.1:$CHALL_DNS_PORT
export REPO DNS NOOP
# uacme has no CA-bundle option: give it a private mount namespace in which the
# system bundle also holds Pebble's TLS CA (the machine's trust is untouched).
cat /etc/ssl/certs/ca-certificates.crt "$PEBBLE_CA_BUNDLE" >"$CP_WORK/bundle.crt"

# One client run: issue NAME [NAME...] for client $1 with state dir $2.
run_certpilot() {
    local st=$2; shift 2
    local args=(); for n in "$@"; do args+=(-d "$n"); done
    "$CERTPILOT" -q --root "$st" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" \
        issue --agree-tos "${args[@]}" --hook "$NOOP" >/dev/null
}
ok_certpilot() { [ -s "$1/certs/$2/fullchain.pem" ]; }

run_uacme() {
    local st=$2; shift 2
    unshare -m sh -c 'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' \
        "$CP_WORK/bundle.crt" uacme -a "$PEBBLE_URL" -c "$st" -t EC -y -h "$NOOP" \
        issue "$@" >/dev/null 2>&1
}
ok_uacme() { [ -s "$1/$2/cert.pem" ]; }
init_uacme() {
    unshare -m sh -c 'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' \
        "$CP_WORK/bundle.crt" uacme -a "$PEBBLE_URL" -c "$1" -t EC -y new >/dev/null 2>&1
}

run_lego() {
    local st=$2; shift 2
    local args=(); for n in "$@"; do args+=(--domains "$n"); done
    # EXEC_SEQUENCE_INTERVAL: lego otherwise waits 60 s between sequential challenges
    LEGO_CA_CERTIFICATES=$PEBBLE_CA_BUNDLE EXEC_PATH=$NOOP EXEC_SEQUENCE_INTERVAL=1 \
        lego --server "$PEBBLE_URL" --path "$st" --email bench@example.test --accept-tos \
        --key-type ec256 --dns exec --dns.resolvers "$DNS" --dns.disable-cp "${args[@]}" run >/dev/null 2>&1
}
ok_lego() { [ -s "$1/certificates/$2.crt" ]; }

run_certbot() {
    local st=$2; shift 2
    local args=(); for n in "$@"; do args+=(-d "$n"); done
    REQUESTS_CA_BUNDLE=$PEBBLE_CA_BUNDLE certbot certonly --manual --preferred-challenges dns \
        --manual-auth-hook "$NOOP" --manual-cleanup-hook "$NOOP" \
        --server "$PEBBLE_URL" --config-dir "$st" --work-dir "$st/work" --logs-dir "$st/logs" \
        --non-interactive --agree-tos -m bench@example.test --key-type ecdsa "${args[@]}" >/dev/null 2>&1
}
ok_certbot() { [ -s "$1/live/$2/fullchain.pem" ]; }

version_of() {
    case $1 in
    certpilot) "$CERTPILOT" --version ;;
    uacme) uacme -V 2>&1 | head -n 1 ;;
    lego) echo "lego $(dpkg-query -W -f='${Version}' lego)" ;;
    certbot) certbot --version 2>&1 ;;
    esac
}

export -f run_certpilot run_uacme run_lego run_certbot
declare -A SECS RSS OKS
for c in $CLIENTS; do
    command -v "run_$c" >/dev/null 2>&1 || { echo "unknown client $c" >&2; continue; }
    if [ "$c" != certpilot ] && ! command -v "$c" >/dev/null; then OKS[$c]=missing; continue; fi
    st=$CP_WORK/$c
    mkdir -p "$st"
    # warm-up (creates the account; not timed)
    if [ "$c" = uacme ]; then init_uacme "$st" || true; fi
    "run_$c" "$c" "$st" "warm.$c.example.test" || true
    total=0 maxrss=0 ok=0
    for i in $(seq 1 "$COUNT"); do
        name=b$i.$c.example.test
        /usr/bin/time -f "%e %M" -o "$CP_WORK/time" timeout 120 bash -c 'run_$0 "$@"' "$c" "$c" "$st" "$name" "www.$name" \
            >/dev/null 2>&1 || true
        # the last line (a failed command adds a line before it)
        read -r secs rss < <(tail -n 1 "$CP_WORK/time") || true
        total=$(awk -v a="$total" -v b="${secs:-0}" 'BEGIN{print a+b}')
        [ "${rss:-0}" -gt "$maxrss" ] && maxrss=$rss
        "ok_$c" "$st" "$name" && ok=$((ok + 1))
    done
    SECS[$c]=$(awk -v t="$total" -v n="$COUNT" 'BEGIN{printf "%.3f", t/n}')
    RSS[$c]=$maxrss
    OKS[$c]=$ok
done

echo
printf '%-10s %-34s %8s %10s %12s %14s %12s\n' client version issued "s/cert" "peak RSS KiB" "time vs cp" "RSS vs cp"
for c in $CLIENTS; do
    if [ "${OKS[$c]:-}" = missing ]; then printf '%-10s %s\n' "$c" "not installed"; continue; fi
    tr=$(awk -v a="${SECS[$c]}" -v b="${SECS[certpilot]:-0}" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "-" }')
    rr=$(awk -v a="${RSS[$c]}" -v b="${RSS[certpilot]:-0}" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "-" }')
    printf '%-10s %-34s %8s %10s %12s %14s %12s\n' "$c" "$(version_of "$c" | head -c 34)" \
        "${OKS[$c]}/$COUNT" "${SECS[$c]}" "${RSS[$c]}" "$tr" "$rr"
done
echo
echo "s/cert: mean wall time of $COUNT issues (2 names each). Peak RSS: the largest of the client and its"
echo "children (/usr/bin/time %M; hooks are /bin/true). Ratios are peer / certpilot from this run."
