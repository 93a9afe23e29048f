#!/usr/bin/env bash
# http-01 into a real web server's document root (nginx on loopback).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cp_harness_init
command -v nginx >/dev/null || cp_fail "nginx is not installed (scripts/deps.sh installs nginx-light)"
cp_start_pebble

www=$CP_WORK/www
mkdir -p "$www" "$CP_WORK/nginx"
# nginx's worker runs as an unprivileged user: let it reach the document root
chmod 755 "$CP_WORK" "$www"
cat >"$CP_WORK/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $CP_WORK/nginx/nginx.pid;
error_log $CP_WORK/nginx/error.log;
events { worker_connections 64; }
http {
    access_log $CP_WORK/nginx/access.log;
    client_body_temp_path $CP_WORK/nginx/body;
    proxy_temp_path $CP_WORK/nginx/proxy;
    fastcgi_temp_path $CP_WORK/nginx/fastcgi;
    uwsgi_temp_path $CP_WORK/nginx/uwsgi;
    scgi_temp_path $CP_WORK/nginx/scgi;
    server {
        listen 127.0.0.1:$PEBBLE_HTTP_PORT;
        listen [::1]:$PEBBLE_HTTP_PORT;
        root $www;
    }
}
CONF
nginx -c "$CP_WORK/nginx/nginx.conf" -e "$CP_WORK/nginx/error.log" &
CP_PIDS+=($!)
cp_wait_url "http://127.0.0.1:$PEBBLE_HTTP_PORT/" || true

cp_certpilot issue --agree-tos -d site.example.test -d www.site.example.test --webroot "$www" >/dev/null
cp_verify_cert "$CP_WORK/state/certs/site.example.test" site.example.test www.site.example.test
grep -q "acme-challenge" "$CP_WORK/nginx/access.log" || cp_fail "nginx never served a challenge"
[ ! -e "$www/.well-known" ] || cp_fail "challenge files or directories left in the webroot"

cp_expect_fail cp_certpilot issue -d site.example.test --webroot "$CP_WORK/missing"
cp_check_err 2
cp_assert_contains "$CP_LAST_ERR" "$CP_WORK/missing"
echo "ok"
