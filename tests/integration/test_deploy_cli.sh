#!/usr/bin/env bash
# Deploy from the command line: `issue --deploy` stores the targets with the
# certificate and installs after every issue and renewal; `certpilot deploy`
# skips targets that have the current serial, retries the ones that failed,
# and adds targets given with --to. A failing target leaves the certificate
# stored and the other targets installed, and the exit status says it failed.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
out=$CP_WORK/out && mkdir -p "$out/nginx"
flag=$CP_WORK/exec-ok
cat >"$CP_WORK/on-deploy" <<SH
#!/bin/sh
[ -e "$flag" ] || exit 3
echo "\$CERTPILOT_SERIAL \$CERTPILOT_NAMES" >>"$CP_WORK/deployed.log"
SH
chmod +x "$CP_WORK/on-deploy"
serial() { openssl x509 -noout -serial -in "$1" | cut -d= -f2; }

cp_certpilot account new --agree-tos >/dev/null
# The exec target fails (its flag file is missing): the certificate is stored, files installed.
cp_expect_fail cp_certpilot issue -d d.example.test --hook "$hook" --deploy "files:$out/nginx" \
    --deploy "exec:$CP_WORK/on-deploy" --deploy "pkcs12:$out/site.pfx"
cp_check_err 1 "is stored, but a deploy target failed"
cp_verify_cert "$CP_WORK/state/certs/d.example.test" d.example.test || cp_fail "certificate not stored"
s1=$(serial "$CP_WORK/state/certs/d.example.test/cert.pem")
[ "$(serial "$out/nginx/cert.pem")" = "$s1" ] || cp_fail "files target not installed"
[ "$(stat -c %a "$out/nginx/privkey.pem")" = 600 ] || cp_fail "installed key is not 0600"
openssl pkcs12 -in "$out/site.pfx" -passin pass: -nokeys 2>/dev/null | grep -q "BEGIN CERTIFICATE" ||
    cp_fail "pkcs12 target not installed"
grep -q "deploy exec:.*: failed: " <<<"$CP_LAST_OUT" || cp_fail "the failed target is not reported: $CP_LAST_OUT"

# deploy retries only what failed or lags behind.
touch "$flag"
cp_certpilot deploy --cert-name d.example.test >"$CP_WORK/d.out"
grep -q "deploy files:$out/nginx: up to date" "$CP_WORK/d.out" || cp_fail "files redeployed: $(cat "$CP_WORK/d.out")"
grep -q "deploy exec:$CP_WORK/on-deploy: installed" "$CP_WORK/d.out" || cp_fail "exec not retried: $(cat "$CP_WORK/d.out")"
grep -q "^$s1 d.example.test$" "$CP_WORK/deployed.log" || cp_fail "the hook did not see the certificate"
cp_certpilot deploy --force d.example.test >"$CP_WORK/d.out"
grep -q "deploy files:$out/nginx: unchanged" "$CP_WORK/d.out" || cp_fail "--force: $(cat "$CP_WORK/d.out")"

# A renewal installs everywhere by itself.
cp_certpilot renew --force >"$CP_WORK/r.out" 2>&1 || cp_fail "renew: $(cat "$CP_WORK/r.out")"
s2=$(serial "$CP_WORK/state/certs/d.example.test/cert.pem")
[ "$s2" != "$s1" ] || cp_fail "not renewed"
[ "$(serial "$out/nginx/cert.pem")" = "$s2" ] || cp_fail "renewal not deployed to files"
grep -q "^$s2 " "$CP_WORK/deployed.log" || cp_fail "renewal not deployed to exec"

# --to adds a target; a bad target is a usage error before anything runs.
cp_certpilot deploy --cert-name d.example.test --to "files:cert=$out/extra-cert.pem" >/dev/null
[ "$(serial "$out/extra-cert.pem")" = "$s2" ] || cp_fail "--to target not installed"
grep -q "extra-cert.pem" "$CP_WORK/state/certs/d.example.test/meta.json" || cp_fail "--to target not stored"
cp_expect_fail cp_certpilot deploy --cert-name d.example.test --to "nosuch:x"
cp_check_err 2 "nosuch"
cp_expect_fail cp_certpilot deploy --cert-name none.example.test
cp_check_err 1 "none.example.test"
cp_certpilot list --json | grep -q '"deploy"' || cp_fail "list --json does not show the targets"

# A target that is refused is never stored, and never echoed later (issue 22 #11).
meta=$CP_WORK/state/certs/d.example.test/meta.json
cp_expect_fail cp_certpilot deploy d.example.test --to "pkcs12:$out/pw.pfx,password=hunter2"
cp_check_err 2 "pkcs12: the password is not a setting; use password_file or password_env"
grep -q hunter2 "$meta" && cp_fail "a refused target was stored: $(cat "$meta")"
cp_certpilot deploy d.example.test >"$CP_WORK/d.out"
grep -q hunter2 "$CP_WORK/d.out" && cp_fail "a refused target is echoed: $(cat "$CP_WORK/d.out")"

# A bad target is refused before anything is ordered (issue 23 #3).
requests=$(grep -c 'calling handler' "$CP_WORK/pebble/pebble.log" || true)
cp_expect_fail cp_certpilot issue -d e.example.test --hook "$hook" --deploy "files:$out/e,relaod=x"
cp_check_err 2 'files: unknown setting "relaod" (did you mean "reload"?)'
[ "$(grep -c 'calling handler' "$CP_WORK/pebble/pebble.log" || true)" = "$requests" ] ||
    cp_fail "the CA was asked before the deploy target was refused"
[ ! -e "$CP_WORK/state/certs/e.example.test" ] || cp_fail "a certificate was stored for a refused target"

# --remove drops a stored target, by its spec or by TYPE:ITEM; nothing else runs.
rm -f "$flag"
cp_certpilot deploy d.example.test --remove "exec:$CP_WORK/on-deploy" >"$CP_WORK/d.out"
grep -q "deploy exec:$CP_WORK/on-deploy: removed" "$CP_WORK/d.out" || cp_fail "--remove: $(cat "$CP_WORK/d.out")"
grep -q "on-deploy" "$meta" && cp_fail "the removed target is still stored"
cp_certpilot deploy d.example.test --remove "files:cert=$out/extra-cert.pem" >/dev/null
grep -q "extra-cert.pem" "$meta" && cp_fail "the target removed by TYPE:ITEM is still stored"
cp_expect_fail cp_certpilot deploy d.example.test --remove "exec:/nowhere"
cp_check_err 2 "certificate d.example.test: no deploy target \"exec:/nowhere\" (stored: files:$out/nginx; pkcs12:$out/site.pfx)"
cp_certpilot deploy --force d.example.test >"$CP_WORK/d.out" || cp_fail "deploy after --remove: $(cat "$CP_WORK/d.out")"
grep -q "exec" "$CP_WORK/d.out" && cp_fail "a removed target ran: $(cat "$CP_WORK/d.out")"
echo "ok"
