#!/usr/bin/env bash
# Flags say what is wrong with them in one line: an unknown one names the
# nearest option of the command (as the config file does for keys), one
# without its value names the value it needs, a misspelt --ca the nearest CA;
# --listen reads PORT and :PORT as the config does. No CA is needed.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
s=$CP_WORK/s

# usage MESSAGE ARGS...: exit 2 and exactly "certpilot: MESSAGE" on stderr
usage() {
    local want=$1
    shift
    cp_expect_fail "$CERTPILOT" --root "$s" "$@"
    cp_check_err 2
    [ "$CP_LAST_ERR" = "certpilot: $want" ] || cp_fail "certpilot $*: got \"$CP_LAST_ERR\", want \"certpilot: $want\""
}
usage "issue: option --hok is unknown (did you mean --hook?)" issue -d a.example.test --hok /bin/true
usage "issue: option --webroot needs a value (DIR)" issue -d a.example.test --webroot
usage "issue: option -d needs a value (NAME)" issue --hook /bin/true -d
usage "issue: option --standalone takes no value" issue -d a.example.test --standalone=yes
usage "issue: option --frobnicate is unknown (see certpilot issue --help)" issue --frobnicate
usage "issue: option -x is unknown (see certpilot issue --help)" issue -x
usage "deploy: option --to needs a value (TARGET)" deploy site --to
usage "revoke: option --reason needs a value (R)" revoke site --reason
usage "list: option --jsn is unknown (did you mean --json?)" list --jsn
usage "account: option --e is ambiguous (see certpilot account --help)" account new --e x
usage "renew: option --forse is unknown (did you mean --force?)" renew --forse
usage "option --root needs a value (DIR)" --root
usage "option --bogus is unknown (see certpilot --help)" --bogus
usage "option --verbse is unknown (did you mean --verbose?)" --verbse list
usage "--ca: unknown CA \"letsencrypt-stagign\" (did you mean letsencrypt-staging?)" --ca letsencrypt-stagign list
usage "--ca: unknown CA \"nope\" (letsencrypt, letsencrypt-staging; or give --server URL)" --ca nope list
usage "issue: option --ca needs a value (NAME)" issue -d a.example.test --standalone --ca

# --listen PORT and :PORT (lego's form) are every address on that port, as listen = is in
# the config: the responder starts, and the run goes on to the CA (which is not there).
for form in "" ":"; do
    port=$("$FREEPORT")
    cp_expect_fail "$CERTPILOT" --root "$s" --server "https://127.0.0.1:9/dir" issue -d a.example.test \
        --standalone --listen "$form$port"
    cp_check_err 1 "127.0.0.1:9"
    case $CP_LAST_ERR in *"listen address"*) cp_fail "--listen $form$port refused: $CP_LAST_ERR" ;; esac
done
usage "listen address http: expected PORT, :PORT, ADDR:PORT or [IPV6]:PORT (port 1 to 65535)" \
    issue -d a.example.test --standalone --listen http
echo "PASS"
