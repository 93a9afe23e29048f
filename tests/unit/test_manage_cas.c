/*
 * manage/cas.c: the CAs known by name, their staging twins and their limit on new
 * orders, decided by a directory URL's host and port (never by its text).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "manage/manage.h"

#define LE "https://acme-v02.api.letsencrypt.org/directory"
#define LE_STAGING "https://acme-staging-v02.api.letsencrypt.org/directory"

static void test_names(void **state)
{
    char buf[64], tiny[8];

    (void)state;
    assert_string_equal(manage_ca_url("letsencrypt"), LE);
    assert_string_equal(manage_ca_url("letsencrypt-staging"), LE_STAGING);
    assert_null(manage_ca_url("letsencrypt-prod"));
    assert_string_equal(manage_ca_nearest("letsencrpyt"), "letsencrypt");
    assert_int_equal(manage_ca_names(buf, sizeof(buf)), strlen("letsencrypt, letsencrypt-staging"));
    assert_string_equal(buf, "letsencrypt, letsencrypt-staging");
    manage_ca_names(tiny, sizeof(tiny));
    assert_string_equal(tiny, "letsenc");
}

static void test_order_limit(void **state)
{
    long limit = -1, window = -1;

    (void)state;
    manage_ca_order_limit(LE, &limit, &window);
    assert_int_equal(limit, 300);
    assert_int_equal(window, 3 * 3600);
    /* another path of the same host and port is the same CA */
    manage_ca_order_limit("https://acme-v02.api.letsencrypt.org:443/other", &limit, &window);
    assert_int_equal(limit, 300);
    manage_ca_order_limit(LE_STAGING, &limit, &window);
    assert_int_equal(limit, 300);
    /* the name inside a path or another host is not Let's Encrypt */
    manage_ca_order_limit("https://ca.example/.api.letsencrypt.org/directory", &limit, &window);
    assert_int_equal(limit, 0);
    manage_ca_order_limit("https://acme-v02.api.letsencrypt.org:14000/directory", &limit, &window);
    assert_int_equal(limit, 0);
    manage_ca_order_limit("not a url", &limit, &window);
    assert_int_equal(limit, 0);
}

static void test_dry_run(void **state)
{
    const char *why = NULL;

    (void)state;
    assert_string_equal(manage_ca_dry_run(LE, &why), LE_STAGING);
    assert_string_equal(why, "the staging twin of the CA given");
    assert_string_equal(manage_ca_dry_run(LE_STAGING, &why), LE_STAGING);
    assert_string_equal(why, "the CA given is itself a staging CA");
    assert_string_equal(manage_ca_dry_run("https://127.0.0.1:14000/dir", &why), "https://127.0.0.1:14000/dir");
    assert_string_equal(why, "the CA given (no staging twin of it is known)");
}

static void test_server_check(void **state)
{
    struct err err = {0};

    (void)state;
    assert_int_equal(manage_server_check(LE, &err), CP_OK);
    assert_int_equal(manage_server_check("ftp:/x", &err), CP_EUSAGE);
    assert_string_equal(err.msg, "ACME server URL: \"ftp:/x\" is not an http(s) URL");
}

/* Without a known limit nothing is counted and the budget is unbounded, without opening the state. */
static void test_budget_unknown_ca(void **state)
{
    struct manage_opts mo = {.root = "/nonexistent/cp-budget", .server = "https://127.0.0.1:9/dir"};
    struct manage_orders ob;

    (void)state;
    assert_int_equal(manage_orders_budget(&mo, 0, &ob, NULL), CP_OK);
    assert_int_equal(ob.limit, 0);
    assert_true(ob.left == (unsigned long)-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_order_limit),
        cmocka_unit_test(test_dry_run),
        cmocka_unit_test(test_server_check),
        cmocka_unit_test(test_budget_unknown_ca),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
