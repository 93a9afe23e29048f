#!/usr/bin/env bash
# --pre-hook / --post-hook (certbot's names; pre_hook / post_hook in [certpilot]): run once
# around a run that orders, in that order around the challenge hook's calls; neither when
# nothing is due; a failing pre-hook stops the run before any order (exit 1, one line
# naming it) and the post-hook runs anyway; the post-hook runs after a failed order too.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
cp_certpilot -q account new --agree-tos >/dev/null

order=$CP_WORK/order
rec=$CP_WORK/rec
printf '#!/bin/sh\necho "$*" >>"%s"\n' "$order" >"$rec"
failing=$CP_WORK/failing
printf '#!/bin/sh\necho "$*" >>"%s"\nexit 3\n' "$order" >"$failing"
hook=$CP_WORK/chal-hook
cat >"$hook" <<HOOK
#!/bin/sh
echo "\$1 \$3" >>"$order"
if [ -e "$CP_WORK/decline" ] && [ "\$1" = begin ]; then exit 1; fi
exec "$CP_SOURCE_DIR/examples/hooks/challtestsrv" "\$@"
HOOK
chmod +x "$rec" "$failing" "$hook"

# what was run, on one line: "pre;begin a;done a;post"
ran() { paste -sd';' "$order"; }

# 1. issue: pre, the challenge hook, post; words after the program are its arguments.
: >"$order"
cp_certpilot -q issue -d a.prepost.test --hook "$hook" --pre-hook "$rec pre 'two words'" \
    --post-hook "$rec post" >/dev/null
[ "$(ran)" = "pre two words;begin a.prepost.test;done a.prepost.test;post" ] || cp_fail "issue ran: $(ran)"
cp_certpilot -q issue -d b.prepost.test --hook "$hook" >/dev/null

# 2. renew with nothing due: neither hook runs.
: >"$order"
out=$(cp_certpilot renew --pre-hook "$rec pre" --post-hook "$rec post" 2>/dev/null)
cp_assert_contains "$out" "not due a.prepost.test"
[ ! -s "$order" ] || cp_fail "hooks ran although nothing was due: $(ran)"

# 3. renew --force of two certificates: one pre before both, one post after both.
: >"$order"
cp_certpilot renew --force --jobs 2 --pre-hook "$rec pre" --post-hook "$rec post" >"$CP_WORK/renew3.out" 2>&1 || cp_fail "renew --force: $(cat "$CP_WORK/renew3.out")"
[ "$(head -n1 "$order")" = pre ] && [ "$(tail -n1 "$order")" = post ] || cp_fail "renew ran: $(ran)"
[ "$(grep -c '^pre$' "$order")" = 1 ] && [ "$(grep -c '^post$' "$order")" = 1 ] || cp_fail "renew ran: $(ran)"
[ "$(grep -c '^done ' "$order")" = 2 ] || cp_fail "renew did not renew both: $(ran)"

# 4. a pre-hook that fails: nothing ordered (no begin), exit 1, one line; post runs.
: >"$order"
cp_expect_fail cp_certpilot -q issue -d c.prepost.test --hook "$hook" --pre-hook "$failing pre" \
    --post-hook "$rec post"
cp_check_err 1 "certpilot: pre-hook $failing exited with status 3; nothing was ordered"
cp_check_one_line
[ "$(ran)" = "pre;post" ] || cp_fail "after a failing pre-hook, ran: $(ran)"
[ ! -e "$CP_WORK/state/certs/c.prepost.test" ] || cp_fail "c.prepost.test stored after a failing pre-hook"
# renew too: the run's error is the pre-hook's
: >"$order"
cp_expect_fail cp_certpilot -q renew --force --pre-hook "$failing pre" --post-hook "$rec post"
cp_check_err 1 "certpilot: pre-hook $failing exited with status 3; nothing was ordered"
[ "$(ran)" = "pre;post" ] || cp_fail "renew after a failing pre-hook ran: $(ran)"

# 5. the post-hook runs after a failed order (the challenge hook declines).
touch "$CP_WORK/decline"
: >"$order"
cp_expect_fail cp_certpilot -q issue -d d.prepost.test --hook "$hook" --pre-hook "$rec pre" \
    --post-hook "$rec post"
cp_check_err 1 "declined"
[ "$(ran)" = "pre;begin d.prepost.test;post" ] || cp_fail "after a failed order, ran: $(ran)"
rm -f "$CP_WORK/decline"

# 6. the config's [certpilot] pre_hook and post_hook, for renew.
cfg=$CP_WORK/certpilot.ini
printf '[certpilot]\npre_hook = %s pre\npost_hook = %s post\n' "$rec" "$rec" >"$cfg"
: >"$order"
cp_certpilot -q --config "$cfg" renew --force --cert-name a.prepost.test >/dev/null
[ "$(ran)" = "pre;begin a.prepost.test;done a.prepost.test;post" ] || cp_fail "config hooks ran: $(ran)"
# a flag beats the config
: >"$order"
cp_certpilot -q --config "$cfg" renew --force --cert-name a.prepost.test --pre-hook "$rec flag" >/dev/null
[ "$(ran)" = "flag;begin a.prepost.test;done a.prepost.test;post" ] || cp_fail "flag over config ran: $(ran)"

# 7. a pre-hook that is not there is refused before anything runs.
cp_expect_fail cp_certpilot -q issue -d e.prepost.test --hook "$hook" --pre-hook "/nonexistent/stop-nginx"
cp_check_err 1 "--pre-hook"
echo "ok"
