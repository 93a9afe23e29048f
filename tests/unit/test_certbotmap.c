/* Unit tests for src/manage/certbotmap.c: a certbot renewal file as certpilot's settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "manage/certbot.h"
#include "util/str.h"

#define HEAD "cert = /x/cert.pem\n[renewalparams]\naccount = 0a1b\nserver = https://ca.test/dir\n"

static const char *const names[] = {"example.com", "www.example.com"};

static int plan(const char *text, struct certbot_conf *c, struct certbot_plan *p, struct err *e)
{
    err_clear(e);
    if (certbot_conf_parse(text, strlen(text), "x.conf", c, e) != CP_OK)
        fail_msg("unexpected parse error: %s", e->msg);
    return certbot_plan_make(c, "example.com", names, 2, p, e);
}

static void plan_bad(const char *text, const char *msg)
{
    struct certbot_conf c;
    struct certbot_plan p;
    struct err e;

    assert_int_equal(plan(text, &c, &p, &e), CP_EUSAGE);
    assert_string_equal(e.msg, msg);
    certbot_conf_free(&c);
}

static void test_standalone_port_rsa(void **state)
{
    struct certbot_conf c;
    struct certbot_plan p;
    struct err e;

    (void)state;
    assert_int_equal(plan(HEAD "authenticator = standalone\nhttp01_port = 8080\nkey_type = rsa\n"
                          "rsa_key_size = 4096\nrenew_hook = /bin/true x\n", &c, &p, &e), CP_OK);
    assert_string_equal(p.solver, "standalone");
    assert_int_equal(p.nsettings, 2);
    assert_string_equal(p.settings[0].value, "0.0.0.0:8080");
    assert_string_equal(p.settings[1].value, "[::]:8080");
    assert_string_equal(p.key_type, "rsa4096");
    assert_string_equal(p.deploy_hook, "/bin/true x");
    assert_string_equal(p.server, "https://ca.test/dir");
    certbot_conf_free(&c);
}

static void test_webroot_map_ec384_before(void **state)
{
    struct certbot_conf c;
    struct certbot_plan p;
    struct err e;

    (void)state;
    assert_int_equal(plan("renew_before_expiry = 2 weeks\n" HEAD "authenticator = webroot\nwebroot_path = /a,\n"
                          "key_type = ecdsa\nelliptic_curve = secp384r1\npre_hook = /bin/true\n[[webroot_map]]\n"
                          "example.com = /srv/www\nwww.example.com = /srv/www\n", &c, &p, &e), CP_OK);
    assert_string_equal(p.solver, "webroot");
    assert_string_equal(p.settings[0].value, "/srv/www");
    assert_string_equal(p.key_type, "ec384");
    assert_int_equal(p.renew_before_s, 14 * 86400);
    assert_string_equal(p.warning, "its pre_hook/post_hook are not imported: run them around `certpilot renew` "
                                   "yourself");
    certbot_conf_free(&c);
}

static void test_manual_and_unknown(void **state)
{
    struct certbot_conf c;
    struct certbot_plan p;
    struct err e;

    (void)state;
    assert_int_equal(plan(HEAD "authenticator = manual\nmanual_auth_hook = /bin/true\npref_challs = dns-01,\n",
                          &c, &p, &e), CP_OK);
    assert_string_equal(p.solver, "hook");
    assert_string_equal(kv_get(&(struct kvlist){p.settings, p.nsettings}, "challenge"), "dns-01");
    assert_string_equal(kv_get(&(struct kvlist){p.settings, p.nsettings}, "contract"), "certbot");
    assert_null(p.key_type);  /* the key's own type */
    certbot_conf_free(&c);
    assert_int_equal(plan(HEAD "authenticator = dns-cloudflare\n", &c, &p, &e), CP_OK);
    assert_string_equal(p.solver, "certbot:dns-cloudflare");
    assert_string_equal(p.warning, "certbot's dns-cloudflare authenticator has no certpilot equivalent: set the "
                        "method before renew (a [cert:example.com] section in certpilot.ini, or certpilot issue "
                        "--cert-name example.com)");
    certbot_conf_free(&c);
}

static void test_reasons(void **state)
{
    (void)state;
    plan_bad("[renewalparams]\nauthenticator = standalone\n",
             "renewalparams account \"\" is not a certbot account id");
    plan_bad("[renewalparams]\naccount = ../x\n", "renewalparams account \"../x\" is not a certbot account id");
    plan_bad(HEAD, "the renewal file names no authenticator");
    plan_bad(HEAD "authenticator = manual\n",
             "authenticator manual without manual_auth_hook was answered by hand: issue it with certpilot instead");
    plan_bad(HEAD "authenticator = manual\nmanual_auth_hook = /bin/true; rm -rf /\n",
             "manual_auth_hook \"/bin/true; rm -rf /\" is not one executable file (certpilot runs hooks without a "
             "shell): put the command in a script and name the script in the renewal file");
    plan_bad(HEAD "authenticator = manual\nmanual_auth_hook = hook.sh\n",
             "manual_auth_hook \"hook.sh\" is not one executable file (certpilot runs hooks without a shell): put "
             "the command in a script and name the script in the renewal file");
    plan_bad(HEAD "authenticator = standalone\nhttp01_port = 99999\n", "http01_port \"99999\" is not a port number");
    plan_bad(HEAD "authenticator = webroot\n", "authenticator webroot names no directory for example.com");
    plan_bad(HEAD "authenticator = webroot\n[[webroot_map]]\nexample.com = /a\nwww.example.com = /b\n",
             "its names use different webroot directories (/a, /b); certpilot's webroot solver takes one");
    plan_bad(HEAD "authenticator = webroot\nwebroot_path = www,\n",
             "webroot directory \"www\" is not an absolute path");
    plan_bad(HEAD "authenticator = Evil Plugin\n", "authenticator \"Evil Plugin\" is not a plugin name");
    plan_bad(HEAD "authenticator = standalone\nkey_type = rsa\nrsa_key_size = 1024\n",
             "rsa_key_size 1024 is not supported (2048, 3072, 4096)");
    plan_bad(HEAD "authenticator = standalone\nkey_type = ecdsa\nelliptic_curve = secp521r1\n",
             "elliptic_curve secp521r1 is not supported (secp256r1, secp384r1)");
    plan_bad(HEAD "authenticator = standalone\nkey_type = ed25519\n",
             "key_type \"ed25519\" is not supported (rsa, ecdsa)");
    plan_bad("renew_before_expiry = soon\n" HEAD "authenticator = standalone\n",
             "renew_before_expiry \"soon\" is not a time such as \"30 days\" (up to a year)");
    plan_bad(HEAD "authenticator = standalone\ndeploy_hook = systemctl reload nginx && echo ok\n",
             "deploy hook \"systemctl reload nginx && echo ok\" is a shell command line (certpilot runs hooks without "
             "a shell): put it in a script and name the script in the renewal file");
}

static void test_interval(void **state)
{
    long s = 0;
    struct err e = {0};

    (void)state;
    assert_int_equal(certbot_interval("30 days", &s, &e), CP_OK);
    assert_int_equal(s, 30 * 86400);
    assert_int_equal(certbot_interval("7", &s, &e), CP_OK);
    assert_int_equal(s, 7 * 86400);
    assert_int_equal(certbot_interval("12 hours", &s, &e), CP_OK);
    assert_int_equal(s, 12 * 3600);
    assert_int_equal(certbot_interval("1 week", &s, &e), CP_OK);
    assert_int_equal(s, 7 * 86400);
    assert_int_equal(certbot_interval("0 days", &s, &e), CP_EUSAGE);
    assert_int_equal(certbot_interval("400 days", &s, &e), CP_EUSAGE);
    assert_int_equal(certbot_interval("3 fortnights", &s, &e), CP_EUSAGE);
    assert_int_equal(certbot_interval("30 days later", &s, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "renew_before_expiry \"30 days later\" is not a time such as \"30 days\" (up to a year)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standalone_port_rsa), cmocka_unit_test(test_webroot_map_ec384_before),
        cmocka_unit_test(test_manual_and_unknown),  cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
