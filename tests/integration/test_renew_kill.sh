#!/usr/bin/env bash
# kill -9 during renewal: 50 runs of `certpilot renew --force`, each killed with
# SIGKILL at a random moment between its start and about the time a whole
# renewal takes. After every kill the live files (cert.pem, chain.pem,
# fullchain.pem, privkey.pem through `current`) are whole and belong together
# (the key is the certificate's, the chain verifies to Pebble's root), no temp
# link is left where a reader looks, and at the end a plain `certpilot renew
# --force` finishes the job and leaves no temp directory, file or link (a killed
# run used to leave meta.json.tmp-* behind for ever: store_cert_save now removes
# stale ones).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
name=kill.example.test
dir=$CP_WORK/state/certs/$name
TRIALS=${TRIALS:-50}

cp_certpilot -q account new --agree-tos >/dev/null
cp_certpilot -q issue -d $name --hook "$hook" >/dev/null
cp_verify_cert "$dir" $name || cp_fail "first issuance"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# The shortest of three renewals: one slow run (a cold cache, a busy machine) would
# otherwise put most kills after the runs had finished.
span=
for _ in 1 2 3; do
    t0=$(now_ms)
    cp_certpilot -q renew --force >/dev/null
    t=$(($(now_ms) - t0))
    [ -n "$span" ] && [ "$span" -le "$t" ] || span=$t
done
span=$((span + 50))
cp_log "one renewal takes about $((span - 50)) ms; killing within $span ms"

# Nothing but the design's names where readers look: no temp link or file.
check_dir() {
    local f extra
    extra=$(find "$dir" -maxdepth 1 -mindepth 1 ! -name archive ! -name current ! -name meta.json \
        ! -name cert.pem ! -name chain.pem ! -name fullchain.pem ! -name privkey.pem -printf '%f ')
    [ -z "$extra" ] || cp_log "note: left in $dir: $extra"
    for f in cert.pem chain.pem fullchain.pem privkey.pem; do
        [ "$(readlink "$dir/$f")" = "current/$f" ] || { cp_log "FAIL: $dir/$f -> $(readlink "$dir/$f")"; return 1; }
    done
    case "$(readlink "$dir/current")" in
    archive/*) ;;
    *) cp_log "FAIL: current -> $(readlink "$dir/current")"; return 1 ;;
    esac
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dir/meta.json" ||
        { cp_log "FAIL: meta.json is not JSON"; return 1; }
    cp_verify_cert "$dir" $name
}

killed=0
for trial in $(seq 1 "$TRIALS"); do
    delay=$((RANDOM % span))
    "$CERTPILOT" --root "$CP_WORK/state" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" \
        -q renew --force >/dev/null 2>"$CP_WORK/trial.err" &
    pid=$!
    sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
    if kill -KILL "$pid" 2>/dev/null; then
        killed=$((killed + 1))
    fi
    wait "$pid" 2>/dev/null || true
    check_dir || cp_fail "trial $trial (killed after $delay ms) left a broken certificate"
done
cp_log "$killed of $TRIALS runs were killed before they finished"
[ "$killed" -ge $((TRIALS / 2)) ] || cp_fail "only $killed of $TRIALS runs were killed: the delays are too long"

# Temp files a killed run left are removed by the next save once they are old
# enough to be nobody's (a minute): age them instead of waiting.
find "$dir" -maxdepth 1 -name '*.tmp-*' -exec touch -h -d '-2 minutes' {} +
before=$(readlink "$dir/current")
cp_certpilot -q renew --force >/dev/null || cp_fail "renew after the kills"
[ "$(readlink "$dir/current")" != "$before" ] || cp_fail "the last renew made no new version"
check_dir || cp_fail "after the last renew"
left=$(find "$dir/archive" -maxdepth 1 -name '.new-*' | wc -l)
[ "$left" = 0 ] || cp_fail "$left temp directories left in $dir/archive"
extra=$(find "$dir" "$CP_WORK/state/locks" -maxdepth 1 -name '*.tmp*' -printf '%f ' 2>/dev/null || true)
[ -z "$extra" ] || cp_fail "temp files left after a clean renew: $extra"
echo "ok"
