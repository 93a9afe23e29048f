/*
 * api/ (include/certpilot/certpilot.h) offline: the version rule for option
 * structs (any known version up to the current one), and the lifecycle calls
 * (renew, revoke, deploy, delete) on a state root with one stored certificate,
 * each refusal with its exact line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "support/certs.h"
#include "support/files.h"

#include "certpilot/certpilot.h"
#include "crypto/key.h"
#include "store/store.h"
#include "util/str.h"

/* Nothing listens on port 9 of loopback: a request that reached the network would fail with CP_ENET. */
#define NOWHERE "https://127.0.0.1:9/dir"
#define FEB_2026 1769904000  /* 2026-02-01T00:00:00Z: the test certificate is not due */

/* The layout of struct cp_ctx_options at version 1, as a program built then passes it. */
struct ctx_options_v1 {
    unsigned version;
    const char *root, *directory_url, *ca_bundle, *user_agent;
    int log_level;
    void (*log)(void *user, int level, const char *line);
    void *log_user;
};

struct fixture {
    char *root;
    cp_ctx *ctx;
};

/* Store a version of a.example (serial 0A1B, valid 2026-01-01 to 2026-04-01) whose CA is nowhere. */
static void store_version(const char *root)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    char *cert = test_make_cert(key, (const unsigned char *)"\x0A\x1B", 2), *pem = NULL;
    size_t len = 0;
    json_t *meta = json_pack("{s:i, s:s, s:[s], s:s, s:{s:s, s:[[ss]]}}", "schema", 1, "server", NOWHERE,
                             "names", "a.example", "key_type", "ec256", "solver", "name", "hook", "settings",
                             "program", "/bin/true");
    struct store *st = NULL;

    assert_int_equal(key_to_pem(key, &pem, &len, NULL), CP_OK);
    assert_int_equal(store_open(root, &st, NULL), CP_OK);
    assert_int_equal(store_cert_save(st, "a.example", "v1", &(struct store_cert_files){cert, "", pem, len}, meta,
                                     NULL), CP_OK);
    store_free(st);
    secret_free(pem, len);
    free(cert);
    json_decref(meta);
    EVP_PKEY_free(key);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct cp_ctx_options o = CP_CTX_OPTIONS_INIT;

    f->root = test_tmpdir("cp-api");
    store_version(f->root);
    o.root = f->root;
    o.directory_url = NOWHERE;
    assert_int_equal(cp_ctx_open(&f->ctx, &o, NULL), CP_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    cp_ctx_free(f->ctx);
    test_rm_rf(f->root);
    free(f->root);
    free(f);
    return 0;
}

/* libgit2's rule: an older caller's struct (smaller: nothing past its fields is read) is
 * accepted; a newer or a zero version is refused, naming what is supported. */
static void test_versions(void **state)
{
    struct fixture *f = *state;
    struct ctx_options_v1 *v1 = calloc(1, sizeof(*v1));
    struct cp_ctx_options o = CP_CTX_OPTIONS_INIT;
    struct cp_error err = {0};
    cp_ctx *ctx = NULL;

    *v1 = (struct ctx_options_v1){1, f->root, NOWHERE, NULL, NULL, CP_LOG_INFO, NULL, NULL};
    assert_int_equal(cp_ctx_open(&ctx, (const struct cp_ctx_options *)v1, &err), CP_OK);
    cp_ctx_free(ctx);
    free(v1);
    o.root = f->root;
    o.version = CP_CTX_OPTIONS_VERSION + 1;
    assert_int_equal(cp_ctx_open(&ctx, &o, &err), CP_EUSAGE);
    assert_string_equal(err.message, "cp_ctx_options version 3 is not supported (this library has 1 to 2)");
    assert_null(ctx);
    o.version = 0;
    assert_int_equal(cp_ctx_open(&ctx, &o, &err), CP_EUSAGE);
    assert_string_equal(err.message, "cp_ctx_options version 0 is not supported (this library has 1 to 2)");
    assert_int_equal(cp_ctx_open(&ctx, NULL, &err), CP_EUSAGE);
}

static void test_renew_not_due(void **state)
{
    struct fixture *f = *state;
    struct cp_renew_options o = CP_RENEW_OPTIONS_INIT;
    struct cp_error err = {0};
    cp_renewals *list = NULL;
    const struct cp_renewal *r;

    o.now = FEB_2026;
    o.cert_name = "a.example";
    assert_int_equal(cp_renew(f->ctx, &o, &list, &err), CP_OK);
    assert_int_equal(cp_renewals_count(list), 1);
    r = cp_renewals_get(list, 0);
    assert_string_equal(r->name, "a.example");
    assert_int_equal(r->status, CP_OK);
    assert_string_equal(r->error, "");
    assert_false(r->due);
    assert_false(r->renewed);
    assert_true(r->renew_at > FEB_2026);
    assert_null(cp_renewals_get(list, 1));
    cp_renewals_free(list);
    /* every stored certificate: the same one decision */
    o.cert_name = NULL;
    assert_int_equal(cp_renew(f->ctx, &o, &list, &err), CP_OK);
    assert_int_equal(cp_renewals_count(list), 1);
    assert_false(cp_renewals_get(list, 0)->due);
    cp_renewals_free(list);
    cp_renewals_free(NULL);
}

static void test_renew_unknown(void **state)
{
    struct fixture *f = *state;
    struct cp_renew_options o = CP_RENEW_OPTIONS_INIT;
    struct cp_error err = {0};
    cp_renewals *list = NULL;

    o.cert_name = "b.example";
    assert_int_not_equal(cp_renew(f->ctx, &o, &list, &err), CP_OK);
    assert_int_equal(cp_renewals_count(list), 1);
    assert_int_equal(cp_renewals_get(list, 0)->status, err.code);
    assert_string_equal(cp_renewals_get(list, 0)->error, err.message);
    cp_renewals_free(list);
    o.version = 2;
    assert_int_equal(cp_renew(f->ctx, &o, &list, &err), CP_EUSAGE);
    assert_string_equal(err.message, "cp_renew_options version 2 is not supported (this library has 1 to 1)");
    assert_null(list);
}

static void test_revoke_refused(void **state)
{
    struct fixture *f = *state;
    struct cp_revoke_options o = CP_REVOKE_OPTIONS_INIT;
    struct cp_error err = {0};

    assert_int_equal(cp_cert_revoke(f->ctx, &o, &err), CP_EUSAGE);
    assert_string_equal(err.message, "cp_cert_revoke: give cert_name or cert_file (not both)");
    o.cert_name = "a.example";
    o.cert_file = "/nonexistent.pem";
    assert_int_equal(cp_cert_revoke(f->ctx, &o, &err), CP_EUSAGE);
    assert_string_equal(err.message, "cp_cert_revoke: give cert_name or cert_file (not both)");
}

/* A files target added through the API is stored and run: the certificate lands in dir. */
static void test_deploy_files(void **state)
{
    struct fixture *f = *state;
    struct cp_deploy_options o = CP_DEPLOY_OPTIONS_INIT;
    struct cp_error err = {0};
    char *dir = str_printf("%s/out", f->root), *spec = str_printf("files:%s", dir), *file = NULL;
    const char *add[] = {spec}, *bad[] = {"nosuch:x"};
    struct stat sb;

    assert_int_equal(mkdir(dir, 0700), 0);
    o.add = bad;
    o.nadd = 1;
    assert_int_equal(cp_cert_deploy(f->ctx, "a.example", &o, &err), CP_EUSAGE);
    o.add = add;
    assert_int_equal(cp_cert_deploy(f->ctx, "a.example", &o, &err), CP_OK);
    file = str_printf("%s/fullchain.pem", dir);
    assert_int_equal(stat(file, &sb), 0);
    assert_int_equal(cp_cert_deploy(f->ctx, "b.example", NULL, &err), CP_ENOTFOUND);
    assert_non_null(strstr(err.message, "no certificate named b.example in "));
    free(file);
    free(spec);
    free(dir);
}

static void test_delete(void **state)
{
    struct fixture *f = *state;
    struct cp_error err = {0};
    char **names = NULL;
    size_t n = 9;

    assert_int_equal(cp_cert_delete(f->ctx, "a.exampel", 0, &err), CP_EUSAGE);
    assert_string_equal(err.message, "no certificate named a.exampel (did you mean a.example?)");
    assert_int_equal(cp_cert_delete(f->ctx, "a.example", 1, &err), CP_OK);
    assert_int_equal(cp_cert_list(f->ctx, &names, &n, &err), CP_OK);
    assert_int_equal(n, 0);
    cp_names_free(names, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renew_not_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renew_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deploy_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
