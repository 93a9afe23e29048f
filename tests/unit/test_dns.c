/*
 * dns: the BIND key file parser (good keys, each error exactly), the name and
 * server helpers, and the crash journal's round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/files.h"

#include "dns/journal.h"
#include "dns/provider.h"
#include "dns/resolve.h"
#include "dns/rfc2136.h"
#include "util/fsio.h"
#include "util/str.h"

#define SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="

static void key_ok(void **state)
{
    struct tsig_key k;
    struct err err = {0};
    const char *text = "# made by tsig-keygen\n"
                       "key \"CertPilot-Test\" {\n"
                       "\talgorithm hmac-sha256; // the usual\n"
                       "\t/* a comment\n spanning lines */ secret \"" SECRET "\";\n"
                       "};\n";

    (void)state;
    assert_int_equal(dns_tsig_key_parse(text, "k.key", &k, &err), CP_OK);
    assert_string_equal(k.name, "certpilot-test.");
    assert_string_equal(k.alg, "hmac-sha256.");
    assert_string_equal(k.secret, SECRET);
    dns_tsig_key_clear(&k);
    assert_null(k.name);
    assert_null(k.secret);

    assert_int_equal(dns_tsig_key_parse("key k { secret " SECRET "; algorithm HMAC-SHA512.; };", "k.key", &k,
                                        &err), CP_OK);
    assert_string_equal(k.name, "k.");
    assert_string_equal(k.alg, "hmac-sha512.");
    dns_tsig_key_clear(&k);
}

static void key_error(const char *text, const char *want)
{
    struct tsig_key k;
    struct err err = {0};

    assert_int_equal(dns_tsig_key_parse(text, "/etc/k.key", &k, &err), CP_EINVALID);
    assert_string_equal(err.msg, want);
    assert_null(k.name);
    assert_null(k.alg);
    assert_null(k.secret);
    assert_null(strstr(err.msg, SECRET));
}

static void key_errors(void **state)
{
    (void)state;
    key_error("key \"k\" { algorithm hmac-md5; secret \"" SECRET "\"; };",
              "key file /etc/k.key: key \"k.\": unsupported algorithm \"hmac-md5\" (hmac-sha256 or hmac-sha512)");
    key_error("key \"k\" { algorithm hmac-sha256; };", "key file /etc/k.key: key \"k.\" has no secret");
    key_error("key \"k\" { secret \"" SECRET "\"; };", "key file /etc/k.key: key \"k.\" has no algorithm");
    key_error("", "key file /etc/k.key: no key clause");
    key_error("# only a comment\n", "key file /etc/k.key: no key clause");
    key_error("junk here", "key file /etc/k.key: line 1: expected \"key\", not \"junk\"");
    key_error("key \"k\" {\n algorithm hmac-sha256;\n colour blue;\n};",
              "key file /etc/k.key: line 3: unexpected \"colour\"");
    key_error("key \"k\" { algorithm hmac-sha256; secret \"" SECRET "\" extra; };",
              "key file /etc/k.key: line 1: expected \";\"");
    key_error("key \"k\" { algorithm hmac-sha256; secret \"not base64!\"; };",
              "key file /etc/k.key: key \"k.\": the secret is not base64");
    key_error("key \"k\" { algorithm hmac-sha256; secret \"" SECRET "\";",
              "key file /etc/k.key: line 1: unexpected end of file");
    key_error("key \"k\" { secret \"unterminated; };", "key file /etc/k.key: line 1: secret without a value");
    key_error("key \"bad name\" { };", "key file /etc/k.key: line 1: bad key name");
}

static void key_load(void **state)
{
    char *dir = test_tmpdir("cp-dns"), *path = str_printf("%s/k.key", dir);
    const char *text = "key \"k\" { algorithm hmac-sha256; secret \"" SECRET "\"; };\n";
    struct tsig_key k;
    struct err err = {0};

    (void)state;
    assert_int_equal(dns_tsig_key_load(path, &k, &err), CP_ENOTFOUND);
    assert_non_null(strstr(err.msg, "key file: cannot read "));
    assert_int_equal(fs_write_atomic(path, text, strlen(text), 0600, NULL), CP_OK);
    assert_int_equal(dns_tsig_key_load(path, &k, &err), CP_OK);
    assert_string_equal(k.secret, SECRET);
    dns_tsig_key_clear(&k);
    free(path);
    test_rm_rf(dir);
    free(dir);
}

static void check_fqdn(const char *in, const char *want)
{
    char *got = dns_name_fqdn(in);

    if (want == NULL)
        assert_null(got);
    else
        assert_string_equal(got, want);
    free(got);
}

static void names(void **state)
{
    char label64[80], *c;

    (void)state;
    check_fqdn("Example.COM", "example.com.");
    check_fqdn("example.com.", "example.com.");
    check_fqdn("_acme-challenge.x-y.example", "_acme-challenge.x-y.example.");
    check_fqdn("", NULL);
    check_fqdn(".", NULL);
    check_fqdn("a..b", NULL);
    check_fqdn(".a", NULL);
    check_fqdn("bad name.com", NULL);
    check_fqdn("*.example.com", NULL);
    check_fqdn("a\"b.com", NULL);
    memset(label64, 'a', 64);
    strcpy(label64 + 64, ".com");
    check_fqdn(label64, NULL);
    strcpy(label64 + 63, ".com");  /* a label of 63 octets is the longest allowed */
    c = dns_name_fqdn(label64);
    assert_non_null(c);
    assert_int_equal(strlen(c), 68);
    free(c);
    c = dns_challenge_name("WWW.Example.test");
    assert_string_equal(c, "_acme-challenge.www.example.test.");
    free(c);
    assert_null(dns_challenge_name("*.example.test"));
}

static void server(const char *in, const char *addr, unsigned port)
{
    char *a = NULL;
    uint16_t p = 0;

    assert_int_equal(dns_server_parse(in, 53, &a, &p, NULL), CP_OK);
    assert_string_equal(a, addr);
    assert_int_equal(p, port);
    free(a);
}

static void server_error(const char *in, const char *want)
{
    struct err err = {0};
    char *a = NULL;
    uint16_t p = 0;

    assert_int_equal(dns_server_parse(in, 53, &a, &p, &err), CP_EUSAGE);
    assert_null(a);
    assert_string_equal(err.msg, want);
}

static void servers(void **state)
{
    (void)state;
    server("192.0.2.1", "192.0.2.1", 53);
    server("192.0.2.1:5353", "192.0.2.1", 5353);
    server("[2001:db8::1]:54", "2001:db8::1", 54);
    server("[::1]", "::1", 53);
    server("::1", "::1", 53);
    server_error("ns.example.com", "DNS server \"ns.example.com\": not an IP address");
    server_error("192.0.2.1:0", "DNS server \"192.0.2.1:0\": bad port");
    server_error("192.0.2.1:x", "DNS server \"192.0.2.1:x\": bad port");
    server_error("[::1", "DNS server \"[::1\": expected [ADDR]:PORT");
}

static void journal(void **state)
{
    char *dir = test_tmpdir("cp-dns"), *path = str_printf("%s/j.json", dir), *text = NULL;
    struct dns_txt recs[2] = {{"_acme-challenge.a.test.", "v1", "a.test.", "id-1", true},
                              {"_acme-challenge.b.test.", "v2", NULL, NULL, false}};
    struct dns_journal j;
    struct err err = {0};

    (void)state;
    assert_int_equal(dns_journal_write(path, "rfc2136", 4242, recs, 2, &err), CP_OK);
    assert_int_equal(dns_journal_read(path, &j, &err), CP_OK);
    assert_string_equal(j.provider, "rfc2136");
    assert_int_equal(j.pid, 4242);
    assert_int_equal(j.n, 2);
    assert_string_equal(j.recs[0].fqdn, recs[0].fqdn);
    assert_string_equal(j.recs[0].value, "v1");
    assert_string_equal(j.recs[0].zone, "a.test.");
    assert_string_equal(j.recs[0].id, "id-1");
    assert_true(j.recs[0].added);
    assert_string_equal(j.recs[1].value, "v2");
    assert_null(j.recs[1].zone);
    assert_null(j.recs[1].id);
    assert_true(j.recs[1].added);
    dns_journal_clear(&j);

    text = "{\"provider\": \"rfc2136\", \"pid\": 1, \"records\": [{\"fqdn\": \"x.\"}]}";
    assert_int_equal(fs_write_atomic(path, text, strlen(text), 0600, NULL), CP_OK);
    assert_int_equal(dns_journal_read(path, &j, &err), CP_EINVALID);
    text = str_printf("DNS journal %s: record 1 lacks fqdn or value", path);
    assert_string_equal(err.msg, text);
    free(text);
    assert_int_equal(fs_write_atomic(path, "{", 1, 0600, NULL), CP_OK);
    assert_int_equal(dns_journal_read(path, &j, &err), CP_EINVALID);
    assert_non_null(strstr(err.msg, "not JSON"));
    free(path);
    test_rm_rf(dir);
    free(dir);
}

static void registry(void **state)
{
    struct err err = {0};
    struct kv kv[] = {{"ttl", "0"}};
    struct kvlist l = {kv, 1};
    struct dns_provider_opts o = {&l, NULL, NULL, NULL};

    (void)state;
    assert_string_equal(dns_provider_name(0), "rfc2136");
    assert_null(dns_provider_new("nope", &o, &err));
    assert_int_equal(err.code, CP_EUSAGE);
    assert_non_null(strstr(err.msg, "unknown DNS provider \"nope\" (known: rfc2136"));
    assert_null(dns_provider_new("rfc2136", &o, &err));
    assert_string_equal(err.msg, "rfc2136: ttl \"0\" is not a number from 1 to 86400");
    kv[0] = (struct kv){"zone", "bad zone"};
    assert_null(dns_provider_new("rfc2136", &o, &err));
    assert_string_equal(err.msg, "rfc2136: zone \"bad zone\" is not a DNS name");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_ok),   cmocka_unit_test(key_errors), cmocka_unit_test(key_load),
        cmocka_unit_test(names),    cmocka_unit_test(servers),    cmocka_unit_test(journal),
        cmocka_unit_test(registry),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
