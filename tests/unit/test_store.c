/*
 * store and fsio: atomic writes, keys never overwritten, certificate
 * versions archived and switched, listing, locking.
 */
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

#include "support/files.h"

#include "util/fsio.h"
#include "store/store.h"
#include "util/str.h"

static mode_t mode_of(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void test_write_new_refuses_overwrite(void **state)
{
    char *dir = test_tmpdir("cp-store"), *p = str_printf("%s/key.pem", dir), *got;
    struct err err = {0};

    (void)state;
    assert_int_equal(fs_write_new(p, "one", 3, 0600, &err), CP_OK);
    assert_int_equal(mode_of(p), 0600);
    assert_int_equal(fs_write_new(p, "two", 3, 0600, &err), CP_EEXIST);
    assert_non_null(strstr(err.msg, p));
    got = test_slurp(p);
    assert_string_equal(got, "one");
    free(got);
    test_rm_rf(dir);
    free(p);
    free(dir);
}

static void test_write_atomic_replaces(void **state)
{
    char *dir = test_tmpdir("cp-store"), *p = str_printf("%s/meta.json", dir), *got;
    struct err err = {0};

    (void)state;
    assert_int_equal(fs_write_atomic(p, "a", 1, 0644, &err), CP_OK);
    assert_int_equal(fs_write_atomic(p, "bb", 2, 0644, &err), CP_OK);
    got = test_slurp(p);
    assert_string_equal(got, "bb");
    assert_int_equal(mode_of(p), 0644);
    free(got);
    test_rm_rf(dir);
    free(p);
    free(dir);
}

static void test_read_limits(void **state)
{
    char *dir = test_tmpdir("cp-store"), *p = str_printf("%s/big", dir), *data = NULL;
    size_t len;
    struct err err = {0};

    (void)state;
    assert_int_equal(fs_write_atomic(p, "0123456789", 10, 0644, &err), CP_OK);
    assert_int_equal(fs_read(p, 5, &data, &len, &err), CP_EINVALID);
    assert_null(data);
    assert_int_equal(fs_read("/nonexistent/x", 5, &data, &len, &err), CP_ENOTFOUND);
    test_rm_rf(dir);
    free(p);
    free(dir);
}

static void save_version(struct store *st, const char *ver, const char *cert, int expect)
{
    struct store_cert_files f = {cert, "CHAIN\n", "KEY\n", 4};
    json_t *meta = json_pack("{s:s}", "v", ver);
    struct err err = {0};

    assert_int_equal(store_cert_save(st, "example.test", ver, &f, meta, &err), expect);
    json_decref(meta);
}

static void test_cert_versions(void **state)
{
    char *root = test_tmpdir("cp-store"), *p, *got;
    struct store *st = NULL;
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    save_version(st, "20260101T000000Z-01", "CERT1\n", CP_OK);
    save_version(st, "20260101T000000Z-02", "CERT2\n", CP_OK);
    /* an existing version is never overwritten, and current stays put */
    save_version(st, "20260101T000000Z-01", "CERT3\n", CP_EEXIST);
    p = store_cert_path(st, "example.test", "fullchain.pem");
    got = test_slurp(p);
    assert_string_equal(got, "CERT2\nCHAIN\n");
    free(got);
    free(p);
    p = store_cert_path(st, "example.test", "privkey.pem");
    assert_int_equal(mode_of(p), 0600);
    free(p);
    p = str_printf("%s/certs/example.test/archive/20260101T000000Z-01/cert.pem", root);
    got = test_slurp(p);
    assert_string_equal(got, "CERT1\n");
    free(got);
    free(p);
    store_free(st);
    test_rm_rf(root);
    free(root);
}

static void test_list_and_names(void **state)
{
    char *root = test_tmpdir("cp-store"), **names = NULL;
    size_t n = 0;
    struct store *st = NULL;
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    assert_int_equal(store_cert_list(st, &names, &n, &err), CP_OK);
    assert_int_equal(n, 0);
    save_version(st, "v1", "C\n", CP_OK);
    assert_int_equal(store_cert_list(st, &names, &n, &err), CP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "example.test");
    store_names_free(names, n);
    assert_true(store_name_valid("_.example.com"));
    assert_false(store_name_valid("../etc"));
    assert_false(store_name_valid(".hidden"));
    assert_false(store_name_valid("a/b"));
    assert_false(store_name_valid(""));
    store_free(st);
    test_rm_rf(root);
    free(root);
}

static void test_lock_exclusive(void **state)
{
    char *root = test_tmpdir("cp-store");
    struct store *st = NULL;
    struct err err = {0};
    struct store_lock *l1 = NULL, *l2 = NULL;

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    assert_int_equal(store_lock(st, "x", &l1, &err), CP_OK);
    assert_int_equal(store_lock(st, "x", &l2, &err), CP_EEXIST);
    assert_null(l2);
    assert_non_null(strstr(err.msg, "another certpilot"));
    store_unlock(l1);
    assert_int_equal(store_lock(st, "x", &l2, &err), CP_OK);
    store_unlock(l2);
    store_unlock(NULL);
    store_free(st);
    test_rm_rf(root);
    free(root);
}

/* The read side sees exactly the current version, its key only when asked. */
static void test_cert_load(void **state)
{
    char *root = test_tmpdir("cp-store"), *p;
    struct store *st = NULL;
    struct store_cert c = {0};
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    assert_int_equal(store_cert_load(st, "example.test", 0, &c, &err), CP_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no certificate named example.test"));
    save_version(st, "v1", "CERT1\n", CP_OK);
    save_version(st, "v2", "CERT2\n", CP_OK);
    assert_int_equal(store_cert_load(st, "example.test", 0, &c, &err), CP_OK);
    assert_string_equal(c.version, "v2");
    assert_string_equal(c.cert, "CERT2\n");
    assert_string_equal(c.chain, "CHAIN\n");
    assert_string_equal(c.fullchain, "CERT2\nCHAIN\n");
    assert_null(c.privkey);
    assert_string_equal(json_string_value(json_object_get(c.meta, "v")), "v2");
    store_cert_free(&c);
    assert_int_equal(store_cert_load(st, "example.test", STORE_READ_KEY, &c, &err), CP_OK);
    assert_string_equal(c.privkey, "KEY\n");
    store_cert_free(&c);
    /* a version with a file missing is reported, naming the file */
    p = str_printf("%s/certs/example.test/archive/v2/chain.pem", root);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(store_cert_load(st, "example.test", 0, &c, &err), CP_EINVALID);
    assert_non_null(strstr(err.msg, p));
    assert_null(c.cert);
    assert_int_equal(store_cert_load(st, "../x", 0, &c, &err), CP_EUSAGE);
    free(p);
    store_free(st);
    test_rm_rf(root);
    free(root);
}

static void test_account_key_kept(void **state)
{
    char *root = test_tmpdir("cp-store"), *pem = NULL;
    size_t len = 0;
    json_t *meta = NULL;
    struct store *st = NULL;
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    assert_int_equal(store_account_load(st, "ca_443", "default", &pem, &len, &meta, &err), CP_ENOTFOUND);
    assert_non_null(strstr(err.msg, "account new"));
    assert_int_equal(store_account_save_key(st, "ca_443", "default", "K1", 2, &err), CP_OK);
    assert_int_equal(store_account_save_key(st, "ca_443", "default", "K2", 2, &err), CP_EEXIST);
    assert_int_equal(store_account_load(st, "ca_443", "default", &pem, &len, &meta, &err), CP_OK);
    assert_string_equal(pem, "K1");
    assert_null(meta);
    secret_free(pem, len);
    store_free(st);
    test_rm_rf(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_new_refuses_overwrite),
        cmocka_unit_test(test_write_atomic_replaces),
        cmocka_unit_test(test_read_limits),
        cmocka_unit_test(test_cert_versions),
        cmocka_unit_test(test_list_and_names),
        cmocka_unit_test(test_lock_exclusive),
        cmocka_unit_test(test_cert_load),
        cmocka_unit_test(test_account_key_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
