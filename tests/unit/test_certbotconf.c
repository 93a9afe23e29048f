/* Unit tests for src/config/certbotconf.c: certbot's renewal files (configobj syntax). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/certbotconf.h"
#include "support/files.h"
#include "util/str.h"

static char *data_text(const char *rel)
{
    const char *dir = getenv("CP_TEST_DATA");
    char *path = str_printf("%s/certbot/%s", dir != NULL ? dir : "tests/data", rel), *text;

    assert_non_null(path);
    text = test_slurp(path);
    free(path);
    return text;
}

static void parse_ok(const char *text, struct certbot_conf *c)
{
    struct err e = {0};

    if (certbot_conf_parse(text, strlen(text), "x.conf", c, &e) != CP_OK)
        fail_msg("unexpected error: %s", e.msg);
}

/* text must fail with exactly msg. */
static void parse_bad_n(const char *text, size_t len, const char *msg)
{
    struct certbot_conf c;
    struct err e = {0};

    assert_int_equal(certbot_conf_parse(text, len, "x.conf", &c, &e), CP_EUSAGE);
    assert_string_equal(e.msg, msg);
    certbot_conf_free(&c);
}

static void parse_bad(const char *text, const char *msg)
{
    parse_bad_n(text, strlen(text), msg);
}

/* A file Debian's certbot 2.1 wrote (manual, dns-01) reads as it says. */
static void test_certbot21_manual(void **state)
{
    char *text = data_text("manual-2.1.conf");
    struct certbot_conf c;
    const struct certbot_item *pc;

    (void)state;
    parse_ok(text, &c);
    assert_string_equal(certbot_conf_value(&c, "", "version"), "2.1.0");
    assert_string_equal(certbot_conf_value(&c, "", "cert"), "/srv/cb/cb/etc/live/man.example.test/cert.pem");
    assert_string_equal(certbot_conf_value(&c, "renewalparams", "authenticator"), "manual");
    assert_string_equal(certbot_conf_value(&c, "renewalparams", "manual_auth_hook"), "/srv/cb/auth.sh");
    assert_string_equal(certbot_conf_value(&c, "renewalparams", "key_type"), "ecdsa");
    assert_null(certbot_conf_value(&c, "", "renew_before_expiry"));  /* commented out */
    assert_null(certbot_conf_value(&c, "", "authenticator"));        /* another section's */
    pc = certbot_conf_get(&c, "renewalparams", "pref_challs");
    assert_non_null(pc);
    assert_true(pc->list);
    assert_int_equal(pc->nvalues, 1);
    assert_string_equal(pc->values[0], "dns-01");
    assert_null(certbot_conf_value(&c, "renewalparams", "pref_challs"));  /* a list, not a scalar */
    certbot_conf_free(&c);
    free(text);
}

/* [[webroot_map]], quotes keeping ',' and '"', a list of two, a top-level renew_before_expiry. */
static void test_webroot_map_and_quotes(void **state)
{
    char *text = data_text("webroot-4.0.conf");
    struct certbot_conf c;
    const struct certbot_item *pc;

    (void)state;
    parse_ok(text, &c);
    assert_string_equal(certbot_conf_value(&c, "", "renew_before_expiry"), "20 days");
    assert_string_equal(certbot_conf_value(&c, "renewalparams", "deploy_hook"), "systemctl reload \"nginx, now\"");
    assert_string_equal(certbot_conf_value(&c, "renewalparams/webroot_map", "www.example.com"), "/var/www/html");
    assert_int_equal(certbot_conf_get(&c, "renewalparams/webroot_map", "example.com")->line, 21);
    pc = certbot_conf_get(&c, "renewalparams", "pref_challs");
    assert_int_equal(pc->nvalues, 2);
    assert_string_equal(pc->values[1], "dns-01");
    assert_true(certbot_conf_get(&c, "renewalparams", "webroot_path")->list);
    certbot_conf_free(&c);
    free(text);
}

static void test_values(void **state)
{
    struct certbot_conf c;
    const struct certbot_item *it;

    (void)state;
    parse_ok("a = x # a comment\r\nb = \"\"\"say \"it's\" ok\"\"\"\nc = ,\nd =\ne = 'p', \"q\" , r\n", &c);
    assert_string_equal(certbot_conf_value(&c, "", "a"), "x");
    assert_string_equal(certbot_conf_value(&c, "", "b"), "say \"it's\" ok");
    it = certbot_conf_get(&c, "", "c");
    assert_true(it->list);
    assert_int_equal(it->nvalues, 0);
    assert_string_equal(certbot_conf_value(&c, "", "d"), "");
    it = certbot_conf_get(&c, "", "e");
    assert_int_equal(it->nvalues, 3);
    assert_string_equal(it->values[2], "r");
    certbot_conf_free(&c);
}

static void test_bad_input(void **state)
{
    (void)state;
    parse_bad("a = 1\njust words\n", "x.conf:2: not \"key = value\", a [section] or a comment");
    parse_bad("= 1\n", "x.conf:1: not \"key = value\", a [section] or a comment");
    parse_bad("[s]\na = 1\na = 2\n", "x.conf:3: \"a\" is given twice");
    parse_bad("[s]\n[s]\n", "x.conf:2: this section is given twice");
    parse_bad("[[m]]\n", "x.conf:1: a [[subsection]] before any [section]");
    parse_bad("[s]\n[[[m]]]\n", "x.conf:2: sections nest deeper than certbot writes them ([[[...]]])");
    parse_bad("[s]]\n", "x.conf:1: a section header must be [name] or [[name]] alone on its line");
    parse_bad("[s] x\n", "x.conf:1: a section header must be [name] or [[name]] alone on its line");
    parse_bad("[ ]\n", "x.conf:1: a section header without a name");
    parse_bad("a = 'open\n", "x.conf:1: a quoted value is not closed");
    parse_bad("a = '''one\ntwo'''\n", "x.conf:1: multi-line values are not supported");
    parse_bad("a = 'x' y\n", "x.conf:1: text after a quoted value");
    parse_bad("a = x, , y\n", "x.conf:1: an empty item in a list");
    parse_bad("a = , x\n", "x.conf:1: a list that starts with ','");
    parse_bad_n("a = 1\nb = x\0y\n", 12, "x.conf:2: the line holds a NUL byte");
}

static void test_bad_sizes(void **state)
{
    struct certbot_conf c;
    struct err e = {0};
    char *big = calloc(1, CERTBOT_CONF_MAX + 2);

    (void)state;
    assert_non_null(big);
    memset(big, 'a', 5000);
    assert_int_equal(certbot_conf_parse(big, strlen(big), "x.conf", &c, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "x.conf:1: the line is too long");
    memset(big, '\n', CERTBOT_CONF_MAX + 1);
    assert_int_equal(certbot_conf_parse(big, CERTBOT_CONF_MAX + 1, "x.conf", &c, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "x.conf: larger than 65536 bytes");
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_certbot21_manual), cmocka_unit_test(test_webroot_map_and_quotes),
        cmocka_unit_test(test_values),           cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
