#!/usr/bin/env bash
# The certpilot program holds private keys in memory, so it turns core dumps off at
# start (issue 22, finding 12c): RLIMIT_CORE soft and hard 0, and not dumpable. The
# limits are read by a challenge hook from /proc/<certpilot>/limits while certpilot
# waits for it, after this shell raised its own soft limit to the hard one.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
limits=$CP_WORK/certpilot.limits
hook=$CP_WORK/hook
cat >"$hook" <<HOOK
#!/bin/sh
[ "\$1" = begin ] && grep '^Max core file size' /proc/\$PPID/limits >"$limits"
exec "$CP_SOURCE_DIR/examples/hooks/challtestsrv" "\$@"
HOOK
chmod 0755 "$hook"

ulimit -S -c "$(ulimit -H -c)"
[ "$(ulimit -c)" != 0 ] || cp_log "note: this shell cannot raise its core limit; checking the hard limit"
cp_certpilot account new --agree-tos >/dev/null
cp_certpilot issue -d core.example.test --hook "$hook" >/dev/null 2>&1 || cp_fail "issue failed"
[ -s "$limits" ] || cp_fail "the hook did not record certpilot's limits"
read -r soft hard <<<"$(awk '{print $5, $6}' "$limits")"
[ "$soft" = 0 ] && [ "$hard" = 0 ] || cp_fail "certpilot's core limit is soft $soft, hard $hard: $(cat "$limits")"
echo "ok"
