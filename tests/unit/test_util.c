/*
 * util/str's sanitiser: server text loses everything that steers a
 * terminal (ESC sequences, C1 CSI, bidi overrides) and invalid UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/err.h"
#include "util/exec.h"
#include "util/str.h"

static void check(const char *in, const char *want)
{
    char buf[256];

    snprintf(buf, sizeof(buf), "%s", in);
    str_sanitize(buf);
    assert_string_equal(buf, want);
}

/* A variable a target names as holding a secret (password_env) is left out of a child's
 * environment when the caller names it, and only then; a longer name that starts with it stays. */
static void test_exec_strip(void **state)
{
    const char *argv[] = {"/bin/sh", "-c", "test -z \"${CP_TEST_PFX+x}\" && test -n \"$CP_TEST_PFX2\"", NULL};
    const char *strip[] = {"CP_TEST_PFX", NULL};
    struct err err = {0};
    int status = -1;

    (void)state;
    assert_int_equal(setenv("CP_TEST_PFX", "hunter2", 1), 0);
    assert_int_equal(setenv("CP_TEST_PFX2", "kept", 1), 0);
    assert_int_equal(exec_run_strip(argv, NULL, strip, 5, &status, &err), CP_OK);
    assert_int_equal(status, 0);
    assert_int_equal(exec_run(argv, NULL, 5, &status, &err), CP_OK);
    assert_int_equal(status, 1);  /* not named: inherited as before */
    unsetenv("CP_TEST_PFX");
    unsetenv("CP_TEST_PFX2");
}

static void test_sanitize_escape(void **state)
{
    (void)state;
    /* ESC [ 2 J clears a screen: the ESC goes, the harmless rest stays */
    check("a\x1b[2Jb", "a[2Jb");
    check("bell\a del\x7f nul-less", "bell del nul-less");
    check("two\nlines\r\tand tab", "two lines  and tab");
}

static void test_sanitize_c1(void **state)
{
    (void)state;
    /* U+009B (CSI as a C1 control) encoded as UTF-8 C2 9B, and U+0085 (NEL) */
    check("x\xc2\x9b" "31mred\xc2\x85y", "x31mredy");
    /* U+00A0 and U+00E9 just above the C1 range stay */
    check("caf\xc3\xa9\xc2\xa0!", "caf\xc3\xa9\xc2\xa0!");
}

static void test_sanitize_bidi(void **state)
{
    (void)state;
    /* U+202E RIGHT-TO-LEFT OVERRIDE would make "exe.txt" read backwards */
    check("evil\xe2\x80\xaetxt.exe", "eviltxt.exe");
    check("\xe2\x81\xa6" "iso\xe2\x81\xa9", "iso");  /* U+2066 .. U+2069 */
    check("\xe2\x80\xaa\xe2\x80\xad", "");           /* U+202A, U+202D */
    check("\xe2\x80\xa9ok", "\xe2\x80\xa9ok");       /* U+2029 is not a bidi control */
}

static void test_sanitize_invalid_utf8(void **state)
{
    (void)state;
    check("a\xff" "b", "a?b");
    check("\xc0\xaf", "??");                 /* overlong '/' */
    check("\xed\xa0\x80", "???");            /* a UTF-16 surrogate */
    check("\xf4\x90\x80\x80", "????");       /* above U+10FFFF */
    check("cut\xe2\x80", "cut??");           /* truncated sequence at the end */
    check("\xf0\x9f\x94\x92 lock", "\xf0\x9f\x94\x92 lock");
    str_sanitize(NULL);
}

/* err_set runs every message through the sanitiser. */
static void test_err_sanitized(void **state)
{
    struct err e = {0};

    (void)state;
    err_set(&e, CP_EACME, "CA says %s", "\x1b]0;pwned\a\xe2\x80\xae!");
    assert_string_equal(e.msg, "CA says ]0;pwned!");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_strip),
        cmocka_unit_test(test_sanitize_escape),
        cmocka_unit_test(test_sanitize_c1),
        cmocka_unit_test(test_sanitize_bidi),
        cmocka_unit_test(test_sanitize_invalid_utf8),
        cmocka_unit_test(test_err_sanitized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
