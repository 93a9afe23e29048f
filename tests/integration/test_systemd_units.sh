#!/usr/bin/env bash
# The systemd units (contrib/systemd): `systemd-analyze verify` accepts them
# (with ExecStart pointed at the certpilot just built, which it must find
# executable); the service is a hardened oneshot running `renew --interval
# 43200` and sets no CERTPILOT_ variable (the config's root = holds); the
# timer runs twice a day with a random delay and catches up; and
# `cmake --install` puts both in <prefix>/lib/systemd/system with ExecStart in
# <prefix>/bin. Skipped (77) without systemd-analyze.
set -euo pipefail
command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze not installed: skipped"; exit 77; }
: "${CP_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${CP_BUILD_DIR:=$CP_SOURCE_DIR/build}"
: "${CERTPILOT:=$CP_BUILD_DIR/certpilot}"
work=$(mktemp -d "${TMPDIR:-/tmp}/certpilot-units.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

svc=$CP_BUILD_DIR/contrib/systemd/certpilot-renew.service
timer=$CP_SOURCE_DIR/contrib/systemd/certpilot-renew.timer
[ -f "$svc" ] || fail "$svc was not configured"
grep -qx 'Type=oneshot' "$svc" || fail "service is not oneshot"
grep -q '^ExecStart=/.*/certpilot renew --interval 43200$' "$svc" || fail "ExecStart: $(grep ExecStart "$svc")"
for want in ProtectSystem=strict ReadWritePaths=/var/lib/certpilot NoNewPrivileges=yes PrivateTmp=yes \
    ProtectHome=read-only; do
    grep -qx "$want" "$svc" || fail "service lacks $want"
done
# the config file's root = is the state directory for the timer too (certpilot.ini(5), ROOT)
! grep -q '^Environment.*CERTPILOT_' "$svc" || fail "the service sets a variable: $(grep '^Environment' "$svc")"
for want in 'OnCalendar=*-*-* 00,12:00:00' RandomizedDelaySec=1h Persistent=true WantedBy=timers.target; do
    grep -qxF "$want" "$timer" || fail "timer lacks $want"
done

# verify against the binary just built (the installed path may not exist here)
sed "s|^ExecStart=[^ ]*|ExecStart=$CERTPILOT|" "$svc" >"$work/certpilot-renew.service"
cp "$timer" "$work/certpilot-renew.timer"
if ! (cd "$work" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
    "$work/certpilot-renew.service" "$work/certpilot-renew.timer") >"$work/verify.out" 2>&1; then
    fail "systemd-analyze verify: $(cat "$work/verify.out")"
fi
if grep -v "^$" "$work/verify.out" | grep -qi "certpilot-renew"; then
    fail "systemd-analyze warns: $(cat "$work/verify.out")"
fi

# cmake --install places them (into a scratch prefix)
cmake --install "$CP_BUILD_DIR" --prefix "$work/prefix" >/dev/null || fail "cmake --install"
[ -f "$work/prefix/lib/systemd/system/certpilot-renew.timer" ] || fail "timer not installed"
[ -f "$work/prefix/lib/systemd/system/certpilot-renew.service" ] || fail "service not installed"
echo "ok"
