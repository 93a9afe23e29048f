#!/usr/bin/env bash
# The pkcs12 and exec targets on a certificate issued by Pebble.
# pkcs12: `openssl pkcs12` opens the modern file (AES-256-CBC, PBKDF2,
# SHA-256 MAC) and the legacy one (3DES, SHA-1 MAC; with -legacy); the key
# matches the certificate, the chain and the friendly name are there; the
# password comes from a file or the environment and never appears in argv.
# exec: the hook gets the CERTPILOT_* environment of certbot-style deploy hooks.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
: "${DEPLOYTOOL:=$CP_SOURCE_DIR/build/tests/deploytool}"
[ -x "$DEPLOYTOOL" ] || cp_fail "deploytool not found at $DEPLOYTOOL (build first)"
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
name=iis.example.test
state=$CP_WORK/state
live=$state/certs/$name
deploy() { "$DEPLOYTOOL" "$state" "$name" "$@"; }

cp_certpilot issue --agree-tos -d "$name" -d www.iis.example.test --hook "$hook" >/dev/null
out=$CP_WORK/out
mkdir -p "$out"
printf 'S3cret pass\n' >"$out/pw"
chmod 600 "$out/pw"

# check_pfx FILE PASSARG LEGACY FRIENDLY: key matches, chain present, algorithms.
check_pfx() {
    local pfx=$1 pass=$2 legacy=$3 friendly=$4 flags=() info
    [ "$legacy" = yes ] && flags=(-legacy)
    [ "$(stat -c %a "$pfx")" = 600 ] || cp_fail "$pfx is not mode 600"
    openssl pkcs12 "${flags[@]}" -in "$pfx" -passin "$pass" -nocerts -nodes -out "$out/k.pem" 2>"$out/err" ||
        cp_fail "openssl pkcs12 cannot read the key of $pfx: $(cat "$out/err")"
    [ "$(openssl pkey -in "$out/k.pem" -pubout)" = "$(openssl x509 -in "$live/cert.pem" -noout -pubkey)" ] ||
        cp_fail "the key in $pfx is not the certificate's key"
    openssl pkcs12 "${flags[@]}" -in "$pfx" -passin "$pass" -clcerts -nokeys -out "$out/c.pem" 2>"$out/err" ||
        cp_fail "no client certificate in $pfx"
    [ "$(openssl x509 -in "$out/c.pem" -noout -serial)" = "$(openssl x509 -in "$live/cert.pem" -noout -serial)" ] ||
        cp_fail "the certificate in $pfx is not the stored one"
    openssl pkcs12 "${flags[@]}" -in "$pfx" -passin "$pass" -cacerts -nokeys -out "$out/ca.pem" 2>"$out/err" ||
        cp_fail "no CA certificates in $pfx"
    [ "$(openssl x509 -in "$out/ca.pem" -noout -subject)" = "$(openssl x509 -in "$live/chain.pem" -noout -subject)" ] ||
        cp_fail "the chain in $pfx is not the stored chain"
    info=$(openssl pkcs12 "${flags[@]}" -in "$pfx" -passin "$pass" -info -noout 2>&1) ||
        cp_fail "openssl pkcs12 -info failed on $pfx: $info"
    if [ "$legacy" = yes ]; then
        cp_assert_contains "$info" "MAC: sha1"
        cp_assert_contains "$info" "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC"
        cp_assert_contains "$info" "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC"
    else
        cp_assert_contains "$info" "MAC: sha256"
        cp_assert_contains "$info" "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC"
        cp_assert_contains "$info" "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC"
        cp_assert_contains "$info" "PRF hmacWithSHA256"
    fi
    # into a variable first: grep -q in a pipe could end openssl with SIGPIPE (and pipefail)
    info=$(openssl pkcs12 "${flags[@]}" -in "$pfx" -passin "$pass" -nokeys -clcerts 2>/dev/null)
    cp_assert_contains "$info" "friendlyName: $friendly"
}

# Modern, password from a file; the friendly name defaults to the certificate name.
res=$(deploy "pkcs12:$out/site.pfx,password_file=$out/pw")
[ "$res" = "pkcs12: changed" ] || cp_fail "pkcs12 deploy printed: $res"
check_pfx "$out/site.pfx" "pass:S3cret pass" no "$name"
res=$(deploy "pkcs12:$out/site.pfx,password_file=$out/pw")
[ "$res" = "pkcs12: unchanged" ] || cp_fail "a repeated pkcs12 deploy printed: $res"
if openssl pkcs12 -in "$out/site.pfx" -passin pass:wrong -noout 2>/dev/null; then
    cp_fail "the pfx opened with a wrong password"
fi

# Legacy (short form), password from the environment, own friendly name.
res=$(PFX_PASS='env pass' deploy "pkcs12:$out/legacy.pfx:legacy,password_env=PFX_PASS,friendly_name=IIS site")
[ "$res" = "pkcs12: changed" ] || cp_fail "legacy pkcs12 deploy printed: $res"
check_pfx "$out/legacy.pfx" "pass:env pass" yes "IIS site"

# An empty password is allowed.
deploy "pkcs12:path=$out/empty.pfx" >/dev/null
check_pfx "$out/empty.pfx" "pass:" no "$name"

# Errors: a missing variable, a missing password file, both sources, a setting typo.
cp_expect_fail env -u NOPE "$DEPLOYTOOL" "$state" "$name" "pkcs12:$out/x.pfx,password_env=NOPE"
cp_check_err 2 "deploytool: pkcs12: environment variable NOPE is not set"
cp_expect_fail deploy "pkcs12:$out/x.pfx,password_file=$out/missing"
cp_check_err 1 "deploytool: pkcs12: password file: cannot read $out/missing: No such file or directory"
cp_expect_fail deploy "pkcs12:$out/x.pfx,password_file=$out/pw,password_env=X"
cp_check_err 2 "deploytool: pkcs12: set password_file or password_env, not both"
cp_expect_fail deploy "pkcs12:$out/x.pfx,pasword_file=$out/pw"
cp_check_err 2 'deploytool: pkcs12: unknown setting "pasword_file" (did you mean "password_file"?)'
[ ! -e "$out/x.pfx" ] || cp_fail "a failed pkcs12 deploy left $out/x.pfx"

# exec: the hook sees the certificate's environment.
cat >"$out/hook.sh" <<'HOOK'
#!/bin/sh
env | grep '^CERTPILOT_' | LC_ALL=C sort >"$1"
printf '%s\n' "$@" >"$1.args"
HOOK
chmod 755 "$out/hook.sh"
res=$(deploy "exec:$out/hook.sh $out/env.txt 'two words'")
[ "$res" = "exec: changed" ] || cp_fail "exec deploy printed: $res"
serial=$(openssl x509 -in "$live/cert.pem" -noout -serial | cut -d= -f2)
end=$(date -u -d "$(openssl x509 -in "$live/cert.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
ver=$(readlink -f "$live/current")
want="CERTPILOT_CERT=$ver/cert.pem
CERTPILOT_CERT_NAME=$name
CERTPILOT_CHAIN=$ver/chain.pem
CERTPILOT_FULLCHAIN=$ver/fullchain.pem
CERTPILOT_KEY=$ver/privkey.pem
CERTPILOT_NAMES=$name www.iis.example.test
CERTPILOT_NOT_AFTER=$end
CERTPILOT_SERIAL=$serial"
[ "$(cat "$out/env.txt")" = "$want" ] || cp_fail "hook environment:
$(cat "$out/env.txt")
expected:
$want"
[ "$(cat "$out/env.txt.args")" = "$out/env.txt
two words" ] || cp_fail "hook arguments: $(cat "$out/env.txt.args")"
# The variable a pkcs12 target reads its password from reaches no command another target runs
# (exec, a files reload), through certpilot deploy (issue 22 #6).
printf '#!/bin/sh\nenv >"%s"\n' "$out/child.env" >"$out/envdump.sh"
chmod 755 "$out/envdump.sh"
mkdir -p "$out/files"
PFX_PASS='env pass' cp_certpilot deploy "$name" --to "pkcs12:$out/env.pfx,password_env=PFX_PASS" \
    --to "exec:$out/envdump.sh" --to "files:$out/files,reload=$out/envdump.sh" >/dev/null ||
    cp_fail "deploy with password_env"
check_pfx "$out/env.pfx" "pass:env pass" no "$name"
[ -s "$out/child.env" ] || cp_fail "the exec target did not run"
grep -q '^PFX_PASS=' "$out/child.env" && cp_fail "a deploy command inherited PFX_PASS"
# ... nor the challenge hook, which runs before any target: for a new target and a stored one.
printf '#!/bin/sh
env >"%s"
exec "%s" "$@"
' "$out/hook.env" "$hook" >"$out/hook.sh"
chmod 755 "$out/hook.sh"
PFX_PASS='env pass' cp_certpilot issue -d hookenv.example.test --hook "$out/hook.sh" \
    --deploy "pkcs12:$out/hookenv.pfx,password_env=PFX_PASS" >/dev/null || cp_fail "issue with password_env"
[ -s "$out/hook.env" ] || cp_fail "the challenge hook did not run"
grep -q '^PFX_PASS=' "$out/hook.env" && cp_fail "the challenge hook inherited PFX_PASS (new target)"
rm "$out/hook.env"
PFX_PASS='env pass' cp_certpilot renew --force --cert-name hookenv.example.test >/dev/null ||
    cp_fail "renew with a stored password_env target"
[ -s "$out/hook.env" ] || cp_fail "the challenge hook did not run at renewal"
grep -q '^PFX_PASS=' "$out/hook.env" && cp_fail "the challenge hook inherited PFX_PASS (stored target)"
grep -q '^CERTPILOT_METHOD=' "$out/hook.env" || cp_fail "the hook's own variables are missing"
cp_expect_fail deploy "exec:/bin/false"
cp_check_err 1 "deploytool: exec: /bin/false exited with status 1"
cp_expect_fail deploy "exec:no-such-hook-program"
cp_check_err 1 'deploytool: exec: program "no-such-hook-program" is not in PATH'
echo "ok"
