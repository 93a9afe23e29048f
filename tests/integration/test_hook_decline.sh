#!/usr/bin/env bash
# A hook that declines (exit 1 on begin): certpilot exits 1 with one error
# line mentioning "declined", writes nothing under certs/, and runs `failed`
# for the challenges that were already presented.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
cp_certpilot account new --agree-tos >/dev/null

# 1. A hook that declines everything.
never=$CP_WORK/never-hook
printf '#!/bin/sh\nexit 1\n' >"$never"
chmod +x "$never"
cp_expect_fail cp_certpilot -q issue -d never.example.test --hook "$never"
cp_check_err 1 "declined"
cp_check_one_line
[ ! -e "$CP_WORK/state/certs/never.example.test" ] || cp_fail "certs/never.example.test exists after a decline"

# 2. A hook that records every call and declines the second begin, so one
#    challenge is already presented when the run stops.
calls=$CP_WORK/calls
hook=$CP_WORK/recording-hook
cat >"$hook" <<HOOK
#!/bin/sh
echo "\$1 \$2 \$3 \$CERTPILOT_METHOD \$CERTPILOT_IDENT" >>"$calls"
if [ "\$1" = begin ] && [ "\$(grep -c '^begin' "$calls")" = 2 ]; then exit 1; fi
exec "$CP_SOURCE_DIR/examples/hooks/challtestsrv" "\$@"
HOOK
chmod +x "$hook"

cp_expect_fail cp_certpilot issue -d yes.example.test -d no.example.test --hook "$hook"
cp_check_err 1 "declined"
errs=$(grep -c '^certpilot: ' <<<"$CP_LAST_ERR" || true)
[ "$errs" = 1 ] || cp_fail "expected one error line, got $errs: $CP_LAST_ERR"
[ ! -e "$CP_WORK/state/certs/yes.example.test" ] || cp_fail "certs/yes.example.test exists after a decline"
[ -z "$(find "$CP_WORK/state/certs" -mindepth 1 2>/dev/null)" ] || cp_fail "files left under certs/: $(find "$CP_WORK/state/certs")"

# begin for both (the second declined and named in the error), then failed for
# the first only, with the same values in the environment; no done.
first=$(sed -n '1s/^begin dns-01 \([^ ]*\) begin \1$/\1/p' "$calls")
second=$(sed -n '2s/^begin dns-01 \([^ ]*\) begin \1$/\1/p' "$calls")
if [ -z "$first" ] || [ -z "$second" ] || [ "$first" = "$second" ]; then
    cp_fail "expected two begins for two names: $(cat "$calls")"
fi
grep -F "declined" <<<"$CP_LAST_ERR" | grep -qF "$second" || cp_fail "the error line does not name $second: $CP_LAST_ERR"
[ "$(sed -n 3p "$calls")" = "failed dns-01 $first failed $first" ] || cp_fail "no failed for $first: $(cat "$calls")"
[ "$(wc -l <"$calls")" = 3 ] || cp_fail "unexpected hook calls: $(cat "$calls")"
# the presented TXT value was cleared again by failed
txt=$(dig +short +time=2 +tries=1 @127.0.0.1 -p "$CHALLTESTSRV_DNS_PORT" TXT "_acme-challenge.$first")
[ -z "$txt" ] || cp_fail "TXT for $first left after failed: $txt"
echo "ok"
