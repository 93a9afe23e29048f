/*
 * manage and the public API: every request that cannot work is refused
 * before any network traffic (the server URL here points at nothing), with
 * the message naming the culprit; solvers by name and settings; the read
 * side of an empty state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/certs.h"
#include "support/files.h"

#include "certpilot/certpilot.h"
#include "crypto/key.h"
#include "config/config.h"
#include "manage/manage.h"
#include "solve/solve.h"
#include "store/store.h"
#include "util/str.h"

/* Nothing listens on port 9 of loopback: a request that reached the network would fail with CP_ENET. */
#define NOWHERE "https://127.0.0.1:9/dir"

struct fixture {
    char *root;
    struct manage *m;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct manage_opts o = {.server = NOWHERE};

    f->root = test_tmpdir("cp-manage");
    o.root = f->root;
    assert_int_equal(manage_open(&o, &f->m, NULL), CP_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    manage_free(f->m);
    test_rm_rf(f->root);
    free(f->root);
    free(f);
    return 0;
}

static int issue(struct fixture *f, const char *const *names, size_t n, const char *cert_name,
                 const char *solver, const struct kv *settings, size_t nsettings, struct err *err)
{
    struct manage_cert_req req = {.names = names, .nnames = n, .cert_name = cert_name, .solver = solver,
                                  .settings = {settings, nsettings}};
    struct manage_issued out = {0};
    int rc = manage_issue(f->m, &req, &out, err);

    manage_issued_free(&out);
    return rc;
}

static void expect_refused(struct fixture *f, const char *name, const char *solver,
                           const struct kv *settings, size_t nsettings, const char *needle)
{
    const char *names[] = {name};
    struct err err = {0};

    assert_int_equal(issue(f, names, 1, NULL, solver, settings, nsettings, &err), CP_EUSAGE);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", err.msg, needle);
}

static void test_refused_before_network(void **state)
{
    struct fixture *f = *state;
    const struct kv hook[] = {{"program", "/bin/true"}};
    const struct kv http[] = {{"program", "/bin/true"}, {"challenge", "http-01"}};
    char long_name[260];

    expect_refused(f, "bad..name", "hook", hook, 1, "bad..name");
    expect_refused(f, "-x.example.test", "hook", hook, 1, "-x");
    expect_refused(f, "*.example.test", "webroot", NULL, 0, "wildcard");
    expect_refused(f, "*.example.test", "hook", http, 2, "wildcard");
    expect_refused(f, "a.example.test", "frobnicate", NULL, 0, "unknown challenge solver \"frobnicate\"");
    /* 52 labels of 3 + ".test": a valid DNS name, but too long to store under */
    long_name[0] = '\0';
    for (int i = 0; i < 50; i++)
        strcat(long_name, "abc.");
    strcat(long_name, "test");
    expect_refused(f, long_name, "hook", hook, 1, "certificate name");
}

static void test_settings_checked(void **state)
{
    struct fixture *f = *state;
    const struct kv typo[] = {{"programm", "/bin/true"}};
    const struct kv listen[] = {{"listen", "127.0.0.1:99999"}};
    struct err err = {0};
    struct solver *s = solver_new("hook", &(struct kvlist){typo, 1}, NULL, &err);

    (void)f;
    assert_null(s);
    assert_int_equal(err.code, CP_EUSAGE);
    assert_string_equal(err.msg, "hook solver: unknown setting \"programm\" (did you mean \"program\"?)");
    s = solver_new("standalone", &(struct kvlist){listen, 1}, NULL, &err);
    assert_null(s);
    assert_non_null(strstr(err.msg, "listen address 127.0.0.1:99999"));
    assert_string_equal(solver_challenge_type("webroot", NULL), "http-01");
    assert_string_equal(solver_challenge_type("hook", NULL), "dns-01");
    assert_null(solver_challenge_type("hook", &(struct kvlist){(struct kv[]){{"challenge", "tls-alpn-01"}}, 1}));
}

static void test_cert_names(void **state)
{
    const char *names[] = {"*.Example.TEST", "example.test"};
    struct manage_cert_req req = {.names = names, .nnames = 2, .solver = "hook"};
    char *out = NULL;

    (void)state;
    assert_int_equal(manage_cert_name(&req, &out, NULL), CP_OK);
    assert_string_equal(out, "_.example.test");
    free(out);
    req.cert_name = "-rf";
    assert_int_equal(manage_cert_name(&req, &out, NULL), CP_EUSAGE);
    assert_null(out);
    assert_int_equal(manage_name_normalise("WWW.Example.Test", &out, NULL), CP_OK);
    assert_string_equal(out, "www.example.test");
    free(out);
    assert_int_equal(manage_name_normalise("example", &out, NULL), CP_EUSAGE);
}

static void expect_name(const char *in, const char *want)
{
    char *out = NULL;

    assert_int_equal(manage_name_normalise(in, &out, NULL), CP_OK);
    assert_string_equal(out, want);
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

/* RFC 8738: addresses in canonical text (RFC 5952 for IPv6), no wildcards, http-01 only. */
static void test_ip_names(void **state)
{
    const char *v6[] = {"2001:DB8:0:0::1", "a.test"};
    const char *lo[] = {"::1"};
    struct manage_cert_req req = {.names = v6, .nnames = 2, .solver = "standalone"};
    struct err err = {0};
    char *out = NULL;

    (void)state;
    expect_name("192.0.2.1", "192.0.2.1");
    expect_name("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
    expect_name("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    expect_name("2001:0db8:0:1:0:0:0:0", "2001:db8:0:1::");
    expect_name("::", "::");
    expect_name("fe80:0:0:0:0:0:0:0", "fe80::");
    expect_name("::2", "::2");
    expect_name("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");  /* RFC 5952 §4.2.2: one 0 stays */
    expect_name("0:0:1:0:0:0:1:0", "0:0:1::1:0");                  /* §4.2.3: the longest run */
    expect_bad_name("*.192.0.2.1", "name \"*.192.0.2.1\": an IP address cannot be a wildcard");
    expect_bad_name("*.::1", "name \"*.::1\": an IP address cannot be a wildcard");
    expect_bad_name("::ffff:192.0.2.1", "name \"::ffff:192.0.2.1\": an IPv4-mapped IPv6 address; "
                    "give the IPv4 address");
    expect_bad_name("192.0.2.256", "name \"192.0.2.256\": not a fully qualified domain name nor an IP address");
    expect_bad_name("1.2.3", "name \"1.2.3\": not a fully qualified domain name nor an IP address");
    expect_bad_name("2001:db8::1::2", "name \"2001:db8::1::2\": not a fully qualified domain name nor an "
                    "IP address");
    expect_name("a.b2", "a.b2");
    assert_int_equal(manage_name_check_challenge("192.0.2.1", "http-01", &err), CP_OK);
    assert_int_equal(manage_name_check_challenge("a.test", "dns-01", &err), CP_OK);
    assert_int_equal(manage_name_check_challenge("2001:db8::1", "dns-01", &err), CP_EUSAGE);
    assert_string_equal(err.msg, "name 2001:db8::1: an IP address needs http-01 (RFC 8738)");
    /* the certificate name of an IPv6 address: canonical text, ':' as '_' */
    assert_int_equal(manage_cert_name(&req, &out, NULL), CP_OK);
    assert_string_equal(out, "2001_db8__1");
    free(out);
    req.names = lo;
    req.nnames = 1;
    assert_int_equal(manage_cert_name(&req, &out, NULL), CP_OK);
    assert_string_equal(out, "__1");
    free(out);
}

/* Store a version of a.example with serial 0A1B, as another certpilot's renewal would. */
static void store_version(struct fixture *f)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    char *cert = test_make_cert(key, (const unsigned char *)"\x0A\x1B", 2), *pem = NULL;
    size_t len = 0;
    json_t *meta = json_pack("{s:i}", "schema", 1);
    struct err err = {0};
    struct store *st = NULL;

    assert_int_equal(key_to_pem(key, &pem, &len, &err), CP_OK);
    assert_int_equal(store_open(f->root, &st, &err), CP_OK);
    assert_int_equal(store_cert_save(st, "a.example", "v1", &(struct store_cert_files){cert, "", pem, len}, meta,
                                     &err), CP_OK);
    store_free(st);
    secret_free(pem, len);
    free(cert);
    json_decref(meta);
    EVP_PKEY_free(key);
}

/* Issue 22, finding 2: a renewal decided on serial 0A1A finds, once it holds the lock, the
 * version 0A1B another run stored meanwhile: it orders nothing (the server is nowhere, so an
 * order would fail) and says so; decided on the current serial, it goes on to the CA. */
static void test_renewed_meanwhile(void **state)
{
    struct fixture *f = *state;
    const char *names[] = {"a.example"};
    const struct kv hook[] = {{"program", "/bin/true"}};
    struct manage_cert_req req = {.names = names, .nnames = 1, .solver = "hook", .settings = {hook, 1},
                                  .renews_serial = "0A1A"};
    struct manage_issued out = {0};
    struct err err = {0};

    store_version(f);
    assert_int_equal(manage_issue(f->m, &req, &out, &err), CP_OK);
    assert_true(out.already_renewed);
    assert_string_equal(out.cert_name, "a.example");
    assert_string_equal(out.info.serial_hex, "0A1B");
    manage_issued_free(&out);
    req.renews_serial = "0a1b";
    assert_int_not_equal(manage_issue(f->m, &req, &out, &err), CP_OK);
    assert_false(out.already_renewed);
    manage_issued_free(&out);
}

/* The public API: versions checked, a NULL error allowed, the read side of an empty root. */
static void test_public_api(void **state)
{
    struct fixture *f = *state;
    struct cp_ctx_options o = CP_CTX_OPTIONS_INIT;
    struct cp_cert_request req = CP_CERT_REQUEST_INIT;
    struct cp_error err = {0};
    const char *names[] = {"bad..name"};
    char **list = NULL;
    size_t n = 7;
    cp_ctx *ctx = NULL;
    cp_cert *cert = NULL;

    o.root = f->root;
    o.directory_url = NOWHERE;
    o.version = 99;
    assert_int_equal(cp_ctx_open(&ctx, &o, &err), CP_EUSAGE);
    assert_string_equal(err.message, "cp_ctx_options version 99 is not supported (this library has 1 to 2)");
    o.version = CP_CTX_OPTIONS_VERSION;
    assert_int_equal(cp_ctx_open(&ctx, &o, NULL), CP_OK);
    assert_int_equal(cp_cert_list(ctx, &list, &n, &err), CP_OK);
    assert_int_equal(n, 0);
    cp_names_free(list, n);
    assert_int_equal(cp_cert_open(ctx, "nothing.example.test", &cert, &err), CP_ENOTFOUND);
    assert_null(cert);
    req.names = names;
    req.nnames = 1;
    req.solver = "hook";
    assert_int_equal(cp_cert_issue(ctx, &req, &cert, &err), CP_EUSAGE);
    assert_non_null(strstr(err.message, "bad..name"));
    assert_int_equal(cp_cert_issue(ctx, &req, &cert, NULL), CP_EUSAGE);
    assert_int_equal(cp_exit_code(err.code), 2);
    cp_ctx_free(ctx);
    cp_ctx_free(NULL);
    cp_cert_free(NULL);
}

/* manage/fromconfig: [cert:NAME] of text as a request into *o (cfg kept for the borrow). */
static int from_config(const char *text, const char *name, struct config **cfg, struct manage_config_req *o,
                       struct err *err)
{
    err_clear(err);
    assert_int_equal(config_parse(text, strlen(text), "certpilot.ini", cfg, err), CP_OK);
    return manage_request_from_config(*cfg, config_cert_find(*cfg, name), o, err);
}

/* The most specific section wins for the way to answer challenges: a way set in
 * [cert:NAME] replaces the global one entirely, whatever the order of the keys. */
static void test_config_method_override(void **state)
{
    /* certpilot.ini(5)'s own example: a global dns provider, a certificate on http-01 */
    static const char man[] = "[certpilot]\nchallenge = dns-01\ndns = alidns\n[cert:intranet]\n"
                              "names = intranet.example.com\nchallenge = http-01\nwebroot = /var/www/acme\n";
    static const char hook[] = "[certpilot]\nhook = /usr/local/bin/hook\n[cert:local]\nnames = l.example.com\n"
                               "listen = 5002\n[cert:plain]\nnames = p.example.com\n";
    static const char both[] = "[certpilot]\ndns = alidns\nwebroot = /srv/www\n[cert:web]\n"
                               "names = w.example.com\nchallenge = http-01\n[cert:any]\nnames = a.example.com\n";
    static const char dnsonly[] = "[certpilot]\nchallenge = http-01\nhook = /h\n[cert:viadns]\n"
                                  "names = d.example.com\ndns = rfc2136\n[cert:web]\nnames = w.example.com\n"
                                  "challenge = dns-01\nwebroot = /srv/www\n";
    struct config *cfg = NULL;
    struct manage_config_req o;
    struct err e;

    (void)state;
    assert_int_equal(from_config(man, "intranet", &cfg, &o, &e), CP_OK);
    assert_string_equal(o.req.solver, "webroot");
    assert_string_equal(kv_get(&o.req.settings, "path"), "/var/www/acme");
    config_free(cfg);
    assert_int_equal(from_config(hook, "local", &cfg, &o, &e), CP_OK);
    assert_string_equal(o.req.solver, "standalone");
    assert_int_equal(manage_request_from_config(cfg, config_cert_find(cfg, "plain"), &o, &e), CP_OK);
    assert_string_equal(o.req.solver, "hook");
    config_free(cfg);
    /* challenge = http-01 takes the global http-01 way; without it, two ways are refused */
    assert_int_equal(from_config(both, "web", &cfg, &o, &e), CP_OK);
    assert_string_equal(o.req.solver, "webroot");
    assert_int_equal(manage_request_from_config(cfg, config_cert_find(cfg, "any"), &o, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "certpilot.ini: [cert:any]: dns (line 2) and webroot (line 3) both answer its "
                        "challenges; keep one (a way set in [cert:any] replaces those of [certpilot])");
    config_free(cfg);
    /* a certificate's own dns drops the global http-01; its own challenge type must fit its own way */
    assert_int_equal(from_config(dnsonly, "viadns", &cfg, &o, &e), CP_OK);
    assert_string_equal(o.req.solver, "dns");
    assert_string_equal(kv_get(&o.req.settings, "provider"), "rfc2136");
    assert_null(kv_get(&o.req.settings, "challenge"));
    assert_int_equal(manage_request_from_config(cfg, config_cert_find(cfg, "web"), &o, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "certpilot.ini:9: [cert:web]: challenge = dns-01, but no way to answer it is set "
                        "(dns or hook)");
    config_free(cfg);
}

/* [certpilot] agree_tos = yes: the request may create its account, with the
 * email and account that apply; without it the account must exist. */
static void test_config_agree_tos(void **state)
{
    static const char yes[] = "[certpilot]\nagree_tos = yes\nemail = ops@example.com\naccount = main\n"
                              "hook = /h\n[cert:a]\nnames = a.example.com\n[cert:b]\nnames = b.example.com\n"
                              "email = b-team@example.com\n";
    static const char no[] = "[certpilot]\nemail = ops@example.com\nhook = /h\n[cert:a]\nnames = a.example.com\n";
    struct config *cfg = NULL;
    struct manage_config_req o;
    struct err e;

    (void)state;
    assert_int_equal(from_config(yes, "a", &cfg, &o, &e), CP_OK);
    assert_non_null(o.req.create);
    assert_true(o.req.create->agree_tos);
    assert_string_equal(o.req.create->name, "main");
    assert_int_equal(o.req.create->nemails, 1);
    assert_string_equal(o.req.create->emails[0], "ops@example.com");
    assert_int_equal(manage_request_from_config(cfg, config_cert_find(cfg, "b"), &o, &e), CP_OK);
    assert_string_equal(o.req.create->emails[0], "b-team@example.com");
    config_free(cfg);
    assert_int_equal(from_config(no, "a", &cfg, &o, &e), CP_OK);
    assert_null(o.req.create);
    config_free(cfg);
}

/* did-you-mean: the nearest stored name when it is near enough to be a typo of it */
static void test_name_suggest(void **state)
{
    char *names[] = {"api.example.test", "www.example.test", "example.org"};

    (void)state;
    assert_int_equal(manage_name_distance("", ""), 0);
    assert_int_equal(manage_name_distance("kitten", "sitting"), 3);
    assert_int_equal(manage_name_distance("abc", ""), 3);
    assert_string_equal(manage_name_suggest("www.exmple.test", names, 3), "www.example.test");
    assert_string_equal(manage_name_suggest("example.com", names, 3), "example.org");
    assert_string_equal(manage_name_suggest("ww", (char *[]){"www"}, 1), "www");
    assert_null(manage_name_suggest("zzz", names, 3));
    assert_null(manage_name_suggest("mail.other.test", names, 3));
    assert_null(manage_name_suggest("x", NULL, 0));
}

/* a dry run's CA: Let's Encrypt's production goes to its staging twin; others stay */
static void test_ca_dry_run(void **state)
{
    const char *why = NULL;

    (void)state;
    assert_string_equal(manage_ca_dry_run(manage_ca_url("letsencrypt"), &why), manage_ca_url("letsencrypt-staging"));
    assert_string_equal(why, "the staging twin of the CA given");
    assert_string_equal(manage_ca_dry_run(manage_ca_url("letsencrypt-staging"), &why),
                        manage_ca_url("letsencrypt-staging"));
    assert_string_equal(why, "the CA given is itself a staging CA");
    assert_string_equal(manage_ca_dry_run("https://localhost:14000/dir", &why), "https://localhost:14000/dir");
    assert_string_equal(why, "the CA given (no staging twin of it is known)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refused_before_network, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings_checked, setup, teardown),
        cmocka_unit_test(test_cert_names),
        cmocka_unit_test(test_name_suggest),
        cmocka_unit_test(test_ca_dry_run),
        cmocka_unit_test(test_ip_names),
        cmocka_unit_test_setup_teardown(test_public_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renewed_meanwhile, setup, teardown),
        cmocka_unit_test(test_config_method_override),
        cmocka_unit_test(test_config_agree_tos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
