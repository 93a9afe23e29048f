#!/usr/bin/env bash
# A hook that declines: exit 1, one clear line, no files under certs/, and
# `failed` is run for the challenges that were already presented.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble

calls=$CP_WORK/calls
hook=$CP_WORK/declining-hook
cat >"$hook" <<HOOK
#!/bin/sh
echo "\$1 \$2 \$3 \$CERTPILOT_METHOD \$CERTPILOT_IDENT" >>"$calls"
# decline the second begin, so one challenge is already presented
if [ "\$1" = begin ] && [ "\$(grep -c '^begin' "$calls")" = 2 ]; then exit 3; fi
exec "$CP_SOURCE_DIR/examples/hooks/challtestsrv" "\$@"
HOOK
chmod +x "$hook"

cp_certpilot account new --agree-tos >/dev/null
cp_expect_fail cp_certpilot issue -d yes.example.test -d no.example.test --hook "$hook"
cp_check_err 1
[ "$(printf '%s\n' "$CP_LAST_ERR" | grep -c '^certpilot: ')" = 1 ] || cp_fail "expected one error line: $CP_LAST_ERR"
cp_assert_contains "$CP_LAST_ERR" "declined"
[ ! -e "$CP_WORK/state/certs/yes.example.test" ] || cp_fail "partial files left under certs/"

# begin for both (the second declined, and named in the error), then failed
# for the first only, with the same values in the environment
first=$(sed -n '1s/^begin dns-01 \([^ ]*\) begin \1$/\1/p' "$calls")
second=$(sed -n '2s/^begin dns-01 \([^ ]*\) begin \1$/\1/p' "$calls")
[ -n "$first" ] && [ -n "$second" ] && [ "$first" != "$second" ] || cp_fail "expected two begins: $(cat "$calls")"
cp_assert_contains "$CP_LAST_ERR" "$second"
[ "$(sed -n 3p "$calls")" = "failed dns-01 $first failed $first" ] || cp_fail "no failed for $first: $(cat "$calls")"
[ "$(wc -l <"$calls")" = 3 ] || cp_fail "unexpected hook calls: $(cat "$calls")"
echo "ok"
