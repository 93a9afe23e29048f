#!/usr/bin/env bash
# Shell completion is made from the option tables the parsers use: every long
# option of every command (as `certpilot completion options` lists them from
# those tables) completes in bash, is documented in the command's --help, and
# `cmake --install` puts the generated scripts where bash and zsh look.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
cp_harness_init
[ -x "$CERTPILOT" ] || cp_fail "certpilot binary not found at $CERTPILOT"
"$CERTPILOT" completion bash >"$CP_WORK/certpilot.bash"
"$CERTPILOT" completion options >"$CP_WORK/options.txt"
[ "$(wc -l <"$CP_WORK/options.txt")" -gt 50 ] || cp_fail "too few options listed: $(cat "$CP_WORK/options.txt")"

# complete WORD... : what bash completes for the last word of "certpilot WORD...", a word a line
complete_words() {
    bash --norc --noprofile -c '
source "$1"; shift
COMP_WORDS=(certpilot "$@"); COMP_CWORD=$#
complete -p certpilot >/dev/null || exit 3
_certpilot
printf "%s\n" "${COMPREPLY[@]}"' sh "$CP_WORK/certpilot.bash" "$@"
}

# Every listed option completes after its command, and its --help names it.
while read -r cmd opt kind; do
    case $kind in value | flag) ;; *) cp_fail "bad listing line: $cmd $opt $kind" ;; esac
    if [ "$cmd" = - ]; then
        words=(--) help=$("$CERTPILOT" --help)
    elif [ "$cmd" = account ]; then
        words=(account new --) help=$("$CERTPILOT" account --help)
    else
        words=("$cmd" --) help=$("$CERTPILOT" "$cmd" --help)
    fi
    grep -qx -- "$opt" <(complete_words "${words[@]}") || cp_fail "bash does not complete $opt after certpilot ${words[*]}"
    cp_assert_contains "$help" "$opt"
done <"$CP_WORK/options.txt"
grep -q "^issue --webroot value$" "$CP_WORK/options.txt" || cp_fail "issue --webroot not listed"
grep -q "^renew --json flag$" "$CP_WORK/options.txt" || cp_fail "renew --json not listed"

# Commands, subcommands, and a file for an option's value.
# every command the usage text lists (the hidden "completion" is not offered)
want=$("$CERTPILOT" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' | sort -u | tr '\n' ' ')
got=$(complete_words "" | sort | tr '\n' ' ')
[ "$got" = "$want" ] || cp_fail "commands completed: $got (the usage lists: $want)"
got=$(complete_words --root /tmp is | tr '\n' ' ')
[ "$got" = "issue " ] || cp_fail "after a global option and its value: $got"
got=$(complete_words account "" | sort | tr '\n' ' ')
[ "$got" = "deactivate key-change list new show update " ] || cp_fail "account subcommands: $got"
mkdir "$CP_WORK/www" && touch "$CP_WORK/www/acme-root"
got=$(cd "$CP_WORK/www" && complete_words issue --webroot acme)
[ "$got" = "acme-root" ] || cp_fail "--webroot DIR does not complete a file: $got"
got=$(complete_words issue --stand)
[ "$got" = "--standalone" ] || cp_fail "--stand: $got"

# zsh's script is made from the same tables.
"$CERTPILOT" completion zsh >"$CP_WORK/_certpilot"
while read -r cmd opt kind; do
    grep -q -- "'$opt[=']" "$CP_WORK/_certpilot" || cp_fail "zsh completion lacks $opt"
done <"$CP_WORK/options.txt"
if command -v zsh >/dev/null 2>&1; then
    zsh -n "$CP_WORK/_certpilot" || cp_fail "zsh cannot parse its completion"
fi
cp_expect_fail "$CERTPILOT" completion fish
cp_check_err 2 "completion: say bash, zsh or options"

# cmake --install puts the generated files where the shells look.
build=$(dirname "$CERTPILOT")
if [ -f "$build/cmake_install.cmake" ]; then
    cmake --install "$build" --prefix "$CP_WORK/inst" >/dev/null
    cmp "$CP_WORK/inst/share/bash-completion/completions/certpilot" "$CP_WORK/certpilot.bash" ||
        cp_fail "installed bash completion differs"
    cmp "$CP_WORK/inst/share/zsh/vendor-completions/_certpilot" "$CP_WORK/_certpilot" ||
        cp_fail "installed zsh completion differs"
fi
echo "PASS"
