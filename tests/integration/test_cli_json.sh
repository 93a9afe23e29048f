#!/usr/bin/env bash
# --json on every command that prints results: JSON Lines on stdout, one
# object a certificate (an account, a revocation), with the fields
# certpilot(1) lists; errors stay one line on stderr. list --json keeps its
# array. --listen :PORT (lego's form) is every address on that port.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
cp_require python3
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
out=$CP_WORK/out && mkdir -p "$out"
certs=$CP_WORK/state/certs
serial() { openssl x509 -noout -serial -in "$1" | cut -d= -f2; }

# jcheck FILE PYTHON: every line of FILE is a JSON object; PYTHON runs with `objs` (the list)
# and fails the test by an AssertionError.
jcheck() {
    python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert all(isinstance(o, dict) for o in objs), objs
exec(sys.argv[2])
' "$1" "$2" || cp_fail "--json output $(basename "$1"): $(cat "$1")"
}

cp_certpilot account new --agree-tos >/dev/null
cp_certpilot account list --json >"$CP_WORK/accounts.json"
jcheck "$CP_WORK/accounts.json" '
assert len(objs) == 1, objs
a = objs[0]
assert a["name"] == "default" and a["status"] == "valid" and a["key_type"] == "ec256", a
assert a["url"].startswith("https://") and a["ca"] and a["server"], a'

# issue: one object, through the standalone responder on ":PORT" (every address)
cp_certpilot issue -d j.example.test --standalone --listen ":$PEBBLE_HTTP_PORT" --deploy "files:$out" \
    --json >"$CP_WORK/issue.json"
s1=$(serial "$certs/j.example.test/cert.pem")
jcheck "$CP_WORK/issue.json" "
assert len(objs) == 1, objs
o = objs[0]
assert o['name'] == 'j.example.test' and o['status'] == 'issued' and o['names'] == ['j.example.test'], o
assert o['serial'] == '$s1' and o['not_after'].endswith('Z'), o
assert o['files']['cert'] == '$certs/j.example.test/cert.pem', o
assert set(o['files']) == {'cert', 'chain', 'fullchain', 'key'}, o
assert o['deploy'] == [{'target': 'files:$out', 'status': 'installed'}], o"

# issue --batch: a line per certificate as it ends
printf 'b1.example.test\n# a comment\nb2.example.test cert-name=two\n' >"$CP_WORK/batch.txt"
cp_certpilot issue --batch "$CP_WORK/batch.txt" --hook "$hook" --json >"$CP_WORK/batch.json" 2>/dev/null
jcheck "$CP_WORK/batch.json" "
by = {o['name']: o for o in objs}
assert len(objs) == 2 and set(by) == {'b1.example.test', 'two'}, objs
assert by['b1.example.test']['line'] == 1 and by['two']['line'] == 3, objs
assert all(o['status'] == 'issued' and o['file'] == '$CP_WORK/batch.txt' and o['serial'] for o in objs), objs
assert by['two']['names'] == ['b2.example.test'], objs"

# renew: nothing is due; then one forced, deployed again
cp_certpilot renew --json >"$CP_WORK/renew.json" 2>/dev/null
jcheck "$CP_WORK/renew.json" "
assert sorted(o['name'] for o in objs) == ['b1.example.test', 'j.example.test', 'two'], objs
assert all(o['status'] == 'not-due' and o['renew_at'].endswith('Z') and o['why'] for o in objs), objs"
cp_certpilot renew --force --cert-name j.example.test --json >"$CP_WORK/renew2.json" 2>/dev/null
s2=$(serial "$certs/j.example.test/cert.pem")
[ "$s2" != "$s1" ] || cp_fail "renew --force did not renew"
jcheck "$CP_WORK/renew2.json" "
assert len(objs) == 1, objs
o = objs[0]
assert o['name'] == 'j.example.test' and o['status'] == 'renewed' and o['serial'] == '$s2', o
assert o['why'].startswith('forced') and o['names'] == ['j.example.test'], o
assert o['deploy'] == [{'target': 'files:$out', 'status': 'installed'}], o"

# deploy: one object with every target's result
cp_certpilot deploy j.example.test --json >"$CP_WORK/deploy.json"
jcheck "$CP_WORK/deploy.json" "
assert objs == [{'name': 'j.example.test', 'deploy': [{'target': 'files:$out', 'status': 'up-to-date'}]}], objs"

# revoke
cp_certpilot revoke two --reason superseded --json >"$CP_WORK/revoke.json"
jcheck "$CP_WORK/revoke.json" "
assert len(objs) == 1, objs
o = objs[0]
assert o['name'] == 'two' and o['reason'] == 'superseded' and o['revoked_at'].endswith('Z'), o
assert o['serial'] == '$(serial "$certs/two/cert.pem")' and 'cert_file' not in o, o"

# list --json keeps its shape: one array
cp_certpilot list --json >"$CP_WORK/list.json"
python3 -c 'import json, sys; a = json.load(open(sys.argv[1])); assert isinstance(a, list) and len(a) == 3' \
    "$CP_WORK/list.json" || cp_fail "list --json: $(cat "$CP_WORK/list.json")"

# errors stay one line on stderr, nothing on stdout
cp_expect_fail cp_certpilot deploy none.example.test --json
cp_check_err 1 "none.example.test"
cp_check_one_line
[ -z "$CP_LAST_OUT" ] || cp_fail "an error printed on stdout: $CP_LAST_OUT"
cp_expect_fail cp_certpilot account new --json
cp_check_err 2
[ "$CP_LAST_ERR" = "certpilot: account new: --json goes with account show and account list" ] ||
    cp_fail "account new --json: $CP_LAST_ERR"
echo "PASS"
