/* Unit tests for src/config (certpilot.ini, acme.ini) and crypto/csrread. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config/acmeini.h"
#include "config/config.h"
#include "crypto/csr.h"
#include "crypto/csrread.h"
#include "crypto/key.h"
#include "support/files.h"
#include "util/fsio.h"
#include "util/str.h"

/* ---- helpers ---------------------------------------------------------- */

/* tests/data/config/<rel>, malloc'd. */
static char *data_path(const char *rel)
{
    const char *dir = getenv("CP_TEST_DATA");
    char *p = str_printf("%s/config/%s", dir != NULL ? dir : "tests/data", rel);

    assert_non_null(p);
    return p;
}

static char *data_text(const char *rel)
{
    char *path = data_path(rel), *text = test_slurp(path);

    free(path);
    return text;
}

/* Parse text named "certpilot.ini"; fails the test unless it parses. */
static struct config *parse_ok(const char *text)
{
    struct config *cfg = NULL;
    struct err e;

    err_clear(&e);
    if (config_parse(text, strlen(text), "certpilot.ini", &cfg, &e) != CP_OK)
        fail_msg("unexpected error: %s", e.msg);
    assert_non_null(cfg);
    return cfg;
}

/* Parse text and expect CP_EUSAGE with exactly msg. */
static void parse_fails(const char *text, size_t len, const char *msg)
{
    struct config *cfg = (struct config *)1;
    struct err e;

    err_clear(&e);
    assert_int_equal(config_parse(text, len, "certpilot.ini", &cfg, &e), CP_EUSAGE);
    assert_null(cfg);
    assert_int_equal(e.code, CP_EUSAGE);
    assert_string_equal(e.msg, msg);
}

/* Write text to dir/name with mode; returns the path (malloc'd). */
static char *write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char *path = str_printf("%s/%s", dir, name);

    assert_non_null(path);
    assert_int_equal(fs_write_atomic(path, text, strlen(text), mode, NULL), CP_OK);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

/* Every *.ini in tests/data/config/<sub>, sorted; the first line of each is
 * "# expect: <message>". run() checks one file. */
static void for_each_case(const char *sub, void (*run)(const char *name, const char *text,
                                                         const char *expect))
{
    char *dir = data_path(sub);
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, alphasort), ran = 0;

    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t len = strlen(name);
        if (len > 4 && strcmp(name + len - 4, ".ini") == 0) {
            char *rel = str_printf("%s/%s", sub, name), *text = data_text(rel), *nl;
            char *expect;
            assert_true(str_has_prefix(text, "# expect: "));
            nl = strchr(text, '\n');
            assert_non_null(nl);
            expect = strndup(text + 10, (size_t)(nl - text - 10));
            print_message("  %s\n", name);
            run(name, text, expect);
            ran++;
            free(expect);
            free(text);
            free(rel);
        }
        free(ents[i]);
    }
    free(ents);
    free(dir);
    assert_true(ran > 10);
}

/* ---- certpilot.ini: the full example ---------------------------------- */

static void test_good_global(void **state)
{
    char *text = data_text("good.ini");
    struct config *cfg = parse_ok(text);
    const struct config_settings *g = &cfg->global;

    (void)state;
    assert_string_equal(cfg->path, "certpilot.ini");
    assert_int_equal(cfg->global_line, 2);
    assert_string_equal(g->server.value, "https://localhost:14000/dir");
    assert_int_equal(g->server.line, 3);
    assert_null(g->ca.value);
    assert_int_equal(g->ca.line, 0);
    assert_string_equal(g->ca_bundle.value, "/etc/certpilot/pebble.minica.pem");
    assert_string_equal(g->root.value, "/var/lib/certpilot");
    assert_string_equal(g->account.value, "default");
    assert_int_equal(g->email.n, 3);
    assert_string_equal(g->email.items[0].value, "admin@example.com");
    assert_int_equal(g->email.items[0].line, 7);
    assert_string_equal(g->email.items[1].value, "ops@example.com");
    assert_int_equal(g->email.items[1].line, 7);
    assert_string_equal(g->email.items[2].value, "security@example.com");
    assert_int_equal(g->email.items[2].line, 8);
    assert_string_equal(g->key_type.value, "ec384");
    assert_string_equal(g->challenge.value, "dns-01");
    assert_string_equal(g->dns.value, "alidns");
    assert_string_equal(g->dns_resolver.value, "127.0.0.1:8053");
    assert_int_equal(g->propagation_timeout.value, 300);
    assert_int_equal(g->propagation_timeout.line, 13);
    assert_false(g->no_propagation_check.value);
    assert_int_equal(g->no_propagation_check.line, 14);
    assert_string_equal(g->hook.value, "/usr/local/lib/certpilot/hook");
    assert_string_equal(g->webroot.value, "/var/www/acme");
    assert_string_equal(g->listen.value, "127.0.0.1:5002");
    assert_int_equal(g->timeout.value, 600);
    assert_int_equal(g->renew_before.value, 30L * 86400);
    assert_int_equal(g->jobs.value, 4);
    assert_int_equal(g->jobs.line, 20);
    assert_string_equal(g->user_agent.value, "example-ops/1.0");
    assert_string_equal(g->profile.value, "tlsserver");
    assert_string_equal(g->preferred_chain.value, "ISRG Root X1");
    assert_int_equal(g->preferred_chain.line, 23);
    config_free(cfg);
    free(text);
}

static void test_good_certs(void **state)
{
    char *text = data_text("good.ini");
    struct config *cfg = parse_ok(text);
    const struct config_cert *www, *api, *legacy;

    (void)state;
    assert_int_equal(cfg->ncerts, 3);
    www = &cfg->certs[0];
    assert_string_equal(www->name.value, "www");
    assert_int_equal(www->name.line, 36);
    assert_int_equal(www->names.n, 3);
    assert_string_equal(www->names.items[0].value, "www.example.com");
    assert_string_equal(www->names.items[1].value, "example.com");
    assert_string_equal(www->names.items[2].value, "static.example.com");
    assert_int_equal(www->names.items[2].line, 38); /* a continuation line keeps its own line */
    assert_true(www->reuse_key.value);
    assert_int_equal(www->deploy.n, 2);
    assert_string_equal(www->deploy.items[0].value,
                        "files:cert=/etc/nginx/tls/cert.pem,key=/etc/nginx/tls/key.pem,"
                        "reload=nginx");
    assert_int_equal(www->deploy.items[0].line, 40);
    assert_string_equal(www->deploy.items[1].value, "exec:/usr/local/bin/notify-deploy");
    assert_int_equal(www->set.server.line, 0);

    api = config_cert_find(cfg, "api");
    assert_ptr_equal(api, &cfg->certs[1]);
    assert_int_equal(api->names.n, 2);
    assert_string_equal(api->names.items[1].value, "*.api.example.com");
    assert_string_equal(api->set.key_type.value, "rsa2048");
    assert_int_equal(api->set.renew_before.value, 720L * 3600);
    assert_false(api->reuse_key.value);
    assert_int_equal(api->reuse_key.line, 0);

    legacy = config_cert_find(cfg, "legacy");
    assert_non_null(legacy);
    assert_int_equal(legacy->names.n, 0);
    assert_string_equal(legacy->csr.value, "/etc/ssl/legacy.csr");
    assert_null(config_cert_find(cfg, "nope"));
    config_free(cfg);
    free(text);
}

/* A certificate's overrides win; everything else comes from [certpilot]. */
static void test_cert_settings(void **state)
{
    char *text = data_text("good.ini");
    struct config *cfg = parse_ok(text);
    struct config_settings s;

    (void)state;
    config_cert_settings(cfg, config_cert_find(cfg, "api"), &s);
    assert_string_equal(s.server.value, "https://acme-v02.example.net/directory");
    assert_int_equal(s.server.line, 47);
    assert_string_equal(s.key_type.value, "rsa2048");
    assert_string_equal(s.challenge.value, "http-01");
    assert_int_equal(s.email.n, 1);
    assert_string_equal(s.email.items[0].value, "api-team@example.com");
    assert_string_equal(s.dns.value, "alidns");  /* inherited */
    assert_null(s.ca.value);
    assert_int_equal(s.jobs.value, 4);
    config_cert_settings(cfg, config_cert_find(cfg, "www"), &s);
    assert_string_equal(s.server.value, "https://localhost:14000/dir");
    assert_int_equal(s.email.n, 3);
    assert_int_equal(s.renew_before.value, 30L * 86400);
    config_free(cfg);
    free(text);
    /* A certificate's ca replaces the global server. */
    cfg = parse_ok("[certpilot]\nserver = https://a.example/dir\n[cert:a]\nnames = a.example\n"
                   "ca = letsencrypt\n");
    config_cert_settings(cfg, &cfg->certs[0], &s);
    assert_string_equal(s.ca.value, "letsencrypt");
    assert_int_equal(s.server.line, 0);
    config_free(cfg);
    /* RFC 8738: addresses are names too (manage/names checks them as it does -d) */
    cfg = parse_ok("[cert:ip]\nnames = 192.0.2.1, 2001:DB8::1, a.example\n");
    assert_int_equal(cfg->certs[0].names.n, 3);
    assert_string_equal(cfg->certs[0].names.items[1].value, "2001:DB8::1");
    config_free(cfg);
}

/* The shipped example parses; it holds secrets, so only mode 0600 will do. */
static void test_example(void **state)
{
    char *text = data_text("example.ini");
    struct config *cfg = parse_ok(text);
    struct config_settings s;

    (void)state;
    assert_int_equal(cfg->ncerts, 2);
    assert_int_equal(cfg->nproviders, 2);
    assert_int_equal(cfg->certs[0].names.n, 3);
    assert_int_equal(cfg->certs[1].deploy.n, 2);
    config_cert_settings(cfg, config_cert_find(cfg, "intranet"), &s);
    assert_string_equal(s.ca.value, "letsencrypt");
    assert_string_equal(s.challenge.value, "http-01");
    assert_int_equal(config_check_mode(cfg, 0100644, NULL), CP_EUSAGE);
    assert_int_equal(config_check_mode(cfg, 0100600, NULL), CP_OK);
    config_free(cfg);
    free(text);
}

static void test_provider_settings(void **state)
{
    static const char *const alidns_keys[] = {"access_key_id", "access_key_secret", "region",
                                              NULL};
    char *text = data_text("good.ini");
    struct config *cfg = parse_ok(text);
    const struct config_provider *pr;
    struct kvlist l;
    struct err e;

    (void)state;
    assert_int_equal(cfg->nproviders, 2);
    pr = config_provider_find(cfg, "alidns");
    assert_non_null(pr);
    assert_int_equal(pr->name.line, 25);
    l = config_provider_settings(pr);
    assert_int_equal(l.n, 3);
    assert_string_equal(kv_get(&l, "region"), "cn-hangzhou");
    assert_string_equal(kv_get(&l, "access_key_secret"), "exampleSecretValue");
    assert_int_equal(pr->items[1].line, 27);
    assert_int_equal(kv_check_known(&l, alidns_keys, "dns provider alidns", NULL), CP_OK);
    pr = config_provider_find(cfg, "rfc2136");
    l = config_provider_settings(pr);
    assert_string_equal(kv_get(&l, "server"), "127.0.0.1:53");
    err_clear(&e);
    assert_int_equal(kv_check_known(&l, alidns_keys, "dns provider rfc2136", &e), CP_EUSAGE);
    assert_null(config_provider_find(cfg, "cloudflare"));
    l = config_provider_settings(NULL);
    assert_int_equal(l.n, 0);
    config_free(cfg);
    free(text);
}

static void test_empty_and_comments(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok("");
    assert_int_equal(cfg->ncerts, 0);
    assert_int_equal(cfg->global_line, 0);
    config_free(cfg);
    assert_int_equal(config_parse(NULL, 0, "none.ini", &cfg, NULL), CP_OK);
    config_free(cfg);
    cfg = parse_ok("; only a comment\n# and another\n\n");
    assert_int_equal(cfg->nproviders, 0);
    config_free(cfg);
    /* An inline comment needs a blank before ';'. */
    cfg = parse_ok("[certpilot]\njobs = 3 ; three at once\n[cert:a]\nnames = a.example\n");
    assert_int_equal(cfg->global.jobs.value, 3);
    config_free(cfg);
    config_free(NULL);
}

/* A byte order mark and CRLF line ends, as Windows editors write them. */
static void test_bom_crlf(void **state)
{
    struct config *cfg = parse_ok("\xEF\xBB\xBF[certpilot]\r\njobs = 2\r\n\r\n"
                                  "[cert:a]\r\nnames = a.example\r\n");

    (void)state;
    assert_int_equal(cfg->global_line, 1);
    assert_int_equal(cfg->global.jobs.value, 2);
    assert_int_equal(cfg->global.jobs.line, 2);
    assert_string_equal(cfg->certs[0].names.items[0].value, "a.example");
    config_free(cfg);
}

static void test_values(void **state)
{
    struct config *cfg = parse_ok("[certpilot]\nrenew_before = 20\ntimeout = 2m\n"
                                  "propagation_timeout = 1d\nno_propagation_check = On\n"
                                  "listen = [::1]:80\n[cert:a]\nnames = a.example\n"
                                  "reuse_key = 0\nlisten = 5002\n[cert:b]\nnames = b.example\n"
                                  "renew_before = 12h\n");

    (void)state;
    assert_int_equal(cfg->global.renew_before.value, 20L * 86400);
    assert_int_equal(cfg->global.timeout.value, 120);
    assert_int_equal(cfg->global.propagation_timeout.value, 86400);
    assert_true(cfg->global.no_propagation_check.value);
    assert_string_equal(cfg->global.listen.value, "[::1]:80");
    assert_false(cfg->certs[0].reuse_key.value);
    assert_int_equal(cfg->certs[0].reuse_key.line, 9);
    assert_string_equal(cfg->certs[0].set.listen.value, "5002");
    assert_int_equal(cfg->certs[1].set.renew_before.value, 12L * 3600);
    config_free(cfg);
}

/* Internationalised names are kept as written; manage/names makes them A-labels. */
static void test_idn_names(void **state)
{
    struct config *cfg = parse_ok("[cert:m]\nnames = münchen.example.test, *.münchen.example.test\n");

    (void)state;
    assert_int_equal(cfg->certs[0].names.n, 2);
    assert_string_equal(cfg->certs[0].names.items[0].value, "münchen.example.test");
    assert_string_equal(cfg->certs[0].names.items[1].value, "*.münchen.example.test");
    config_free(cfg);
}

/* ---- certpilot.ini: every error, with its file and line ---------------- */

static void run_bad(const char *name, const char *text, const char *expect)
{
    (void)name;
    parse_fails(text, strlen(text), expect);
}

static void test_bad_files(void **state)
{
    (void)state;
    for_each_case("bad", run_bad);
}

static void test_long_line(void **state)
{
    char text[400];

    (void)state;
    snprintf(text, sizeof(text), "[certpilot]\nuser_agent = %0300d\n", 7);
    parse_fails(text, strlen(text), "certpilot.ini:2: the line is longer than 199 characters");
}

static void test_nul_byte(void **state)
{
    static const char text[] = "[certpilot]\njobs = 2\n[cert:a\0b]\nnames = a.example\n";

    (void)state;
    parse_fails(text, sizeof(text) - 1, "certpilot.ini:3: the line holds a NUL byte");
}

/* The first error wins, whether inih or certpilot finds it. */
static void test_first_error_wins(void **state)
{
    static const char inih_first[] = "[certpilot]\nnot a pair\njobs = x\n";
    static const char ours_first[] = "[certpilot]\njobs = x\nnot a pair\n";

    (void)state;
    parse_fails(inih_first, strlen(inih_first),
                "certpilot.ini:2: not a [section] header or a \"key = value\" line");
    parse_fails(ours_first, strlen(ours_first),
                "certpilot.ini:2: jobs in [certpilot]: \"x\" is not a number");
}

/* Values of provider sections may be secrets: no message repeats them. */
static void test_secret_not_in_messages(void **state)
{
    static const char *const texts[] = {
        "[dns:alidns]\naccess_key_secret = s3cr3t\naccess_key_secret = s3cr3t\n",
        "[dns:alidns]\naccess_key_secret = s3cr3t\n  s3cr3t\n",
        "[dns:alidns]\naccess_key_secret = s3cr3t\x01\n",
    };
    struct config *cfg = NULL;
    struct err e;

    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        err_clear(&e);
        assert_int_equal(config_parse(texts[i], strlen(texts[i]), "c.ini", &cfg, &e), CP_EUSAGE);
        assert_null(strstr(e.msg, "s3cr3t"));
        assert_true(str_has_prefix(e.msg, "c.ini:"));
        assert_non_null(strstr(e.msg, ": access_key_secret in [dns:alidns]: "));
    }
}

/* ---- certpilot.ini on disk: errors name the path, secrets need 0600 ---- */

static void test_load(void **state)
{
    char *dir = test_tmpdir("cpconfig"), *path, *expect;
    struct config *cfg = NULL;
    struct err e;

    (void)state;
    path = write_file(dir, "certpilot.ini", "[certpilot]\njobs = 2\n\n[cert:www]\ndomian = x\n",
                      0644);
    err_clear(&e);
    assert_int_equal(config_load(path, &cfg, &e), CP_EUSAGE);
    expect = str_printf("%s:5: unknown key \"domian\" in [cert:www] (did you mean \"domains\"?)",
                        path);
    assert_string_equal(e.msg, expect);
    free(expect);
    free(path);
    path = str_printf("%s/missing.ini", dir);
    assert_int_equal(config_load(path, &cfg, &e), CP_ENOTFOUND);
    assert_true(str_has_prefix(e.msg, "config file "));
    assert_null(cfg);
    assert_int_equal(config_load(dir, &cfg, &e), CP_EUSAGE);
    assert_true(strstr(e.msg, "is not a regular file") != NULL);
    free(path);
    /* A FIFO is refused at once, not waited on. */
    path = str_printf("%s/fifo.ini", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(config_load(path, &cfg, &e), CP_EUSAGE);
    expect = str_printf("config file %s is not a regular file", path);
    assert_string_equal(e.msg, expect);
    free(expect);
    free(path);
    test_rm_rf(dir);
    free(dir);
}

static void test_secret_mode(void **state)
{
    char *dir = test_tmpdir("cpconfig"), *text = data_text("good.ini"), *path, *expect;
    struct config *cfg = NULL;
    struct err e;

    (void)state;
    path = write_file(dir, "certpilot.ini", text, 0644);
    err_clear(&e);
    assert_int_equal(config_load(path, &cfg, &e), CP_EUSAGE);
    expect = str_printf("%s holds a secret (access_key_secret in [dns:alidns], line 27) but group "
                        "or others may read it (mode 644); run: chmod 600 %s", path, path);
    assert_string_equal(e.msg, expect);
    assert_null(strstr(e.msg, "exampleSecretValue"));
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(config_load(path, &cfg, &e), CP_EUSAGE);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(config_load(path, &cfg, &e), CP_OK);
    assert_int_equal(cfg->ncerts, 3);
    config_free(cfg);
    free(path);
    free(expect);
    /* No secret in the file: any mode will do. */
    path = write_file(dir, "plain.ini", "[dns:rfc2136]\nserver = 127.0.0.1\n", 0644);
    assert_int_equal(config_load(path, &cfg, &e), CP_OK);
    config_free(cfg);
    free(path);
    test_rm_rf(dir);
    free(dir);
    free(text);
}

static void test_check_mode(void **state)
{
    struct config *cfg;
    struct err e;

    (void)state;
    cfg = parse_ok("[cert:a]\nnames = a.example\ndeploy = pkcs12:path=/x.p12,password=hunter2\n");
    err_clear(&e);
    assert_int_equal(config_check_mode(cfg, 0100604, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "certpilot.ini holds a secret (deploy in [cert:a], line 3) but "
                               "group or others may read it (mode 604); run: chmod 600 "
                               "certpilot.ini");
    assert_null(strstr(e.msg, "hunter2"));
    assert_int_equal(config_check_mode(cfg, 0100600, &e), CP_OK);
    config_free(cfg);
    cfg = parse_ok("[dns:rfc2136]\ntsig_key = abc\n");
    assert_int_equal(config_check_mode(cfg, 0100644, NULL), CP_EUSAGE);
    config_free(cfg);
    cfg = parse_ok("[dns:x]\napi_token = abc\n");
    assert_int_equal(config_check_mode(cfg, 0100644, NULL), CP_EUSAGE);
    config_free(cfg);
    cfg = parse_ok("[dns:alidns]\naccess_key_id = LTAI\nregion = cn-hangzhou\n"
                   "[cert:a]\nnames = a.example\ndeploy = files:cert=/c.pem,key=/k.pem\n");
    assert_int_equal(config_check_mode(cfg, 0100644, NULL), CP_OK);
    config_free(cfg);
}

/* Load path as certpilot.ini (acme false) or acme.ini, expecting exactly msg. */
static void load_refused(const char *path, bool acme, const char *msg)
{
    struct config *cfg = (struct config *)1;
    struct acmeini *a = (struct acmeini *)1;
    struct err e;

    err_clear(&e);
    if (acme)
        assert_int_equal(acmeini_load(path, NULL, &a, &e), CP_EUSAGE);
    else
        assert_int_equal(config_load(path, &cfg, &e), CP_EUSAGE);
    assert_string_equal(e.msg, msg);
    assert_true(acme ? a == NULL : cfg == NULL);
}

/* A file that says what runs (deploy = exec:..., a ChainFile that a spec is made of) is
 * refused when others may change it, whatever it holds, as the state root is. */
static void test_writable_refused(void **state)
{
    static const char ini[] = "[cert:a]\nnames = a.example\nwebroot = /srv/www\n"
                              "deploy = exec:/usr/local/bin/on-deploy\n";
    char *dir = test_tmpdir("cpconfig"), *cpath = write_file(dir, "certpilot.ini", ini, 0664);
    char *seed = data_text("acme-good.ini"), *apath = write_file(dir, "acme.ini", seed, 0646);
    char *msg = str_printf("config file %s may be written by group or others (mode 664); run: "
                           "chmod go-w %s", cpath, cpath);
    struct config *cfg = NULL;
    struct acmeini *a = NULL;

    (void)state;
    load_refused(cpath, false, msg);
    free(msg);
    msg = str_printf("acme.ini %s may be written by group or others (mode 646); run: chmod go-w %s",
                     apath, apath);
    load_refused(apath, true, msg);
    free(msg);
    assert_int_equal(chmod(cpath, 0644), 0);
    assert_int_equal(chmod(apath, 0644), 0);
    assert_int_equal(config_load(cpath, &cfg, NULL), CP_OK);
    assert_int_equal(acmeini_load(apath, NULL, &a, NULL), CP_OK);
    config_free(cfg);
    acmeini_free(a);
    /* another user's file (as root, make one) */
    if (geteuid() == 0 && chown(cpath, 4321, 4321) == 0) {
        msg = str_printf("config file %s belongs to uid 4321, neither root nor the user running "
                         "certpilot (uid 0); run: chown 0 %s", cpath, cpath);
        load_refused(cpath, false, msg);
        free(msg);
    }
    free(cpath);
    free(apath);
    free(seed);
    test_rm_rf(dir);
    free(dir);
}

/* What was read, written back for people: fixed order, secrets hidden. */
static void test_format(void **state)
{
    static const char want[] =
        "[certpilot]\n"
        "ca = letsencrypt\n"
        "email = a@example.com\n"
        "email = b@example.com\n"
        "propagation_timeout = 300s\n"
        "no_propagation_check = yes\n"
        "renew_before = 2592000s\n"
        "jobs = 2\n"
        "\n[dns:alidns]\n"
        "access_key_id = LTAI\n"
        "access_key_secret = (hidden)\n"
        "\n[cert:www]\n"
        "names = www.example.com\n"
        "names = example.com\n"
        "reuse_key = no\n"
        "deploy = files:cert=/c.pem,key=/k.pem\n"
        "deploy = (hidden)\n"
        "key_type = rsa2048\n";
    struct config *cfg = parse_ok(
        "[certpilot]\njobs = 2\nemail = a@example.com b@example.com\nca = letsencrypt\n"
        "renew_before = 30\npropagation_timeout = 5m\nno_propagation_check = true\n"
        "[dns:alidns]\naccess_key_id = LTAI\naccess_key_secret = s3cr3t\n"
        "[cert:www]\ndomains = www.example.com, example.com\nkey_type = rsa2048\n"
        "reuse_key = off\ndeploy = files:cert=/c.pem,key=/k.pem\n"
        "deploy = pkcs12:path=/x.p12,password=hunter2\n");
    char *text = NULL;

    (void)state;
    assert_int_equal(config_format(cfg, &text, NULL), CP_OK);
    assert_string_equal(text, want);
    free(text);
    config_free(cfg);
    cfg = parse_ok("");
    assert_int_equal(config_format(cfg, &text, NULL), CP_OK);
    assert_string_equal(text, "");
    free(text);
    config_free(cfg);
}

/* ---- acme.ini --------------------------------------------------------- */

/* The seed articles' file as published: its first contact has no '@'. */
static void test_acmeini_seed(void **state)
{
    char *path = data_path("acme.ini"), *expect;
    struct acmeini *a = (struct acmeini *)1;
    struct err e;

    (void)state;
    err_clear(&e);
    assert_int_equal(acmeini_load(path, NULL, &a, &e), CP_EUSAGE);
    assert_null(a);
    expect = str_printf("%s:7: Contacts: \"mailto:example.com\" is not an e-mail address", path);
    assert_string_equal(e.msg, expect);
    free(expect);
    free(path);
}

static void test_acmeini_good(void **state)
{
    char *path = data_path("acme-good.ini");
    struct acmeini *a = NULL;
    struct err e;

    (void)state;
    err_clear(&e);
    if (acmeini_load(path, "acme-neoprime", &a, &e) != CP_OK)
        fail_msg("%s", e.msg);
    assert_string_equal(a->path, path);
    assert_string_equal(a->section.value, "acme-neoprime");
    assert_int_equal(a->section.line, 2);
    assert_string_equal(a->user_agent.value, "NeoPrime");
    assert_string_equal(a->account_key.value, "account.key"); /* "accountkeyfile:" */
    assert_int_equal(a->account_key.line, 4);
    assert_string_equal(a->csr.value, "example.com.csr");
    assert_string_equal(a->chain.value, "example.com.crt");
    assert_string_equal(a->directory.value,
                        "https://acme-staging-v02.api.letsencrypt.org/directory");
    assert_int_equal(a->contacts.n, 2);
    assert_string_equal(a->contacts.items[0].value, "mailto:admin@example.com");
    assert_string_equal(a->contacts.items[1].value, "mailto:support@example.com");
    assert_int_equal(a->contacts.items[1].line, 8);
    assert_string_equal(a->language.value, "en-US,en;q=0.8");
    acmeini_free(a);
    acmeini_free(NULL);
    free(path);
}

static void run_acme_bad(const char *name, const char *text, const char *expect)
{
    struct acmeini *a = NULL;
    struct err e;

    (void)name;
    err_clear(&e);
    assert_int_equal(acmeini_parse(text, strlen(text), "acme.ini", NULL, &a, &e), CP_EUSAGE);
    assert_null(a);
    assert_string_equal(e.msg, expect);
}

static void test_acmeini_bad_files(void **state)
{
    (void)state;
    for_each_case("acme-bad", run_acme_bad);
}

static void test_acmeini_sections(void **state)
{
    static const char text[] =
        "[other-tool]\nfoo = bar\n"
        "[acme-neoprime]\nAccountKeyFile = a.key\nCSRFile = a.csr\nChainFile = a.crt\n"
        "ACMEDirectory = https://localhost:14000/dir\n";
    struct acmeini *a = NULL;
    struct err e;

    (void)state;
    err_clear(&e);
    assert_int_equal(acmeini_parse(text, strlen(text), "acme.ini", NULL, &a, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "acme.ini:2: unknown key \"foo\" in [other-tool]");
    /* Naming the section reads only that one, as the Python script does. */
    assert_int_equal(acmeini_parse(text, strlen(text), "acme.ini", "acme-neoprime", &a, &e),
                     CP_OK);
    assert_string_equal(a->account_key.value, "a.key");
    assert_int_equal(a->contacts.n, 0);
    assert_null(a->user_agent.value);
    acmeini_free(a);
    assert_int_equal(acmeini_parse(text, strlen(text), "acme.ini", "acme-prod", &a, &e),
                     CP_ENOTFOUND);
    assert_string_equal(e.msg, "acme.ini has no section [acme-prod]");
    assert_int_equal(acmeini_parse(text + 23, strlen(text + 23), "acme.ini", NULL, &a, &e),
                     CP_OK);
    acmeini_free(a);
    assert_int_equal(acmeini_parse("; empty\n", 8, "acme.ini", NULL, &a, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "acme.ini has no [section]");
}

static void test_acmeini_several(void **state)
{
    static const char text[] = "[a]\nCSRFile = x\n[b]\nCSRFile = y\n";
    struct acmeini *a = NULL;
    struct err e;

    (void)state;
    err_clear(&e);
    assert_int_equal(acmeini_parse(text, strlen(text), "acme.ini", NULL, &a, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "acme.ini has several sections ([a], [b]); name the one to use");
    assert_int_equal(acmeini_parse(text, strlen(text), "acme.ini", "b", &a, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "acme.ini:3: [b] has no AccountKeyFile");
}

/* An account key others can read is refused with the fix in the message. */
static void test_read_key_mode(void **state)
{
    char *dir = test_tmpdir("cpconfig"), *path, *pem = NULL, *expect;
    size_t len = 0;
    struct err e;

    (void)state;
    path = write_file(dir, "account.key", "-----BEGIN PRIVATE KEY-----\n", 0644);
    err_clear(&e);
    assert_int_equal(acmeini_read_key(path, "account key", &pem, &len, &e), CP_EUSAGE);
    assert_null(pem);
    expect = str_printf("account key %s can be read by group or others (mode 644); run: "
                        "chmod 600 %s", path, path);
    assert_string_equal(e.msg, expect);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(acmeini_read_key(path, "account key", &pem, &len, NULL), CP_EUSAGE);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(acmeini_read_key(path, "account key", &pem, &len, &e), CP_OK);
    assert_string_equal(pem, "-----BEGIN PRIVATE KEY-----\n");
    assert_int_equal(len, 28);
    secret_free(pem, len);
    free(expect);
    free(path);
    path = str_printf("%s/none.key", dir);
    assert_int_equal(acmeini_read_key(path, "account key", &pem, &len, &e), CP_ENOTFOUND);
    free(path);
    test_rm_rf(dir);
    free(dir);
}

/* ---- CSRs made by others ---------------------------------------------- */

static char *req_pem(X509_REQ *req)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *s;
    long n;

    assert_int_equal(PEM_write_bio_X509_REQ(bio, req), 1);
    n = BIO_get_mem_data(bio, &data);
    s = test_memdup_str(data, (size_t)n);
    BIO_free(bio);
    return s;
}

/* A CSR signed by key with subject CN cn (or none) and a SAN from an
 * OpenSSL config string ("DNS:a.example, IP:127.0.0.1"; or none). */
static X509_REQ *make_req(EVP_PKEY *key, const char *cn, const char *san)
{
    X509_REQ *req = X509_REQ_new();

    assert_non_null(req);
    if (cn != NULL)
        assert_int_equal(X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req),
                                                    NID_commonName, MBSTRING_ASC,
                                                    (const unsigned char *)cn, -1, -1, 0), 1);
    if (san != NULL) {
        STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
        assert_non_null(ext);
        sk_X509_EXTENSION_push(exts, ext);
        assert_int_equal(X509_REQ_add_extensions(req, exts), 1);
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    }
    assert_int_equal(X509_REQ_set_pubkey(req, key), 1);
    assert_true(X509_REQ_sign(req, key, EVP_sha256()) > 0);
    return req;
}

static void expect_csr_error(const char *data, size_t len, int code, const char *msg)
{
    struct csr_info ci;
    struct err e;

    err_clear(&e);
    assert_int_equal(csr_read(data, len, "CSR x.csr", &ci, &e), code);
    assert_int_equal(ci.n, 0);
    assert_null(ci.der);
    if (strncmp(e.msg, msg, strlen(msg)) != 0)
        fail_msg("got \"%s\", want \"%s...\"", e.msg, msg);
}

static void test_csr_read_der_pem(void **state)
{
    static const char *const names[] = {"www.example.com", "example.com", "*.example.com"};
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    unsigned char *der = NULL;
    size_t der_len = 0;
    struct csr_info ci;
    X509_REQ *req;
    const unsigned char *p;
    char *pem;

    (void)state;
    assert_int_equal(csr_build(key, names, 3, &der, &der_len, NULL), CP_OK);
    assert_int_equal(csr_read((const char *)der, der_len, "CSR x.csr", &ci, NULL), CP_OK);
    assert_int_equal(ci.n, 3); /* the CN repeats the first SAN, so it is not added twice */
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(ci.names[i], names[i]);
    assert_int_equal(ci.key_type, KEY_EC_P256);
    assert_int_equal(ci.der_len, der_len);
    assert_memory_equal(ci.der, der, der_len);
    csr_info_free(&ci);
    csr_info_free(&ci); /* zeroed: a second free is harmless */
    p = der;
    req = d2i_X509_REQ(NULL, &p, (long)der_len);
    pem = req_pem(req);
    assert_int_equal(csr_read(pem, strlen(pem), "CSR x.csr", &ci, NULL), CP_OK);
    assert_int_equal(ci.n, 3);
    csr_info_free(&ci);
    free(pem);
    X509_REQ_free(req);
    free(der);
    EVP_PKEY_free(key);
}

static void test_csr_read_cn_only(void **state)
{
    EVP_PKEY *key = key_generate(KEY_RSA_2048, NULL);
    X509_REQ *req = make_req(key, "legacy.example.com", NULL);
    char *pem = req_pem(req);
    struct csr_info ci;

    (void)state;
    assert_int_equal(csr_read(pem, strlen(pem), "CSR x.csr", &ci, NULL), CP_OK);
    assert_int_equal(ci.n, 1);
    assert_string_equal(ci.names[0], "legacy.example.com");
    assert_int_equal(ci.key_type, KEY_RSA_2048);
    csr_info_free(&ci);
    free(pem);
    X509_REQ_free(req);
    /* A CN besides the SAN comes after the SAN's names. */
    req = make_req(key, "c.example", "DNS:a.example, DNS:b.example");
    pem = req_pem(req);
    assert_int_equal(csr_read(pem, strlen(pem), "CSR x.csr", &ci, NULL), CP_OK);
    assert_int_equal(ci.n, 3);
    assert_string_equal(ci.names[2], "c.example");
    csr_info_free(&ci);
    free(pem);
    X509_REQ_free(req);
    EVP_PKEY_free(key);
}

/* RFC 8738: iPAddress SANs come out as canonical text, beside the DNS names. */
static void test_csr_read_ip(void **state)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    X509_REQ *req = make_req(key, NULL, "DNS:a.example, IP:192.0.2.1, IP:2001:DB8:0:0:0:0:0:1");
    char *pem = req_pem(req);
    struct csr_info ci;

    (void)state;
    assert_int_equal(csr_read(pem, strlen(pem), "CSR x.csr", &ci, NULL), CP_OK);
    assert_int_equal(ci.n, 3);
    assert_string_equal(ci.names[0], "a.example");
    assert_string_equal(ci.names[1], "192.0.2.1");
    assert_string_equal(ci.names[2], "2001:db8::1");
    csr_info_free(&ci);
    free(pem);
    X509_REQ_free(req);
    EVP_PKEY_free(key);
}

/* An iPAddress SAN of 5 octets is neither IPv4 nor IPv6: refused, named. */
static void test_csr_read_bad_ip(void **state)
{
    static const unsigned char five[] = {192, 0, 2, 1, 7};
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    X509_REQ *req = X509_REQ_new();
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_OCTET_STRING *ip = ASN1_OCTET_STRING_new();
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    char *pem;

    (void)state;
    assert_int_equal(ASN1_OCTET_STRING_set(ip, five, sizeof(five)), 1);
    GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
    sk_GENERAL_NAME_push(gens, gn);
    sk_X509_EXTENSION_push(exts, X509V3_EXT_i2d(NID_subject_alt_name, 0, gens));
    assert_int_equal(X509_REQ_add_extensions(req, exts), 1);
    assert_int_equal(X509_REQ_set_pubkey(req, key), 1);
    assert_true(X509_REQ_sign(req, key, EVP_sha256()) > 0);
    pem = req_pem(req);
    expect_csr_error(pem, strlen(pem), CP_EINVALID, "CSR x.csr: a subjectAltName IP address is not 4 or 16 octets");
    free(pem);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    GENERAL_NAMES_free(gens);
    X509_REQ_free(req);
    EVP_PKEY_free(key);
}

static void test_csr_read_rejects(void **state)
{
    static const char *const names[] = {"www.example.com"};
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL), *weak = EVP_RSA_gen(1024);
    unsigned char *der = NULL;
    size_t der_len = 0;
    X509_REQ *req;
    char *pem;

    (void)state;
    expect_csr_error("junk", 4, CP_EINVALID, "CSR x.csr is not a PEM or DER certificate request");
    req = make_req(key, NULL, "DNS:a.example, email:admin@a.example");
    pem = req_pem(req);
    expect_csr_error(pem, strlen(pem), CP_EINVALID,
                     "CSR x.csr: its subjectAltName holds an e-mail address; only DNS names and IP "
                     "addresses can be issued");
    free(pem);
    X509_REQ_free(req);
    req = make_req(key, "Example Corp", NULL);
    pem = req_pem(req);
    expect_csr_error(pem, strlen(pem), CP_EINVALID, "CSR x.csr: its subject CN is not a DNS name");
    free(pem);
    X509_REQ_free(req);
    req = make_req(key, NULL, NULL);
    pem = req_pem(req);
    expect_csr_error(pem, strlen(pem), CP_EINVALID, "CSR x.csr names no DNS name");
    free(pem);
    X509_REQ_free(req);
    req = make_req(weak, "a.example", NULL);
    pem = req_pem(req);
    expect_csr_error(pem, strlen(pem), CP_EINVALID,
                     "CSR x.csr: RSA-1024 key is not supported (2048, 3072 or 4096 bits)");
    free(pem);
    X509_REQ_free(req);
    /* A changed byte in the signed part: the self-signature no longer holds. */
    assert_int_equal(csr_build(key, names, 1, &der, &der_len, NULL), CP_OK);
    for (size_t i = 0; i + 15 < der_len; i++)
        if (memcmp(der + i, "www.example.com", 15) == 0)
            der[i] = 'W';
    expect_csr_error((const char *)der, der_len, CP_EINVALID,
                     "CSR x.csr: its signature does not verify with its own key");
    free(der);
    EVP_PKEY_free(weak);
    EVP_PKEY_free(key);
}

static void test_read_csr_file(void **state)
{
    static const char *const names[] = {"a.example", "b.example"};
    char *dir = test_tmpdir("cpconfig"), *path;
    EVP_PKEY *key = key_generate(KEY_EC_P384, NULL);
    unsigned char *der = NULL;
    size_t der_len = 0;
    struct csr_info ci;
    struct err e;

    (void)state;
    assert_int_equal(csr_build(key, names, 2, &der, &der_len, NULL), CP_OK);
    path = str_printf("%s/example.com.csr", dir);
    assert_int_equal(fs_write_atomic(path, der, der_len, 0644, NULL), CP_OK);
    assert_int_equal(acmeini_read_csr(path, &ci, NULL), CP_OK);
    assert_int_equal(ci.n, 2);
    assert_string_equal(ci.names[1], "b.example");
    assert_int_equal(ci.key_type, KEY_EC_P384);
    csr_info_free(&ci);
    assert_int_equal(fs_write_atomic(path, "junk", 4, 0644, NULL), CP_OK);
    err_clear(&e);
    assert_int_equal(acmeini_read_csr(path, &ci, &e), CP_EINVALID);
    assert_true(str_has_prefix(e.msg, "CSR "));
    assert_non_null(strstr(e.msg, "example.com.csr is not a PEM or DER certificate request"));
    free(path);
    free(der);
    EVP_PKEY_free(key);
    test_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_global),
        cmocka_unit_test(test_good_certs),
        cmocka_unit_test(test_cert_settings),
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_provider_settings),
        cmocka_unit_test(test_empty_and_comments),
        cmocka_unit_test(test_bom_crlf),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_idn_names),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_secret_not_in_messages),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_secret_mode),
        cmocka_unit_test(test_check_mode),
        cmocka_unit_test(test_writable_refused),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_acmeini_seed),
        cmocka_unit_test(test_acmeini_good),
        cmocka_unit_test(test_acmeini_bad_files),
        cmocka_unit_test(test_acmeini_sections),
        cmocka_unit_test(test_acmeini_several),
        cmocka_unit_test(test_read_key_mode),
        cmocka_unit_test(test_csr_read_der_pem),
        cmocka_unit_test(test_csr_read_cn_only),
        cmocka_unit_test(test_csr_read_ip),
        cmocka_unit_test(test_csr_read_bad_ip),
        cmocka_unit_test(test_csr_read_rejects),
        cmocka_unit_test(test_read_csr_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
