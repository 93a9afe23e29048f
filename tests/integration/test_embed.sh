#!/usr/bin/env bash
# The library as another C program uses it: examples/embed.c (built against
# include/ only) issues a certificate from Pebble; then the installed library
# (cmake --install) builds the same example out of the tree through
# `pkg-config --cflags --libs certpilot`, and a program that includes only the
# installed header compiles, so no internal header leaks into the public one.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
[ -x "${EMBED:-}" ] || cp_fail "embed example not built (EMBED=${EMBED:-})"
[ -d "${CP_BUILD_DIR:-}" ] || cp_fail "CP_BUILD_DIR is not a build directory"
cp_require pkg-config cc
cp_start_pebble
hook=$CP_SOURCE_DIR/examples/hooks/challtestsrv

out=$("$EMBED" "$CP_WORK/state" "$PEBBLE_URL" "$PEBBLE_CA_BUNDLE" "$hook" embed.example.test '*.embed.example.test')
grep -qx "name: embed.example.test" <<<"$out" || cp_fail "embed did not name the certificate: $out"
grep -qx "dns: \*.embed.example.test" <<<"$out" || cp_fail "embed did not list the wildcard: $out"
cp_verify_cert "$CP_WORK/state/certs/embed.example.test" embed.example.test '*.embed.example.test' ||
    cp_fail "the certificate embed stored does not verify"
# The CLI reads what the library stored.
cp_certpilot list | grep -q "^embed.example.test " || cp_fail "certpilot list does not show embed's certificate"

# A bad request is an error value with a message, not a crash.
cp_expect_fail "$EMBED" "$CP_WORK/state" "$PEBBLE_URL" "$PEBBLE_CA_BUNDLE" "$hook" 'bad..name'
cp_check_err 1 "bad..name"

# Install, then build out of the tree with pkg-config alone.
prefix=$CP_WORK/prefix
cmake --install "$CP_BUILD_DIR" --prefix "$prefix" >"$CP_WORK/install.log" 2>&1 || cp_fail "cmake --install failed"
[ -f "$prefix/include/certpilot/certpilot.h" ] || cp_fail "the header was not installed"
pc=$(ls "$prefix"/lib*/pkgconfig/certpilot.pc 2>/dev/null | head -n 1)
[ -n "$pc" ] || cp_fail "certpilot.pc was not installed"
export PKG_CONFIG_PATH=${pc%/certpilot.pc}
mkdir "$CP_WORK/outside"
cp "$CP_SOURCE_DIR/examples/embed.c" "$CP_WORK/outside/"
# a sanitizer build's library needs the sanitizer runtime in the program too
san=()
[ "${CP_SANITIZE:-OFF}" != ON ] || san=(-fsanitize=address,undefined)
# shellcheck disable=SC2046 # pkg-config output is meant to be split
(cd "$CP_WORK/outside" && cc -std=c11 -Wall -Werror "${san[@]}" embed.c $(pkg-config --cflags --libs certpilot) -o embed) ||
    cp_fail "embed.c does not build against the installed library"
"$CP_WORK/outside/embed" "$CP_WORK/state2" "$PEBBLE_URL" "$PEBBLE_CA_BUNDLE" "$hook" out.example.test >/dev/null ||
    cp_fail "the out-of-tree embed could not issue"
cp_verify_cert "$CP_WORK/state2/certs/out.example.test" out.example.test || cp_fail "out-of-tree certificate"

# The installed header stands alone, in C and in C++-compatible strict C.
printf '#include <certpilot/certpilot.h>\nint main(void) { return cp_exit_code(CP_OK); }\n' >"$CP_WORK/outside/tiny.c"
# Every other example builds against the installed library too (examples/tls-server.c:
# tests/integration/test_tls_server.sh runs it).
for ex in "$CP_SOURCE_DIR"/examples/*.c; do
    base=$(basename "$ex" .c)
    [ "$base" != embed ] || continue
    # shellcheck disable=SC2046 # pkg-config output is meant to be split
    cc -std=c11 -Wall -Werror "${san[@]}" "$ex" $(pkg-config --cflags --libs certpilot) -o "$CP_WORK/outside/$base" ||
        cp_fail "examples/$base.c does not build against the installed library"
done

# shellcheck disable=SC2046
cc -std=c99 -pedantic -Wall -Werror -I"$prefix/include" -c "$CP_WORK/outside/tiny.c" -o "$CP_WORK/outside/tiny.o" ||
    cp_fail "the installed header does not compile alone"
if grep -E '#include +"' "$prefix/include/certpilot/"*.h; then
    cp_fail "an installed header includes a project-internal header"
fi
echo "ok"
