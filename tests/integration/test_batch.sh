#!/usr/bin/env bash
# Many certificates in one run: 50 certificates with --jobs 8 through one
# process, every one checked; a bad line fails alone (the others are issued),
# the exit code says a failure happened and a summary line counts them; the
# CA's limit on new orders is announced up front and kept; the directory is
# fetched once per run.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
list=$CP_WORK/batch.txt

{
    echo "# one certificate a line"
    for i in $(seq 1 50); do
        if [ "$i" = 7 ]; then
            echo "b$i.example.test www.b$i.example.test cert-name=seven"
        else
            echo "b$i.example.test"
        fi
        [ "$i" = 20 ] && echo "bad..name.example.test"
        [ "$i" = 30 ] && echo ""
    done
} >"$list"

dir_gets() { grep -c 'GET /dir -> calling handler' "$CP_WORK/pebble/pebble.log" || true; }
before=$(dir_gets)
cp_expect_fail cp_certpilot issue --agree-tos --batch "$list" --jobs 8 --hook "$hook"
cp_check_err 1 "50 issued, 1 failed"
# One directory fetch for the run: the account lookup and the 8 workers share it.
[ "$(($(dir_gets) - before))" = 1 ] || cp_fail "the directory was fetched $(($(dir_gets) - before)) times, want 1"
[ "$(grep -c '^ok ' <<<"$CP_LAST_OUT")" = 50 ] || cp_fail "expected 50 ok lines: $CP_LAST_OUT"
grep -q '^failed .*batch.txt:22 bad..name.example.test: .*bad..name' <<<"$CP_LAST_OUT" ||
    cp_fail "the bad line is not reported with its line number: $CP_LAST_OUT"
for i in $(seq 1 50); do
    if [ "$i" = 7 ]; then
        cp_verify_cert "$CP_WORK/state/certs/seven" b7.example.test www.b7.example.test || cp_fail "certificate seven"
    else
        cp_verify_cert "$CP_WORK/state/certs/b$i.example.test" "b$i.example.test" || cp_fail "certificate b$i"
    fi
done
# Only one account was made, before the workers started.
[ "$(ls "$CP_WORK"/state/accounts/*/ | wc -l)" = 1 ] || cp_fail "more than one account"

# The CA's limit on new orders per 3 hours: 50 were just issued; with a limit of 53
# a batch of 5 says so up front, issues 3 and stops there.
printf 'l%s.example.test\n' 1 2 3 4 5 >"$CP_WORK/limited.txt"
cp_expect_fail cp_certpilot issue --batch "$CP_WORK/limited.txt" --orders-limit 53 --hook "$hook"
cp_check_err 1 "2 not started: the CA's limit on new orders per 3 hours"
cp_assert_contains "$CP_LAST_ERR" "the CA allows 53 new orders per 3 hours and 50 were made in the last 3 hours: issuing 3"
[ "$(grep -c '^ok ' <<<"$CP_LAST_OUT")" = 3 ] || cp_fail "expected 3 issued under the limit: $CP_LAST_OUT"

# Bad flags are refused before anything runs.
cp_expect_fail cp_certpilot issue --batch "$list" -d x.example.test --hook "$hook"
cp_check_err 2 "--batch"
cp_expect_fail cp_certpilot issue --batch "$list" --jobs 0 --hook "$hook"
cp_check_err 2 "--jobs"
cp_expect_fail cp_certpilot issue --batch "$CP_WORK/missing.txt" --hook "$hook"
cp_check_err 2 "missing.txt"
echo "ok"
