#!/usr/bin/env bash
# certpilot import certbot, with files Debian's certbot made against Pebble: a manual
# dns-01 certificate (certbot's auth and cleanup hooks, a wildcard) and a standalone one
# with a deploy hook. The account URL is kept (no new account), the files verify,
# `renew --force` renews both with the imported settings, certbot's directory is never
# written, and a link that leads out of it or a shell hook is refused with the reason.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
command -v certbot >/dev/null 2>&1 || { echo "SKIP: certbot is not installed (scripts/deps.sh)"; exit 77; }
cp_start_pebble

cb=$CP_WORK/letsencrypt
mkdir -p "$CP_WORK/bin"
# certbot's manual hook contract: CERTBOT_DOMAIN and CERTBOT_VALIDATION, no arguments
cat >"$CP_WORK/bin/auth" <<HOOK
#!/bin/sh
echo "auth \$CERTBOT_DOMAIN \$# \$CERTBOT_REMAINING_CHALLENGES" >>"$CP_WORK/hooks.log"
curl -sS --fail -X POST -d "{\"host\":\"_acme-challenge.\$CERTBOT_DOMAIN.\",\"value\":\"\$CERTBOT_VALIDATION\"}" \
    "$CHALLTESTSRV_URL/set-txt" >/dev/null
HOOK
cat >"$CP_WORK/bin/cleanup" <<HOOK
#!/bin/sh
echo "cleanup \$CERTBOT_DOMAIN" >>"$CP_WORK/hooks.log"
curl -sS --fail -X POST -d "{\"host\":\"_acme-challenge.\$CERTBOT_DOMAIN.\"}" "$CHALLTESTSRV_URL/clear-txt" >/dev/null
HOOK
printf '#!/bin/sh\necho "deployed $CERTPILOT_CERT_NAME" >>"%s/hooks.log"\n' "$CP_WORK" >"$CP_WORK/bin/deployed"
chmod 755 "$CP_WORK/bin/"*

certbot_run() {
    REQUESTS_CA_BUNDLE=$PEBBLE_CA_BUNDLE certbot --server "$PEBBLE_URL" --config-dir "$cb" \
        --work-dir "$CP_WORK/cb-work" --logs-dir "$CP_WORK/cb-logs" --non-interactive --agree-tos \
        --register-unsafely-without-email "$@" >>"$CP_WORK/certbot.log" 2>&1 || cp_fail "certbot $*: $(tail -5 "$CP_WORK/certbot.log")"
}
certbot_run certonly --manual --preferred-challenges dns --manual-auth-hook "$CP_WORK/bin/auth" \
    --manual-cleanup-hook "$CP_WORK/bin/cleanup" -d man.example.test -d '*.man.example.test'
certbot_run certonly --standalone --http-01-port "$PEBBLE_HTTP_PORT" --key-type rsa \
    --deploy-hook "$CP_WORK/bin/deployed" -d sa.example.test
regr=$(find "$cb/accounts" -name regr.json)
[ "$(printf '%s\n' "$regr" | wc -l)" = 1 ] || cp_fail "expected one certbot account, got: $regr"
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["uri"])' "$regr")
snapshot() { (cd "$cb" && find . -printf '%p %y %l %s %T@ %m\n' | LC_ALL=C sort); }
before=$(snapshot)

# --dry-run says what would happen and writes nothing
out=$(cp_certpilot import certbot --from "$cb" --dry-run)
cp_assert_contains "$out" "imported certificate man.example.test: would import: 2 name(s), ec256, solver hook"
cp_assert_contains "$out" "imported account $url: would import as default"
[ ! -e "$CP_WORK/state/certs/man.example.test" ] || cp_fail "--dry-run stored a certificate"

out=$(cp_certpilot import certbot --from "$cb")
cp_assert_contains "$out" "imported account $url: imported as default"
cp_assert_contains "$out" "imported certificate man.example.test: 2 name(s), ec256, solver hook, account default"
cp_assert_contains "$out" "imported certificate sa.example.test: 1 name(s), rsa2048, solver standalone"
[ "$(printf '%s\n' "$out" | grep -c '^imported account')" = 1 ] || cp_fail "one account, imported once: $out"
port=${PEBBLE_URL##*:}
port=${port%%/*}
acct=$CP_WORK/state/accounts/localhost_$port
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$acct/default/account.json")" = "$url" ] ||
    cp_fail "the imported account's URL is not certbot's $url"
[ "$(stat -c %a "$acct/default/key.pem")" = 600 ] || cp_fail "the account key is not 0600"
cp_verify_cert "$CP_WORK/state/certs/man.example.test" man.example.test '*.man.example.test' || cp_fail "man: files"
cp_verify_cert "$CP_WORK/state/certs/sa.example.test" sa.example.test || cp_fail "sa: files"
cmp -s "$CP_WORK/state/certs/sa.example.test/cert.pem" "$cb/live/sa.example.test/cert.pem" ||
    cp_fail "the stored certificate is not certbot's"
[ "$(snapshot)" = "$before" ] || cp_fail "certbot's directory was written"

# again: everything is there already, nothing changes
out=$(cp_certpilot import certbot --from "$cb")
cp_assert_contains "$out" "present certificate man.example.test: already stored in certpilot"
list=$(cp_certpilot list)
cp_assert_contains "$list" "man.example.test"
cp_assert_contains "$list" "sa.example.test"

# renew takes over: the same account (no new one), certbot's hooks, certbot's port, its deploy hook
old_man=$(openssl x509 -in "$CP_WORK/state/certs/man.example.test/cert.pem" -noout -serial)
old_sa=$(openssl x509 -in "$CP_WORK/state/certs/sa.example.test/cert.pem" -noout -serial)
: >"$CP_WORK/hooks.log"
cp_certpilot renew --force >"$CP_WORK/renew.out" 2>&1 || cp_fail "renew --force: $(cat "$CP_WORK/renew.out")"
[ "$old_man" != "$(openssl x509 -in "$CP_WORK/state/certs/man.example.test/cert.pem" -noout -serial)" ] ||
    cp_fail "man.example.test was not renewed"
[ "$old_sa" != "$(openssl x509 -in "$CP_WORK/state/certs/sa.example.test/cert.pem" -noout -serial)" ] ||
    cp_fail "sa.example.test was not renewed"
cp_verify_cert "$CP_WORK/state/certs/man.example.test" man.example.test '*.man.example.test' || cp_fail "man: renewed"
cp_verify_cert "$CP_WORK/state/certs/sa.example.test" sa.example.test || cp_fail "sa: renewed"
# read whole first: with pipefail, grep -q closing the pipe early would fail openssl
keytext=$(openssl pkey -in "$CP_WORK/state/certs/sa.example.test/privkey.pem" -noout -text 2>/dev/null)
cp_assert_contains "$keytext" "(2048 bit"
cp_assert_contains "$keytext" "modulus:"
hooks=$(cat "$CP_WORK/hooks.log")
cp_assert_contains "$hooks" "auth man.example.test 0 0"
cp_assert_contains "$hooks" "cleanup man.example.test"
cp_assert_contains "$hooks" "deployed sa.example.test"
[ "$(ls "$acct")" = default ] || cp_fail "renew made another account: $(ls "$acct")"
[ "$(snapshot)" = "$before" ] || cp_fail "certbot's directory was written by renew"

# refused: a live link that leads out of certbot's directory; a hook that needs a shell
evil=$CP_WORK/evil
cp -a "$cb" "$evil"
cp "$evil/archive/sa.example.test/cert1.pem" "$CP_WORK/outside.pem"
ln -sf "$CP_WORK/outside.pem" "$evil/live/sa.example.test/cert.pem"
sed -i "s|^manual_auth_hook = .*|manual_auth_hook = $CP_WORK/bin/auth \&\& true|" "$evil/renewal/man.example.test.conf"
cp_expect_fail "$CERTPILOT" --root "$CP_WORK/state2" import certbot --from "$evil"
cp_check_err 1 "2 certificate(s) skipped"
cp_assert_contains "$CP_LAST_OUT" "skipped certificate sa.example.test: $evil/live/sa.example.test/cert.pem leads to $CP_WORK/outside.pem, outside $evil: refused"
cp_assert_contains "$CP_LAST_OUT" "skipped certificate man.example.test: manual_auth_hook \"$CP_WORK/bin/auth && true\" is not one executable file"
[ ! -e "$CP_WORK/state2/certs/sa.example.test" ] && [ ! -e "$CP_WORK/state2/accounts/localhost_$port" ] ||
    cp_fail "a skipped certificate left something behind"
echo "ok"
