#!/usr/bin/env bash
# Every example of the documentation runs here (issue 23 #7), so a changed example
# (or a changed command) breaks this test:
#   - README.md: every line of every ```sh block;
#   - man/*.1, man/*.5: every .EX/.EE block, each after a line `.\" doc-example: sh`
#     (command lines) or `.\" doc-example: ini` (a certpilot.ini); an unmarked .EX fails;
#   - the --help texts (`certpilot --help`, `certpilot COMMAND --help` for each command
#     its Commands list names): every line "  $ certpilot ...".
# They run in that order, as a user would type them, against a local Pebble. The
# substitutions, all of them:
#   1. `certpilot` is a wrapper first on PATH that adds --root STATE --server PEBBLE_URL
#      --ca-bundle PEBBLE_CA and drops --ca NAME (the examples name Let's Encrypt);
#   2. absolute paths under /etc/, /srv/, /var/, /usr/sbin/, /usr/local/ move under
#      FS=$CP_WORK/doc/fs, where the test puts what they name (the dns-hook is
#      examples/hooks/challtestsrv, a TSIG key, pfx.pass, the directories of the files
#      targets, web roots served by nginx on
#      Pebble's http-01 port) and stubs for the programs (nginx, on-deploy,
#      notify-intranet; systemctl and nginx on PATH too) that log their arguments;
#   3. group=haproxy becomes the group of the user running the test;
#   4. certificates example.com and old.example.com are issued first (through the hook),
#      for the examples that act on a stored certificate (deploy, list, show, renew,
#      delete); sites.txt and acme.ini
#      are in the current directory.
# Commands named in the prose (README `certpilot ...`, man `.B certpilot ...`) are not
# run, but every option they name must be known to that command.
# Examples that create an account run on a fresh state. An example config is loaded
# with its ca/server lines dropped (the wrapper gives the server).
# Examples that cannot run here are listed in mode_of with the reason; they are
# validated: run on a copy of the state with every connection refused (the ACME
# server is https://127.0.0.1:1/dir, https_proxy is http://127.0.0.1:1), they must
# exit 0 or fail with the refused connection, never with a usage or config error.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
cp_require python3 openssl
nginx=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx) || cp_fail "nginx is not installed (scripts/deps.sh installs nginx-light)"
cp_start_pebble

W=$CP_WORK/doc
FS=$W/fs
BIN=$W/bin
RUNDIR=$W/cwd
DOC_STATE=$W/state
REFUSED=https://127.0.0.1:1/dir
export FS CERTPILOT PEBBLE_CA_BUNDLE CHALLTESTSRV_URL
mkdir -p "$BIN" "$RUNDIR" "$FS/etc/certpilot" "$FS/var/www/html" "$FS/var/www/acme" "$FS/usr/sbin" \
    "$FS/usr/local/bin" "$FS/usr/local/sbin" "$FS/srv/iis" "$FS/etc/nginx/tls" "$FS/etc/haproxy/certs" \
    "$FS/etc/haproxy/tls"

# mode_of LINE: run | fresh (creates an account) | validate REASON | skip REASON | unlisted
mode_of() {
    case $1 in
    'bash scripts/demo.sh'* | 'bash scripts/test.sh'*) echo "skip installs, builds and tests the project (this test is part of it)" ;;
    'cmake '* | 'ctest '*) echo "skip builds the project (its build is what runs here)" ;;
    'apt-get install ./build-deb/'*) echo "skip installs the built packages as root (scripts/package-test.sh does it in fresh chroots)" ;;
    'bash scripts/package'*) echo "skip builds or installs Debian packages as root, for minutes (scripts/package-test.sh checks them in fresh chroots)" ;;
    'bash bench/'*) echo "skip benchmarks of minutes (integration.test_bench runs bench/batch.sh)" ;;
    'export ALIBABA_CLOUD_ACCESS_KEY_ID=...'*) echo "skip placeholder credentials (validation sets its own)" ;;
    *'--dns alidns'*) echo "validate Alibaba Cloud DNS: real credentials and the real API" ;;
    *'--dns rfc2136'*) echo "validate RFC 2136: a BIND primary of example.com with this TSIG key" ;;
    *'--standalone'*) echo "validate binds port 80 on every address" ;;
    *'--to ali'*) echo "validate uploads to Alibaba Cloud" ;;
    'certpilot import certbot'*) echo "skip reads a certbot installation's /etc/letsencrypt (integration.test_import_certbot runs it on files Debian's certbot made)" ;;
    *'account new'*) echo fresh ;;
    certpilot*) echo run ;;
    *) echo unlisted ;;
    esac
}

# --- the wrapper, stubs and fixtures ---
cat >"$BIN/certpilot" <<'SH'
#!/bin/sh
# the documentation's `certpilot`: the test's state and the local Pebble, --ca NAME dropped
n=$# skip=0
while [ "$n" -gt 0 ]; do
    a=$1; shift; n=$((n - 1))
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case $a in --ca) skip=1 ;; --ca=*) ;; *) set -- "$@" "$a" ;; esac
done
exec "$CERTPILOT" --root "$DOC_ROOT" --server "$DOC_SERVER" --ca-bundle "$PEBBLE_CA_BUNDLE" "$@"
SH
for stub in "$BIN/nginx" "$BIN/systemctl" "$FS/usr/sbin/nginx" "$FS/usr/local/bin/on-deploy" \
    "$FS/usr/local/sbin/notify-intranet"; do
    printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "${stub#"$W"/}" "$W/stubs.log" >"$stub"
done
chmod 755 "$BIN"/* "$FS"/usr/sbin/* "$FS"/usr/local/*/*
cp "$CP_SOURCE_DIR/examples/hooks/challtestsrv" "$FS/etc/certpilot/dns-hook"
printf 'key "doc-example" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$(openssl rand -base64 32)" \
    >"$FS/etc/certpilot/tsig.key"
echo 'example pass' >"$FS/etc/certpilot/pfx.pass"
chmod 600 "$FS/etc/certpilot/tsig.key" "$FS/etc/certpilot/pfx.pass"
printf 'batch1.example.com www.batch1.example.com\nbatch2.example.com cert-name=batch-two\n' >"$RUNDIR/sites.txt"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$RUNDIR/account.key" 2>/dev/null
chmod 600 "$RUNDIR/account.key"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$RUNDIR/example.com.key" \
    -subj /CN=shop.example.com -addext subjectAltName=DNS:shop.example.com -out "$RUNDIR/example.com.csr" 2>/dev/null
printf '[acme-example]\nAccountKeyFile = account.key\nCSRFile = example.com.csr\nChainFile = example.com.crt\n' >"$RUNDIR/acme.ini"
printf 'ACMEDirectory = %s\nContacts = mailto:admin@example.com\n' "$REFUSED" >>"$RUNDIR/acme.ini"

# nginx serves the web roots on Pebble's http-01 port (challtestsrv answers 127.0.0.1 / ::1)
n=$W/nginx
mkdir -p "$n"
chmod 755 "$CP_WORK" "$W" "$FS" "$FS/var" "$FS/var/www" "$FS/var/www/html"
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
    server { listen 127.0.0.1:$PEBBLE_HTTP_PORT; listen [::1]:$PEBBLE_HTTP_PORT; root $FS/var/www/html; }
}
CONF
"$nginx" -c "$n/nginx.conf" -p "$n" -e "$n/error.log" >"$n/stdout.log" 2>&1 &
CP_PIDS+=("$!")
echo probe >"$FS/var/www/html/probe.txt"
chmod 644 "$FS/var/www/html/probe.txt"
cp_wait_url "http://127.0.0.1:$PEBBLE_HTTP_PORT/probe.txt" --fail || cp_fail "nginx did not serve the web root"
rm -f "$FS/var/www/html/probe.txt"

export PATH="$BIN:$PATH" DOC_ROOT=$DOC_STATE DOC_SERVER=$PEBBLE_URL
certpilot account new --agree-tos --email fixture@example.com >/dev/null
certpilot issue -d example.com --hook "$FS/etc/certpilot/dns-hook" >/dev/null
certpilot issue -d old.example.com --hook "$FS/etc/certpilot/dns-hook" >/dev/null

# --- extraction: SOURCE<TAB>KIND<TAB>TEXT per example (an ini example: the file it was written to) ---
extract() {
    python3 - "$CP_SOURCE_DIR" "$W/ini" <<'PY'
import glob, os, re, sys
src, inidir = sys.argv[1], sys.argv[2]
os.makedirs(inidir, exist_ok=True)
def emit(where, kind, text):
    print(f"{where}\t{kind}\t{text}")
def commands(where, lines):
    cur, start = "", None
    for no, line in lines:
        start = start if cur else no
        if line.endswith("\\"):
            cur += line[:-1]
            continue
        cur = (cur + line).strip()
        if cur and not cur.startswith("#"):
            emit(f"{where}:{start}", "sh", cur)
        cur = ""
readme = open(os.path.join(src, "README.md")).read().split("\n")
block = None
for no, line in enumerate(readme, 1):
    if block is None and line.strip() == "```sh":
        block = []
    elif block is not None and line.strip() == "```":
        commands("README.md", block)
        block = None
    elif block is not None:
        block.append((no, line))
def unroff(s):
    s = s.replace("\\-", "-").replace("\\(aq", "'").replace("\\(dq", '"').replace("\\e", "\\")
    return re.sub(r"\\f[BIRP]", "", s)
for page in sorted(glob.glob(os.path.join(src, "man", "*.[15]"))):
    name, lines, kind, block = os.path.basename(page), open(page).read().split("\n"), None, None
    for no, line in enumerate(lines, 1):
        m = re.match(r'\.\\" doc-example: (sh|ini)\b', line)
        if m:
            kind = m.group(1)
        elif line.startswith(".EX"):
            if kind is None:
                emit(f"man/{name}:{no}", "unmarked", ".EX without a doc-example line before it")
            block = []
        elif line.startswith(".EE") and block is not None:
            if kind == "sh":
                commands(f"man/{name}", block)
            elif kind == "ini":
                path = os.path.join(inidir, f"{name}-{block[0][0]}.ini")
                open(path, "w").write("\n".join(unroff(l) for _, l in block) + "\n")
                emit(f"man/{name}:{block[0][0]}", "ini", path)
            kind = block = None
        elif block is not None:
            block.append((no, unroff(line)))
PY
    local cmd
    for cmd in "" $("$CERTPILOT" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\).*/\1/p' | sort -u); do
        # shellcheck disable=SC2086 # no command: the global --help
        "$CERTPILOT" $cmd --help | head -n 1 | grep -q "^usage: certpilot ${cmd:+$cmd }" ||
            cp_fail "certpilot $cmd --help does not start with \"usage: certpilot $cmd\""
        # shellcheck disable=SC2086
        "$CERTPILOT" $cmd --help | sed -n "s|^  \\\$ \\(certpilot .*\\)|--help ${cmd:-(global)}\\tsh\\t\\1|p"
    done
}

subst() {
    sed -E -e "s#(^|[ '=:,])/(etc|srv|var|usr/sbin|usr/local)/#\\1$FS/\\2/#g" \
        -e "s/group=haproxy/group=$(id -gn)/g" <<<"$1"
}

# validate WHERE CMD: on a copy of the state, with every connection refused
validate() {
    local where=$1 cmd=$2 rc=0
    rm -rf "$W/vstate"
    cp -a "$DOC_STATE" "$W/vstate"
    (cd "$RUNDIR" && DOC_ROOT=$W/vstate DOC_SERVER=$REFUSED https_proxy=http://127.0.0.1:1 \
        HTTPS_PROXY=http://127.0.0.1:1 ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIdocexample \
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=doc-example-secret bash -c "$cmd") >"$W/v.out" 2>"$W/v.err" || rc=$?
    local refused='127\.0\.0\.1(:1/| port 1\b)'
    [ "$rc" = 0 ] && return 0
    # one result line per certificate (renew, --batch): each must be the refused connection
    if [ "$rc" = 1 ] && grep -q '^failed ' "$W/v.out"; then
        ! grep '^failed ' "$W/v.out" | grep -Evq "$refused" && return 0
    elif [ "$rc" = 1 ] && grep -Eq "$refused" "$W/v.err"; then
        return 0
    fi
    cp_fail "$where: validating \"$cmd\" failed before the network (exit $rc): $(cat "$W/v.err" "$W/v.out")"
}

run_sh() {
    local where=$1 text=$2 mode cmd rc=0 root=$DOC_STATE
    mode=$(mode_of "$text")
    cmd=$(subst "$text")
    case $mode in
    skip*) SKIPPED+=("$where: $text -- ${mode#skip }"); return 0 ;;
    validate*) validate "$where" "$cmd"; VALIDATED+=("$where: $text -- ${mode#validate }"); return 0 ;;
    unlisted) cp_fail "$where: \"$text\" is not a certpilot command and not listed in mode_of (run it or say why not)" ;;
    fresh) root=$W/fresh-$((++FRESH)) ;;
    esac
    (cd "$RUNDIR" && DOC_ROOT=$root bash -c "$cmd") >"$W/r.out" 2>"$W/r.err" || rc=$?
    [ "$rc" = 0 ] || cp_fail "$where: \"$text\" exited $rc: $(cat "$W/r.err")"
    RAN+=("$where: $text")
}

run_ini() {
    local where=$1 file=$2 cfg=$W/ini/loaded.ini
    subst "$(grep -Ev '^(ca|server)[[:space:]]*=' "$file")" >"$cfg"
    chmod 600 "$cfg"
    certpilot --config "$cfg" list >"$W/r.out" 2>"$W/r.err" || cp_fail "$where: the example config does not load: $(cat "$W/r.err")"
    grep -q 'not issued yet' "$W/r.out" || cp_fail "$where: list with the example config shows none of its certificates: $(cat "$W/r.out")"
    # its certificates use alidns and http-01 for names of example.com: validated, not issued
    validate "$where" "certpilot --config '$cfg' renew"
    VALIDATED+=("$where: its [cert:] sections -- alidns credentials; http-01 for real names")
    RAN+=("$where: certpilot --config FILE list")
}

RAN=() VALIDATED=() SKIPPED=() FRESH=0 total=0
extract >"$W/examples.tsv"  # here, not in a subshell: its checks end the test
while IFS=$'\t' read -r where kind text; do
    total=$((total + 1))
    case $kind in
    sh) run_sh "$where" "$text" ;;
    ini) run_ini "$where" "$text" ;;
    *) cp_fail "$where: $text" ;;
    esac
done <"$W/examples.tsv"

# Commands the prose names (README `certpilot ...` spans, man lines `.B certpilot ...`): each
# option they give must be one the command's --help (or the global --help) names.
mentions() {
    python3 - "$CP_SOURCE_DIR" <<'PY'
import glob, os, re, sys
src = sys.argv[1]
def out(where, text):
    print(f"{where}\t{text}")
for no, line in enumerate(open(os.path.join(src, "README.md")).read().split("\n"), 1):
    for m in re.finditer(r"`(certpilot [^`]+)`", line):
        out(f"README.md:{no}", m.group(1))
for page in sorted(glob.glob(os.path.join(src, "man", "*.[15]"))):
    for no, line in enumerate(open(page).read().split("\n"), 1):
        m = re.match(r'\.BR? "?(certpilot [^"]*)', line)
        if m:
            out(f"man/{os.path.basename(page)}:{no}", m.group(1).replace("\\-", "-"))
PY
}
commands=$("$CERTPILOT" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\).*/\1/p' | sort -u)
global_help=$("$CERTPILOT" --help)
nmentions=0
mentions >"$W/mentions.tsv"
while IFS=$'\t' read -r where text; do
    nmentions=$((nmentions + 1))
    cmd=""
    for w in $text; do
        if grep -qxF -- "$w" <<<"$commands"; then cmd=$w; break; fi
    done
    help=$global_help
    [ -z "$cmd" ] || help+=$("$CERTPILOT" "$cmd" --help) || cp_fail "$where: \"$text\": certpilot $cmd --help failed"
    for w in $text; do
        case $w in
        --*) w=${w%%=*}; w=${w%%[],.:;)\`]*}
            grep -qF -- "$w" <<<"$help" || cp_fail "$where: \"$text\": option $w is unknown to certpilot ${cmd:-(global)}" ;;
        esac
    done
done <"$W/mentions.tsv"
[ "$nmentions" -ge 5 ] || cp_fail "only $nmentions commands named in the prose: is the extraction broken?"

[ "$total" -ge 30 ] || cp_fail "only $total examples found: is the extraction broken?"
grep -q 'usr/sbin/nginx -s reload' "$W/stubs.log" || cp_fail "no example's reload ran the nginx stub: $(cat "$W/stubs.log")"
[ -f "$FS/srv/iis/site.pfx" ] || cp_fail "the pkcs12 example wrote no $FS/srv/iis/site.pfx"
[ "$(stat -c %a "$FS/etc/haproxy/certs/site.pem")" = 640 ] || cp_fail "the HAProxy combined file is not mode 640"
grep -q 'PRIVATE KEY' "$FS/etc/haproxy/certs/site.pem" || cp_fail "the HAProxy combined file holds no key"
cp_log "ran ${#RAN[@]}, validated ${#VALIDATED[@]}, skipped ${#SKIPPED[@]} of $total examples"
printf 'validated only: %s\n' "${VALIDATED[@]}" >&2
printf 'skipped: %s\n' "${SKIPPED[@]}" >&2
echo "ok"
