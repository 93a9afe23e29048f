#!/usr/bin/env bash
# http-01 into a real web server's document root: nginx on IPv4 and IPv6
# loopback at Pebble's validation port, with --webroot; no token files are
# left behind. A missing webroot is a usage error naming it.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
nginx=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx) || cp_fail "nginx is not installed (scripts/deps.sh installs nginx-light)"
cp_start_pebble

p=$PEBBLE_HTTP_PORT
www=$CP_WORK/www
n=$CP_WORK/nginx
mkdir -p "$www" "$n"
# nginx's workers run as an unprivileged user when the master is root: let them
# reach the document root (the work dir is mode 700 from mktemp).
chmod 755 "$CP_WORK" "$www"
cat >"$n/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log;
events { worker_connections 64; }
http {
    access_log $n/access.log;
    client_body_temp_path $n/body;
    proxy_temp_path $n/proxy;
    fastcgi_temp_path $n/fastcgi;
    uwsgi_temp_path $n/uwsgi;
    scgi_temp_path $n/scgi;
    default_type text/plain;
    server {
        listen 127.0.0.1:$p;
        listen [::1]:$p;
        root $www;
    }
}
CONF
"$nginx" -c "$n/nginx.conf" -p "$n" -e "$n/error.log" >"$n/stdout.log" 2>&1 &
nginx_pid=$!
CP_PIDS+=("$nginx_pid")
echo probe >"$www/probe.txt"
chmod 644 "$www/probe.txt"
cp_wait_url "http://127.0.0.1:$p/probe.txt" --fail || cp_fail "nginx did not serve 127.0.0.1:$p"
cp_wait_url "http://[::1]:$p/probe.txt" --fail || cp_fail "nginx did not serve [::1]:$p"
rm -f "$www/probe.txt"

cp_certpilot issue --agree-tos -d site.example.test -d www.site.example.test --webroot "$www" >/dev/null
cp_verify_cert "$CP_WORK/state/certs/site.example.test" site.example.test www.site.example.test
grep -q "/.well-known/acme-challenge/" "$n/access.log" || cp_fail "nginx never served a challenge"
if [ -d "$www/.well-known/acme-challenge" ]; then
    left=$(find "$www/.well-known/acme-challenge" -mindepth 1 ! -type d)
    [ -z "$left" ] || cp_fail "token files left in the webroot: $left"
fi

cp_expect_fail cp_certpilot issue -d missing.example.test --webroot "$CP_WORK/missing"
cp_check_err 2 "$CP_WORK/missing"
cp_check_one_line
echo "ok"
