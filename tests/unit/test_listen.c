/*
 * util/listen: --listen and the config's listen = read alike; a bare port
 * and lego's ":PORT" are every address on that port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/listen.h"

static void test_listen_every_address(void **state)
{
    struct listen_addrs la;
    struct err e = {0};

    (void)state;
    assert_int_equal(listen_parse("5002", &la, &e), CP_OK);
    assert_int_equal(la.n, 2);
    assert_string_equal(la.addr[0], "[::]:5002");
    assert_string_equal(la.addr[1], "0.0.0.0:5002");
    assert_int_equal(listen_parse(":5002", &la, &e), CP_OK);
    assert_int_equal(la.n, 2);
    assert_string_equal(la.addr[0], "[::]:5002");
    assert_string_equal(la.addr[1], "0.0.0.0:5002");
}

static void test_listen_one_address(void **state)
{
    struct listen_addrs la;
    struct err e = {0};

    (void)state;
    assert_int_equal(listen_parse("127.0.0.1:5002", &la, &e), CP_OK);
    assert_int_equal(la.n, 1);
    assert_string_equal(la.addr[0], "127.0.0.1:5002");
    assert_int_equal(listen_parse("[::1]:80", &la, &e), CP_OK);
    assert_int_equal(la.n, 1);
    assert_string_equal(la.addr[0], "[::1]:80");
}

static void test_listen_refused(void **state)
{
    static const char *const bad[] = {"", ":", "http", "127.0.0.1:http", "0", "70000", ":0", "1.2.3.4:"};
    struct listen_addrs la;
    struct err e = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(listen_parse(bad[i], &la, &e), CP_EUSAGE);
    assert_int_equal(listen_parse("http", &la, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "listen address http: expected PORT, :PORT, ADDR:PORT or [IPV6]:PORT "
                        "(port 1 to 65535)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_every_address),
        cmocka_unit_test(test_listen_one_address),
        cmocka_unit_test(test_listen_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
