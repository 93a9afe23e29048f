/*
 * manage/names: internationalised names (IDNA 2008 with UTS #46 processing,
 * non-transitional, through libidn2) become A-labels; A-labels are checked;
 * what is refused is named in one line with libidn2's reason and every byte
 * that is not printable UTF-8 escaped; the A-label is shown with its U-label.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "manage/internal.h"

static void expect_name(const char *in, const char *want)
{
    char *out = NULL, *again = NULL;

    assert_int_equal(manage_name_normalise(in, &out, NULL), CP_OK);
    assert_string_equal(out, want);
    /* what meta.json keeps is normalised again at every renewal: it must stay itself */
    assert_int_equal(manage_name_normalise(out, &again, NULL), CP_OK);
    assert_string_equal(again, want);
    free(again);
    free(out);
}

static void expect_bad_name(const char *in, const char *msg)
{
    struct err err = {0};
    char *out = NULL;

    assert_int_equal(manage_name_normalise(in, &out, &err), CP_EUSAGE);
    assert_null(out);
    assert_string_equal(err.msg, msg);
}

static void test_u_labels(void **state)
{
    (void)state;
    expect_name("münchen.example.test", "xn--mnchen-3ya.example.test");
    expect_name("MÜNCHEN.Example.TEST", "xn--mnchen-3ya.example.test");          /* UTS #46 maps case */
    expect_name("mu\xcc\x88nchen.example.test", "xn--mnchen-3ya.example.test");  /* u + U+0308: NFC */
    expect_name("faß.example.test", "xn--fa-hia.example.test");                  /* non-transitional */
    expect_name("bücher.münchen.example.test", "xn--bcher-kva.xn--mnchen-3ya.example.test");
    expect_name("公司.example", "xn--55qx5d.example");
    expect_name("\xef\xbd\x85xample.test", "example.test");                      /* fullwidth e */
    expect_name("plain.example.test", "plain.example.test");
}

static void test_wildcard(void **state)
{
    const char *names[] = {"*.xn--mnchen-3ya.example.test"};
    struct manage_cert_req req = {.names = names, .nnames = 1, .solver = "hook"};
    char *out = NULL;

    (void)state;
    expect_name("*.münchen.example.test", "*.xn--mnchen-3ya.example.test");
    expect_name("*.MÜNCHEN.example.test", "*.xn--mnchen-3ya.example.test");
    assert_int_equal(manage_cert_name(&req, &out, NULL), CP_OK);
    assert_string_equal(out, "_.xn--mnchen-3ya.example.test");
    free(out);
}

static void test_a_labels(void **state)
{
    (void)state;
    expect_name("xn--mnchen-3ya.example.test", "xn--mnchen-3ya.example.test");
    expect_name("XN--MNCHEN-3YA.Example.Test", "xn--mnchen-3ya.example.test");
    expect_bad_name("xn--zz.example.test", "name \"xn--zz.example.test\": not a valid internationalised "
                    "domain name (string contains invalid punycode data)");
    expect_bad_name("xn--ls8h.example.test", "name \"xn--ls8h.example.test\": not a valid internationalised "
                    "domain name (string contains a disallowed character)");
}

static void test_refused(void **state)
{
    (void)state;
    expect_bad_name("a☃b.example.test", "name \"a☃b.example.test\": not a valid internationalised domain "
                    "name (string contains a disallowed character)");
    expect_bad_name("m\xfcnchen.example.test", "name \"m\\xfcnchen.example.test\": not a valid "
                    "internationalised domain name (string encoding error)");
    expect_bad_name("a\xe2\x80\xae" "b.example.test", "name \"a\\xe2\\x80\\xaeb.example.test\": not a valid "
                    "internationalised domain name (string contains a disallowed character)");
    expect_bad_name("a\xe2\x80\x8d" "b.example.test", "name \"a\xe2\x80\x8d" "b.example.test\": not a valid "
                    "internationalised domain name (string contains a forbidden context-j character)");
    expect_bad_name("a_b.münchen.example.test", "name \"a_b.münchen.example.test\": label \"a_b\" is not a "
                    "valid DNS label");
    expect_bad_name("münchen", "name \"münchen\": not a fully qualified domain name nor an IP address");
    /* an ASCII name with a control character: escaped in the message too */
    expect_bad_name("a\x1b[2J.example.test", "name \"a\\x1b[2J.example.test\": label \"a\\x1b[2J\" is not a "
                    "valid DNS label");
}

static void test_display(void **state)
{
    char *s;

    (void)state;
    s = manage_name_display("xn--mnchen-3ya.example.test");
    assert_string_equal(s, "xn--mnchen-3ya.example.test (münchen.example.test)");
    free(s);
    s = manage_name_display("_.xn--mnchen-3ya.example.test");
    assert_string_equal(s, "_.xn--mnchen-3ya.example.test (_.münchen.example.test)");
    free(s);
    s = manage_name_display("*.xn--mnchen-3ya.example.test");
    assert_string_equal(s, "*.xn--mnchen-3ya.example.test (*.münchen.example.test)");
    free(s);
    s = manage_name_display("a.example.test");
    assert_string_equal(s, "a.example.test");
    free(s);
    s = manage_name_display("xn--zz.example.test");  /* not decodable: shown as it is */
    assert_string_equal(s, "xn--zz.example.test");
    free(s);
    assert_null(manage_name_display(NULL));
}

/* A config section's names as written against the A-labels a certificate holds. */
static void test_names_differ(void **state)
{
    const char *want[] = {"köln.example.test", "*.KÖLN.example.test"};
    const char *have[] = {"*.xn--kln-sna.example.test", "xn--kln-sna.example.test"};
    const char *bad[] = {"a\xe2\x98\x83.example.test"};

    (void)state;
    assert_false(manage_names_differ(want, 2, have, 2));
    assert_true(manage_names_differ(want, 2, have, 1));
    assert_true(manage_names_differ(want, 1, have, 2));
    assert_true(manage_names_differ(bad, 1, have, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u_labels),
        cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_a_labels),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_display),
        cmocka_unit_test(test_names_differ),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
