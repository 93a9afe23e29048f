#!/usr/bin/env bash
# The files target against a real nginx: a certificate issued by Pebble is
# copied into nginx's TLS directory (key 0600, certificates 0644) and nginx
# reloaded with its own -c/-p; openssl s_client then sees the new serial.
# Deploying the same version again writes nothing and does not reload. A
# failing reload is a clear error and leaves the new files in place.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
nginx=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx) || cp_fail "nginx is not installed (scripts/deps.sh installs nginx)"
: "${DEPLOYTOOL:=$CP_SOURCE_DIR/build/tests/deploytool}"
[ -x "$DEPLOYTOOL" ] || cp_fail "deploytool not found at $DEPLOYTOOL (build first)"
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv
name=site.example.test
state=$CP_WORK/state
deploy() { "$DEPLOYTOOL" "$state" "$name" "$@"; }

cp_certpilot issue --agree-tos -d "$name" --hook "$hook" >/dev/null
serial1=$(openssl x509 -in "$state/certs/$name/cert.pem" -noout -serial | cut -d= -f2)

n=$CP_WORK/nginx
tls=$n/tls
mkdir -p "$tls"
write_conf() {
    cat >"$n/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log notice;
events { worker_connections 64; }
http {
    access_log $n/access.log;
    client_body_temp_path $n/body;
    proxy_temp_path $n/proxy;
    fastcgi_temp_path $n/fastcgi;
    uwsgi_temp_path $n/uwsgi;
    scgi_temp_path $n/scgi;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $tls/fullchain.pem;
        ssl_certificate_key $tls/privkey.pem;
        return 200 "ok\n";
    }
}
CONF
}
reload="$nginx -c $n/nginx.conf -p $n/ -e $n/error.log -s reload"

# First deploy: nothing runs yet, so no reload command.
out=$(deploy "files:$tls")
[ "$out" = "files: changed" ] || cp_fail "first deploy printed: $out"
for f in cert chain fullchain; do
    [ "$(stat -c %a "$tls/$f.pem")" = 644 ] || cp_fail "$tls/$f.pem is not mode 644"
done
[ "$(stat -c %a "$tls/privkey.pem")" = 600 ] || cp_fail "$tls/privkey.pem is not mode 600"
cmp -s "$tls/fullchain.pem" "$state/certs/$name/fullchain.pem" || cp_fail "fullchain.pem differs from the store"
cmp -s "$tls/privkey.pem" "$state/certs/$name/privkey.pem" || cp_fail "privkey.pem differs from the store"

# start_nginx: on a free loopback port; up to 3 ports, as another process may take one first.
start_nginx() {
    local attempt pid
    for attempt in 1 2 3; do
        port=$("$FREEPORT")
        write_conf
        "$nginx" -c "$n/nginx.conf" -p "$n/" -e "$n/error.log" >"$n/stdout.log" 2>&1 &
        pid=$!
        CP_PIDS+=("$pid")
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            [ -s "$n/nginx.pid" ] && curl -sk -o /dev/null --max-time 1 "https://127.0.0.1:$port/" && return 0
            sleep 0.1
        done
        cp_log "nginx start attempt $attempt on port $port failed"
        cp_stop_pids "$pid"
        rm -f "$n/nginx.pid"
    done
    cp_fail "nginx did not start"
}
start_nginx

served_serial() {
    openssl s_client -connect "127.0.0.1:$port" -servername "$name" </dev/null 2>/dev/null |
        openssl x509 -noout -serial 2>/dev/null | cut -d= -f2
}
# wait_serial S: bounded (10 s) until nginx serves the certificate with serial S.
wait_serial() {
    for _ in $(seq 1 100); do
        [ "$(served_serial)" = "$1" ] && return 0
        sleep 0.1
    done
    cp_fail "nginx serves serial $(served_serial), expected $1"
}
wait_serial "$serial1"
reloads() { grep -c "signal 1 (SIGHUP) received" "$n/error.log" || true; }
[ "$(reloads)" = 0 ] || cp_fail "nginx was reloaded before any reload was asked for"

# A new version: deploy it with the reload; nginx serves the new serial.
cp_certpilot issue -d "$name" --cert-name "$name" --hook "$hook" --force >/dev/null
serial2=$(openssl x509 -in "$state/certs/$name/cert.pem" -noout -serial | cut -d= -f2)
[ "$serial1" != "$serial2" ] || cp_fail "the second issue kept serial $serial1"
out=$(deploy "files:$tls,reload=$reload")
[ "$out" = "files: changed" ] || cp_fail "deploy of the new version printed: $out"
wait_serial "$serial2"
[ "$(reloads)" = 1 ] || cp_fail "expected 1 reload in nginx's log, found $(reloads)"

# The same version again: nothing written, no reload.
before=$(stat -c %i "$tls/cert.pem")
out=$(deploy "files:$tls,reload=$reload")
[ "$out" = "files: unchanged" ] || cp_fail "a repeated deploy printed: $out"
[ "$(stat -c %i "$tls/cert.pem")" = "$before" ] || cp_fail "a repeated deploy rewrote cert.pem"
sleep 0.5
[ "$(reloads)" = 1 ] || cp_fail "a repeated deploy reloaded nginx ($(reloads) reloads)"

# Only the mode differs: the file is fixed, but its content did not change, so no reload.
chmod 640 "$tls/cert.pem"
out=$(deploy "files:$tls,reload=$reload")
[ "$out" = "files: changed" ] || cp_fail "a deploy that fixed a mode printed: $out"
[ "$(stat -c %a "$tls/cert.pem")" = 644 ] || cp_fail "the mode of cert.pem was not restored"
sleep 0.5
[ "$(reloads)" = 1 ] || cp_fail "fixing a mode reloaded nginx"

# HAProxy's combined file (key, then fullchain), owner and group when we are root.
extra=""
if [ "$(id -u)" = 0 ]; then
    extra=",owner=nobody,group=$(id -gn nobody)"
fi
cp_expect_fail deploy "files:combined=$CP_WORK/haproxy/site.pem,key_mode=0640$extra"
cp_check_err 1 "deploytool: files: directory $CP_WORK/haproxy does not exist"
mkdir -p "$CP_WORK/haproxy"
out=$(deploy "files:combined=$CP_WORK/haproxy/site.pem,key_mode=0640$extra")
[ "$out" = "files: changed" ] || cp_fail "the combined deploy printed: $out"
cat "$state/certs/$name/privkey.pem" "$state/certs/$name/fullchain.pem" | cmp -s - "$CP_WORK/haproxy/site.pem" ||
    cp_fail "the combined file is not key + fullchain"
[ "$(stat -c %a "$CP_WORK/haproxy/site.pem")" = 640 ] || cp_fail "the combined file is not mode 640"
if [ -n "$extra" ]; then
    [ "$(stat -c %U "$CP_WORK/haproxy/site.pem")" = nobody ] || cp_fail "the combined file is not owned by nobody"
fi

# A failing reload: exit 1, one clear line, the new files stay.
mkdir -p "$CP_WORK/other" "$CP_WORK/other2"
cp_expect_fail deploy "files:$CP_WORK/other2,reload=/bin/false"
cp_check_err 1 "deploytool: files: reload: /bin/false exited with status 1 (the new files are in place)"
cp_expect_fail deploy "files:$CP_WORK/other,reload=$nginx -c $CP_WORK/missing.conf -p $n/ -e $n/error.log -s reload"
cp_check_err 1 "deploytool: files: reload: $nginx exited with status 1 (the new files are in place)"
cmp -s "$CP_WORK/other/fullchain.pem" "$state/certs/$name/fullchain.pem" || cp_fail "the files of a failed reload are gone"
# A bad setting is a usage error naming it, before anything is written.
cp_expect_fail deploy "files:$CP_WORK/other,mode=0999"
cp_check_err 2 'deploytool: files: mode "0999" is not an octal file mode such as 0644'
echo "ok"
