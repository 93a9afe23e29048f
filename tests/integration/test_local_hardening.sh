#!/usr/bin/env bash
# The local machine (issue 13): key files others can read and symlinked key
# files are refused for import; a state directory others can write is
# refused; a killed certpilot takes its running hook with it, and the next
# run for the certificate runs `failed` for what the dead run left presented.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
run() { local root=$1; shift; "$CERTPILOT" --root "$CP_WORK/$root" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" "$@"; }

# 1. Account key import: readable by others, or a symlink, is refused with the fix.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CP_WORK/k.pem" 2>/dev/null
chmod 644 "$CP_WORK/k.pem"
cp_expect_fail run imp account new --agree-tos --key "$CP_WORK/k.pem"
cp_check_err 1 "key file $CP_WORK/k.pem is readable by group or others (chmod 600 $CP_WORK/k.pem)"
cp_check_one_line
chmod 600 "$CP_WORK/k.pem"
ln -s "$CP_WORK/k.pem" "$CP_WORK/k-link.pem"
cp_expect_fail run imp account new --agree-tos --key "$CP_WORK/k-link.pem"
cp_check_err 1 "key file $CP_WORK/k-link.pem is a symbolic link; give the file it points to"
[ -z "$(find "$CP_WORK/imp" -name key.pem 2>/dev/null)" ] || cp_fail "a refused import left a stored key"
run imp account new --agree-tos --key "$CP_WORK/k.pem" >/dev/null

# 2. A state directory others can write is refused, naming the fix.
mkdir -m 775 "$CP_WORK/shared"
cp_expect_fail run shared list
cp_check_err 1 "state directory $CP_WORK/shared is writable by group or others (chmod 700 $CP_WORK/shared)"
cp_check_one_line

# 3. certpilot killed while its hook runs `begin`.
cp_certpilot account new --agree-tos >/dev/null
calls=$CP_WORK/calls
hook=$CP_WORK/crash-hook
cat >"$hook" <<HOOK
#!/bin/sh
echo "\$*" >>"$calls"
if [ "\$1" = begin ] && [ ! -e "$CP_WORK/crashed" ]; then
    : >"$CP_WORK/crashed"
    echo \$\$ >"$CP_WORK/hookpid.tmp" && mv "$CP_WORK/hookpid.tmp" "$CP_WORK/hookpid"
    kill -KILL \$PPID
    exec sleep 30
fi
exec "$CP_SOURCE_DIR/examples/hooks/challtestsrv" "\$@"
HOOK
chmod +x "$hook"
rc=0
cp_certpilot -q issue -d crash.example.test --hook "$hook" >/dev/null 2>&1 || rc=$?
[ "$rc" = 137 ] || cp_fail "certpilot exited $rc, expected to be killed (137)"
hookpid=$(cat "$CP_WORK/hookpid")
gone=0
for _ in $(seq 1 40); do
    if ! kill -0 "$hookpid" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$hookpid/stat" 2>/dev/null)" = Z ]; then
        gone=1
        break
    fi
    sleep 0.05
done
if [ "$gone" != 1 ]; then
    kill -KILL "$hookpid" 2>/dev/null || true
    cp_fail "the hook (pid $hookpid) outlived the killed certpilot"
fi
journal=$CP_WORK/state/journal/crash.example.test.json
[ -f "$journal" ] || cp_fail "no journal of the presented challenge at $journal"
token=$(sed -n 's/^ *"token": "\(.*\)",\{0,1\}$/\1/p' "$journal")
[ -n "$token" ] || cp_fail "no token in the journal: $(cat "$journal")"
[ "$(stat -c %a "$journal")" = 600 ] || cp_fail "journal is not mode 600"

# The next run: `failed` for the leftover challenge first, then a normal issue.
: >"$calls"
cp_certpilot -q issue -d crash.example.test --hook "$hook" >/dev/null
first=$(sed -n 1p "$calls")
case "$first" in
"failed dns-01 crash.example.test $token "*) ;;
*) cp_fail "the next run did not start with failed for token $token: $(cat "$calls")" ;;
esac
grep -q '^begin dns-01 crash.example.test' "$calls" || cp_fail "no begin after the recovery: $(cat "$calls")"
[ ! -e "$journal" ] || cp_fail "journal left after a clean run: $(cat "$journal")"
cp_verify_cert "$CP_WORK/state/certs/crash.example.test" crash.example.test
echo "ok"
