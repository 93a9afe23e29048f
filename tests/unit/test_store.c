/*
 * store and fsio: atomic writes, keys never overwritten, certificate
 * versions archived and switched, listing, locking; a shared machine
 * (permissions, planted symlinks), a killed run, a full or read-only disk.
 */
#define _GNU_SOURCE /* unshare */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

/* Save a version of example.test; the error's message lands in msg when given. */
static void save_version_msg(struct store *st, const char *ver, const char *cert, int expect, struct err *msg)
{
    struct store_cert_files f = {cert, "CHAIN\n", "KEY\n", 4};
    json_t *meta = json_pack("{s:s}", "v", ver);
    struct err err = {0};

    assert_int_equal(store_cert_save(st, "example.test", ver, &f, meta, &err), expect);
    if (msg != NULL)
        *msg = err;
    json_decref(meta);
}

static void save_version(struct store *st, const char *ver, const char *cert, int expect)
{
    save_version_msg(st, ver, cert, expect, NULL);
}

/* A reader's open (list, account list) of a missing root creates nothing: it is empty,
 * and a write is refused naming the missing directory. */
static void test_open_existing_missing(void **state)
{
    char *dir = test_tmpdir("cp-store"), *root = str_printf("%s/missing", dir), **names = NULL, **cas = NULL;
    struct store *st = NULL;
    struct store_lock *lock = NULL;
    struct err err = {0};
    size_t n = 1;

    (void)state;
    assert_int_equal(store_open_read_only(root, &st, &err), CP_OK);
    assert_int_equal(store_cert_list(st, &names, &n, &err), CP_OK);
    assert_int_equal(n, 0);
    n = 1;
    assert_int_equal(store_account_list(st, &cas, &names, &n, &err), CP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_lock(st, "example.test", &lock, &err), CP_ENOTFOUND);
    char *want = str_printf("state directory %s does not exist", root);
    assert_string_equal(err.msg, want);
    free(want);
    assert_int_equal(access(root, F_OK), -1);
    store_free(st);
    /* the writer's open still creates it */
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    assert_int_equal(access(root, F_OK), 0);
    store_free(st);
    test_rm_rf(dir);
    free(root);
    free(dir);
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
    assert_int_equal(store_lock(st, "x", &l2, &err), CP_EBUSY);
    assert_string_equal(cp_strerror(err.code), "busy (locked by another process)");
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

/* A child forked while a lock is held (a hook another thread starts) keeps a copy of
 * the lock's descriptor until it execs; unlocking must free the lock all the same. */
static void test_unlock_with_forked_copy(void **state)
{
    char *root = test_tmpdir("cp-store");
    struct store *st = NULL;
    struct err err = {0};
    struct store_lock *l1 = NULL, *l2 = NULL;
    int go[2];
    pid_t pid;
    char c;

    (void)state;
    assert_int_equal(pipe(go), 0);
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    assert_int_equal(store_lock(st, "x", &l1, &err), CP_OK);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {  /* holds the inherited descriptor until told to go */
        close(go[1]);
        _exit(read(go[0], &c, 1) < 0 ? 1 : 0);
    }
    close(go[0]);
    store_unlock(l1);
    assert_int_equal(store_lock(st, "x", &l2, &err), CP_OK);
    store_unlock(l2);
    close(go[1]);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
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

/* The error must be exactly want (freed here). */
static void expect_msg(const struct err *err, char *want)
{
    assert_non_null(want);
    assert_string_equal(err->msg, want);
    free(want);
}

static void plant_link(const char *target, const char *root, const char *rel)
{
    char *p = str_printf("%s/%s", root, rel);

    assert_int_equal(symlink(target, p), 0);
    free(p);
}

static void make_dir(const char *root, const char *rel, mode_t mode)
{
    char *p = str_printf("%s/%s", root, rel);

    assert_int_equal(mkdir(p, mode), 0);
    assert_int_equal(chmod(p, mode), 0);
    free(p);
}

static void write_file(const char *root, const char *rel, const char *text)
{
    char *p = str_printf("%s/%s", root, rel);

    assert_int_equal(fs_write_atomic(p, text, strlen(text), 0600, NULL), CP_OK);
    free(p);
}

/* ssh's rule: a state directory writable by others, or not ours, is refused with the fix. */
static void test_root_permissions(void **state)
{
    char *root = test_tmpdir("cp-store"), *certs = str_printf("%s/certs", root), **names = NULL;
    size_t n = 0;
    struct store *st = NULL;
    struct err err = {0};

    (void)state;
    assert_int_equal(chmod(root, 0770), 0);
    assert_int_equal(store_open(root, &st, &err), CP_EINVALID);
    assert_null(st);
    expect_msg(&err, str_printf("state directory %s is writable by group or others (chmod 700 %s)", root, root));
    assert_int_equal(chmod(root, 0702), 0);
    assert_int_equal(store_open(root, &st, &err), CP_EINVALID);
    assert_int_equal(chmod(root, 0755), 0);  /* readable is fine, as for ~/.ssh */
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    /* and every directory below it */
    make_dir(root, "certs", 0777);
    assert_int_equal(store_cert_list(st, &names, &n, &err), CP_EINVALID);
    expect_msg(&err, str_printf("state directory %s is writable by group or others (chmod 700 %s)", certs, certs));
    assert_int_equal(chmod(certs, 0700), 0);
    if (geteuid() == 0) {
        char *want = str_printf("state directory %s is owned by uid 65534, not by uid 0 that runs "
                                "certpilot (chown 0 %s)", certs, certs);
        assert_int_equal(chown(certs, 65534, 65534), 0);
        assert_int_equal(store_cert_list(st, &names, &n, &err), CP_EINVALID);
        assert_string_equal(err.msg, want);
        free(want);
        store_free(st);
        st = NULL;
        assert_int_equal(chown(root, 65534, 65534), 0);
        assert_int_equal(store_open(root, &st, &err), CP_EINVALID);
        assert_non_null(strstr(err.msg, "is owned by uid 65534"));
    }
    store_free(st);
    test_rm_rf(root);
    free(certs);
    free(root);
}

/* Directories certpilot makes are 0700; the public PEM files stay 0644. */
static void test_dirs_private(void **state)
{
    char *root = test_tmpdir("cp-store"), *p;
    const char *dirs[] = {"certs", "certs/example.test", "certs/example.test/archive",
                          "certs/example.test/archive/v1", "locks", "accounts/ca_443/default"};
    struct store *st = NULL;
    struct store_lock *l = NULL;
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    save_version(st, "v1", "C\n", CP_OK);
    assert_int_equal(store_lock(st, "example.test", &l, &err), CP_OK);
    assert_int_equal(store_account_save_key(st, "ca_443", "default", "K", 1, &err), CP_OK);
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        p = str_printf("%s/%s", root, dirs[i]);
        assert_int_equal(mode_of(p), 0700);
        free(p);
    }
    p = str_printf("%s/certs/example.test/archive/v1/cert.pem", root);
    assert_int_equal(mode_of(p), 0644);
    free(p);
    store_unlock(l);
    store_free(st);
    test_rm_rf(root);
    free(root);
}

/* Attack 1: another user plants an account key; root must not register it. */
static void test_planted_account_key(void **state)
{
    char *root = test_tmpdir("cp-store"), *evil = test_tmpdir("cp-evil"), *pem = NULL, *want;
    size_t len = 0;
    json_t *meta = NULL;
    struct store *st = NULL;
    struct err err = {0};

    (void)state;
    make_dir(evil, "acct", 0700);
    write_file(evil, "acct/key.pem", "EVIL KEY");
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    /* the account directory itself */
    make_dir(root, "accounts", 0700);
    make_dir(root, "accounts/ca_443", 0700);
    want = str_printf("%s/acct", evil);
    plant_link(want, root, "accounts/ca_443/default");
    free(want);
    assert_int_equal(store_account_load(st, "ca_443", "default", &pem, &len, &meta, &err), CP_EINVALID);
    assert_null(pem);
    expect_msg(&err, str_printf("%s/accounts/ca_443/default is a symbolic link; refusing to follow it (remove it)", root));
    /* saving a new key must not land in the planted directory either */
    assert_int_equal(store_account_save_key(st, "ca_443", "default", "K", 1, &err), CP_EINVALID);
    /* the key file alone */
    make_dir(root, "accounts/ca_443/other", 0700);
    want = str_printf("%s/acct/key.pem", evil);
    plant_link(want, root, "accounts/ca_443/other/key.pem");
    free(want);
    assert_int_equal(store_account_load(st, "ca_443", "other", &pem, &len, &meta, &err), CP_EINVALID);
    assert_null(pem);
    expect_msg(&err, str_printf("%s/accounts/ca_443/other/key.pem is a symbolic link; refusing to follow it", root));
    store_free(st);
    test_rm_rf(root);
    test_rm_rf(evil);
    free(root);
    free(evil);
}

/* Attack 2: current re-pointed so the deployed privkey.pem is someone else's. */
static void test_current_repointed(void **state)
{
    char *root = test_tmpdir("cp-store"), *evil = test_tmpdir("cp-evil"), *cur, *want;
    struct store *st = NULL;
    struct store_cert c = {0};
    struct err err = {0};

    (void)state;
    write_file(evil, "cert.pem", "EVIL CERT");
    write_file(evil, "chain.pem", "");
    write_file(evil, "fullchain.pem", "EVIL CERT");
    write_file(evil, "privkey.pem", "EVIL KEY");
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    save_version(st, "v1", "CERT1\n", CP_OK);
    /* a version name that is a symlink out of the archive */
    plant_link(evil, root, "certs/example.test/archive/v9");
    cur = str_printf("%s/certs/example.test/current", root);
    assert_int_equal(unlink(cur), 0);
    assert_int_equal(symlink("archive/v9", cur), 0);
    assert_int_equal(store_cert_load(st, "example.test", STORE_READ_KEY, &c, &err), CP_EINVALID);
    assert_null(c.privkey);
    expect_msg(&err, str_printf("%s/certs/example.test/archive/v9 is a symbolic link; refusing to follow it (remove it)", root));
    /* current straight at another directory */
    assert_int_equal(unlink(cur), 0);
    assert_int_equal(symlink(evil, cur), 0);
    assert_int_equal(store_cert_load(st, "example.test", STORE_READ_KEY, &c, &err), CP_EINVALID);
    want = str_printf("certificate example.test: current points at \"%s\", not at a version", evil);
    assert_string_equal(err.msg, want);
    free(want);
    /* a version's file that is a symlink */
    assert_int_equal(unlink(cur), 0);
    assert_int_equal(symlink("archive/v1", cur), 0);
    want = str_printf("%s/certs/example.test/archive/v1/privkey.pem", root);
    assert_int_equal(unlink(want), 0);
    free(want);
    want = str_printf("%s/privkey.pem", evil);
    plant_link(want, root, "certs/example.test/archive/v1/privkey.pem");
    free(want);
    assert_int_equal(store_cert_load(st, "example.test", STORE_READ_KEY, &c, &err), CP_EINVALID);
    expect_msg(&err, str_printf("%s/certs/example.test/archive/v1/privkey.pem is a symbolic link; refusing to follow it", root));
    free(cur);
    store_free(st);
    test_rm_rf(root);
    test_rm_rf(evil);
    free(root);
    free(evil);
}

/* Attack 3: a whole new version (with its private key) redirected through a symlink. */
static void test_version_redirected(void **state)
{
    char *root = test_tmpdir("cp-store"), *evil = test_tmpdir("cp-evil"), *leak;
    struct store *st = NULL;
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    make_dir(root, "certs", 0700);
    make_dir(root, "certs/example.test", 0700);
    plant_link(evil, root, "certs/example.test/archive");
    save_version(st, "v1", "CERT1\n", CP_EINVALID);
    leak = str_printf("%s/v1/privkey.pem", evil);
    assert_false(fs_exists(leak));
    free(leak);
    /* the certificate's directory itself */
    store_free(st);
    test_rm_rf(root);
    assert_int_equal(mkdir(root, 0700), 0);
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    make_dir(root, "certs", 0700);
    plant_link(evil, root, "certs/example.test");
    save_version(st, "v1", "CERT1\n", CP_EINVALID);
    leak = str_printf("%s/archive", evil);
    assert_false(fs_exists(leak));
    free(leak);
    store_free(st);
    test_rm_rf(root);
    test_rm_rf(evil);
    free(root);
    free(evil);
}

/* A lock file planted as a symlink is neither followed nor created through. */
static void test_lock_symlink(void **state)
{
    char *root = test_tmpdir("cp-store"), *evil = test_tmpdir("cp-evil"), *target = str_printf("%s/made", evil);
    struct store *st = NULL;
    struct store_lock *l = NULL;
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    make_dir(root, "locks", 0700);
    plant_link(target, root, "locks/example.test.lock");
    assert_int_equal(store_lock(st, "example.test", &l, &err), CP_EINVALID);
    assert_null(l);
    expect_msg(&err, str_printf("lock %s/locks/example.test.lock is a symbolic link; refusing to follow it (remove it)", root));
    assert_false(fs_exists(target));
    assert_int_equal(store_lock(st, "../x", &l, &err), CP_EUSAGE);
    store_free(st);
    test_rm_rf(root);
    test_rm_rf(evil);
    free(target);
    free(root);
    free(evil);
}

/* A killed run's half-written archive/.new-* is never a version and goes with the next save. */
static void test_stale_temp_version(void **state)
{
    char *root = test_tmpdir("cp-store"), *tmp = str_printf("%s/certs/example.test/archive/.new-Abc123", root);
    char **v = NULL;
    size_t n = 0;
    struct store *st = NULL;
    struct store_cert c = {0};
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    save_version(st, "v1", "CERT1\n", CP_OK);
    assert_int_equal(mkdir(tmp, 0700), 0);
    write_file(root, "certs/example.test/archive/.new-Abc123/privkey.pem", "HALF");
    assert_int_equal(store_cert_versions(st, "example.test", &v, &n, &err), CP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0], "v1");
    store_names_free(v, n);
    assert_int_equal(store_cert_load(st, "example.test", 0, &c, &err), CP_OK);
    assert_string_equal(c.version, "v1");
    store_cert_free(&c);
    save_version(st, "v2", "CERT2\n", CP_OK);
    assert_false(fs_exists(tmp));
    assert_int_equal(store_cert_versions(st, "example.test", &v, &n, &err), CP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[1], "v2");
    store_names_free(v, n);
    store_free(st);
    test_rm_rf(root);
    free(tmp);
    free(root);
}

/* Set the mtime of root/rel (a link itself, not its target) secs in the past. */
static void age(const char *root, const char *rel, long secs)
{
    char *p = str_printf("%s/%s", root, rel);
    struct timespec ts[2];

    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= secs;
    ts[1] = ts[0];
    assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
    free(p);
}

/* A killed run's temp file and link next to meta.json and current: the next save
 * removes them once they are old, keeps a young one (maybe a live writer's) and
 * never touches a name that only looks alike. */
static void test_stale_temp_files(void **state)
{
    char *root = test_tmpdir("cp-store"), *p = NULL;
    struct store *st = NULL;
    struct err err = {0};
    const char *const gone[] = {"meta.json.tmp-Ab12Cd", "current.tmp-4242", "privkey.pem.tmp-Zz9Zz9"};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    save_version(st, "v1", "CERT1\n", CP_OK);
    write_file(root, "certs/example.test/meta.json.tmp-Ab12Cd", "{\"half");
    write_file(root, "certs/example.test/privkey.pem.tmp-Zz9Zz9", "KEY");
    plant_link("archive/v1", root, "certs/example.test/current.tmp-4242");
    write_file(root, "certs/example.test/meta.json.tmp-Young1", "{}");
    write_file(root, "certs/example.test/notes.tmp-Old123", "mine");
    for (size_t i = 0; i < 3; i++) {
        p = str_printf("certs/example.test/%s", gone[i]);
        age(root, p, 120);
        free(p);
    }
    age(root, "certs/example.test/notes.tmp-Old123", 120);
    save_version(st, "v2", "CERT2\n", CP_OK);
    for (size_t i = 0; i < 3; i++) {
        p = str_printf("%s/certs/example.test/%s", root, gone[i]);
        assert_false(fs_exists(p));
        free(p);
    }
    p = str_printf("%s/certs/example.test/meta.json.tmp-Young1", root);
    assert_true(fs_exists(p));
    free(p);
    p = str_printf("%s/certs/example.test/notes.tmp-Old123", root);
    assert_true(fs_exists(p));
    free(p);
    store_free(st);
    test_rm_rf(root);
    free(root);
}

static char *read_text(const char *root, const char *rel)
{
    char *p = str_printf("%s/%s", root, rel), *text = NULL;
    size_t len = 0;

    assert_int_equal(fs_read(p, 4096, &text, &len, NULL), CP_OK);
    free(p);
    return text;
}

/* RFC 8555 §7.3.5 on disk: the new key waits as key-new.pem, the old one is kept in
 * archive/ (0600, under another name when the stamp is taken by another key, the same
 * name again for a retry), one rename makes the new one key.pem. */
static void test_account_key_rollover(void **state)
{
    char *root = test_tmpdir("cp-store"), *pem = NULL, *arch = NULL, *t = NULL;
    size_t len = 0;
    struct store *st = NULL;
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    assert_int_equal(store_account_save_key(st, "ca_443", "default", "K1", 2, &err), CP_OK);
    assert_int_equal(store_account_pending_key_load(st, "ca_443", "default", &pem, &len, &err), CP_ENOTFOUND);
    assert_int_equal(store_account_pending_key_save(st, "ca_443", "default", "K2", 2, &err), CP_OK);
    assert_int_equal(store_account_pending_key_save(st, "ca_443", "default", "K9", 2, &err), CP_EEXIST);
    assert_int_equal(store_account_pending_key_load(st, "ca_443", "default", &pem, &len, &err), CP_OK);
    assert_string_equal(pem, "K2");
    secret_free(pem, len);
    assert_int_equal(mode_of(t = str_printf("%s/accounts/ca_443/default/key-new.pem", root)), 0600);
    free(t);
    assert_int_equal(store_account_key_promote(st, "ca_443", "default", "20261125T101500Z", &arch, &err), CP_OK);
    assert_string_equal(arch, t = str_printf("%s/accounts/ca_443/default/archive/20261125T101500Z-key.pem", root));
    assert_int_equal(mode_of(arch), 0600);
    free(t);
    free(arch);
    assert_string_equal(t = read_text(root, "accounts/ca_443/default/key.pem"), "K2");
    free(t);
    assert_string_equal(t = read_text(root, "accounts/ca_443/default/archive/20261125T101500Z-key.pem"), "K1");
    free(t);
    /* no pending key: nothing to promote, key.pem stays */
    assert_int_equal(store_account_key_promote(st, "ca_443", "default", "20261125T101501Z", NULL, &err),
                     CP_ENOTFOUND);
    /* a second change in the same second: K2 is kept under another name */
    assert_int_equal(store_account_pending_key_save(st, "ca_443", "default", "K3", 2, &err), CP_OK);
    assert_int_equal(store_account_key_promote(st, "ca_443", "default", "20261125T101500Z", &arch, &err), CP_OK);
    assert_non_null(strstr(arch, "/archive/20261125T101500Z-2-key.pem"));
    free(arch);
    assert_string_equal(t = read_text(root, "accounts/ca_443/default/archive/20261125T101500Z-2-key.pem"), "K2");
    free(t);
    /* dropping a pending key; none is fine */
    assert_int_equal(store_account_pending_key_save(st, "ca_443", "default", "K4", 2, &err), CP_OK);
    assert_int_equal(store_account_pending_key_remove(st, "ca_443", "default", &err), CP_OK);
    assert_int_equal(store_account_pending_key_remove(st, "ca_443", "default", &err), CP_OK);
    assert_string_equal(t = read_text(root, "accounts/ca_443/default/key.pem"), "K3");
    free(t);
    store_free(st);
    test_rm_rf(root);
    free(root);
}

static void test_account_list(void **state)
{
    char *root = test_tmpdir("cp-store"), **cas = NULL, **names = NULL;
    size_t n = 9;
    struct store *st = NULL;
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    assert_int_equal(store_account_list(st, &cas, &names, &n, &err), CP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_account_save_key(st, "b_443", "default", "K", 1, &err), CP_OK);
    assert_int_equal(store_account_save_key(st, "a_14000", "zeta", "K", 1, &err), CP_OK);
    assert_int_equal(store_account_save_key(st, "a_14000", "alpha", "K", 1, &err), CP_OK);
    assert_int_equal(store_account_list(st, &cas, &names, &n, &err), CP_OK);
    assert_int_equal(n, 3);
    assert_string_equal(cas[0], "a_14000");
    assert_string_equal(names[0], "alpha");
    assert_string_equal(cas[1], "a_14000");
    assert_string_equal(names[1], "zeta");
    assert_string_equal(cas[2], "b_443");
    assert_string_equal(names[2], "default");
    store_names_free(cas, n);
    store_names_free(names, n);
    store_free(st);
    test_rm_rf(root);
    free(root);
}

/* No .new-* left, current still at the old version, every old file whole. */
static void assert_old_intact(struct store *st, const char *root)
{
    char **v = NULL, *arch = str_printf("%s/certs/example.test/archive", root), *cmd, *left;
    size_t n = 0;
    struct store_cert c = {0};
    struct err err = {0};

    assert_int_equal(store_cert_load(st, "example.test", STORE_READ_KEY, &c, &err), CP_OK);
    assert_string_equal(c.version, "v1");
    assert_string_equal(c.fullchain, "CERT1\nCHAIN\n");
    assert_string_equal(c.privkey, "KEY\n");
    assert_string_equal(json_string_value(json_object_get(c.meta, "v")), "v1");
    store_cert_free(&c);
    assert_int_equal(store_cert_versions(st, "example.test", &v, &n, &err), CP_OK);
    assert_int_equal(n, 1);
    store_names_free(v, n);
    cmd = str_printf("ls -A '%s' > '%s.ls'", arch, root);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    cmd = str_printf("%s.ls", root);
    left = test_slurp(cmd);
    assert_string_equal(left, "v1\n");
    unlink(cmd);
    free(cmd);
    free(left);
    free(arch);
}

/* A full disk and a read-only directory during a save: a clear error, the old version whole.
 * Needs a private mount namespace (root); skipped without one. */
static void test_save_full_or_readonly(void **state)
{
    char *root = test_tmpdir("cp-store"), *fill = str_printf("%s/filler", root), block[4096], *want;
    struct store *st = NULL;
    struct err err = {0};
    FILE *f;

    (void)state;
    if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", root, "tmpfs", 0, "size=256k,mode=0700") != 0) {
        test_rm_rf(root);
        free(fill);
        free(root);
        skip();
    }
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    save_version(st, "v1", "CERT1\n", CP_OK);
    memset(block, 'x', sizeof(block));
    assert_non_null(f = fopen(fill, "w"));
    while (fwrite(block, 1, sizeof(block), f) == sizeof(block) && fflush(f) == 0)
        ;
    fclose(f);
    save_version_msg(st, "v2", "CERT2\n", CP_EIO, &err);
    want = str_printf("cannot write %s/certs/example.test/archive/v2/privkey.pem: No space left on device", root);
    assert_string_equal(err.msg, want);
    free(want);
    assert_old_intact(st, root);
    unlink(fill);
    assert_int_equal(mount("tmpfs", root, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=256k"), 0);
    save_version_msg(st, "v3", "CERT3\n", CP_EIO, &err);
    want = str_printf("cannot create a directory in %s/certs/example.test/archive: Read-only file system", root);
    assert_string_equal(err.msg, want);
    free(want);
    assert_old_intact(st, root);
    store_free(st);
    assert_int_equal(umount(root), 0);
    test_rm_rf(root);
    free(fill);
    free(root);
}

static void test_journal(void **state)
{
    char *root = test_tmpdir("cp-store"), *p = str_printf("%s/journal/example.test.json", root);
    json_t *j = json_pack("[{s:s}]", "token", "t1"), *got = NULL;
    struct store *st = NULL;
    struct err err = {0};

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    assert_int_equal(store_journal_read(st, "example.test", &got, &err), CP_OK);
    assert_null(got);
    assert_int_equal(store_journal_remove(st, "example.test", &err), CP_OK);
    assert_int_equal(store_journal_write(st, "example.test", j, &err), CP_OK);
    assert_int_equal(mode_of(p), 0600);
    assert_int_equal(store_journal_read(st, "example.test", &got, &err), CP_OK);
    assert_true(json_equal(got, j));
    json_decref(got);
    assert_int_equal(store_journal_remove(st, "example.test", &err), CP_OK);
    assert_false(fs_exists(p));
    assert_int_equal(store_journal_write(st, "../x", j, &err), CP_EUSAGE);
    json_decref(j);
    store_free(st);
    test_rm_rf(root);
    free(p);
    free(root);
}

/* Key files from outside the store: no symlink, nobody else may read them. */
static void test_read_secret(void **state)
{
    char *dir = test_tmpdir("cp-store"), *key = str_printf("%s/key.pem", dir), *link = str_printf("%s/ln", dir);
    char *data = NULL, *want;
    size_t len = 0;
    struct err err = {0};

    (void)state;
    assert_int_equal(fs_write_atomic(key, "K", 1, 0640, NULL), CP_OK);
    assert_int_equal(fs_read_secret(key, 100, &data, &len, &err), CP_EINVALID);
    assert_null(data);
    expect_msg(&err, str_printf("key file %s is readable by group or others (chmod 600 %s)", key, key));
    assert_int_equal(chmod(key, 0602), 0);
    assert_int_equal(fs_read_secret(key, 100, &data, &len, &err), CP_EINVALID);
    expect_msg(&err, str_printf("key file %s is writable by group or others (chmod 600 %s)", key, key));
    assert_int_equal(chmod(key, 0600), 0);
    assert_int_equal(symlink(key, link), 0);
    assert_int_equal(fs_read_secret(link, 100, &data, &len, &err), CP_EINVALID);
    want = str_printf("key file %s is a symbolic link; give the file it points to", link);
    assert_string_equal(err.msg, want);
    assert_int_equal(fs_read_secret(key, 100, &data, &len, &err), CP_OK);
    assert_string_equal(data, "K");
    secret_free(data, len);
    free(want);
    test_rm_rf(dir);
    free(key);
    free(link);
    free(dir);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* delete: one rename out of certs/, kept whole in deleted/ (names never collide), or purged;
 * a certificate directory replaced by a symlink is refused, never followed. */
static void test_cert_delete(void **state)
{
    char *root = test_tmpdir("cp-store"), *evil = test_tmpdir("cp-evil"), *kept = NULL, *p, *got, **names = NULL;
    struct store *st = NULL;
    struct err err = {0};
    size_t n = 0;

    (void)state;
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    save_version(st, "v1", "CERT1\n", CP_OK);
    save_version(st, "v2", "CERT2\n", CP_OK);
    assert_int_equal(store_cert_delete(st, "example.test", "20260101T000000Z", false, &kept, &err), CP_OK);
    p = str_printf("%s/deleted/example.test-20260101T000000Z", root);
    assert_string_equal(kept, p);
    free(kept);
    free(p);
    p = str_printf("%s/deleted/example.test-20260101T000000Z/archive/v1/privkey.pem", root);
    assert_int_equal(mode_of(p), 0600);
    free(p);
    p = str_printf("%s/deleted/example.test-20260101T000000Z/fullchain.pem", root);
    got = test_slurp(p);
    assert_string_equal(got, "CERT2\nCHAIN\n");  /* the live links still lead to its current version */
    free(got);
    free(p);
    assert_int_equal(store_cert_list(st, &names, &n, &err), CP_OK);
    assert_int_equal(n, 0);
    store_names_free(names, n);
    assert_int_equal(store_cert_delete(st, "example.test", "20260101T000000Z", false, NULL, &err), CP_ENOTFOUND);
    expect_msg(&err, str_printf("no certificate named example.test in %s/certs", root));
    /* the same name deleted again in the same second gets its own archive */
    save_version(st, "v3", "CERT3\n", CP_OK);
    assert_int_equal(store_cert_delete(st, "example.test", "20260101T000000Z", false, &kept, &err), CP_OK);
    assert_non_null(strstr(kept, "/deleted/example.test-20260101T000000Z-2"));
    free(kept);
    /* purge: nothing left, not even a hidden name */
    save_version(st, "v4", "CERT4\n", CP_OK);
    assert_int_equal(store_cert_delete(st, "example.test", "20260101T000000Z", true, &kept, &err), CP_OK);
    assert_null(kept);
    p = str_printf("%s/certs", root);
    assert_int_equal(count_entries(p), 0);
    free(p);
    /* a symlink planted as a certificate directory is not followed */
    plant_link(evil, root, "certs/planted");
    assert_int_equal(store_cert_delete(st, "planted", "20260101T000000Z", true, NULL, &err), CP_EINVALID);
    p = str_printf("%s/certs/planted", root);
    expect_msg(&err, str_printf("%s is a symbolic link; refusing to follow it (remove it)", p));
    free(p);
    assert_int_equal(store_cert_delete(st, "../x", "20260101T000000Z", true, NULL, &err), CP_EUSAGE);
    store_free(st);
    test_rm_rf(root);
    test_rm_rf(evil);
    free(root);
    free(evil);
}

/* Opened read-only, a missing root is an empty store and stays missing. */
static void test_open_read_only(void **state)
{
    char *dir = test_tmpdir("cp-store"), *root = str_printf("%s/none", dir), **names = NULL;
    struct store *st = NULL;
    struct store_cert c = {0};
    struct err err = {0};
    size_t n = 1;
    struct stat sb;

    (void)state;
    assert_int_equal(store_open_read_only(root, &st, &err), CP_OK);
    assert_int_equal(store_cert_list(st, &names, &n, &err), CP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_cert_load(st, "example.test", 0, &c, &err), CP_ENOTFOUND);
    assert_int_not_equal(stat(root, &sb), 0);
    store_free(st);
    test_rm_rf(dir);
    free(root);
    free(dir);
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
        cmocka_unit_test(test_unlock_with_forked_copy),
        cmocka_unit_test(test_cert_load),
        cmocka_unit_test(test_account_key_kept),
        cmocka_unit_test(test_root_permissions),
        cmocka_unit_test(test_dirs_private),
        cmocka_unit_test(test_planted_account_key),
        cmocka_unit_test(test_current_repointed),
        cmocka_unit_test(test_version_redirected),
        cmocka_unit_test(test_lock_symlink),
        cmocka_unit_test(test_stale_temp_version),
        cmocka_unit_test(test_stale_temp_files),
        cmocka_unit_test(test_account_key_rollover),
        cmocka_unit_test(test_account_list),
        cmocka_unit_test(test_journal),
        cmocka_unit_test(test_read_secret),
        cmocka_unit_test(test_cert_delete),
        cmocka_unit_test(test_open_read_only),
        cmocka_unit_test(test_open_existing_missing),
        /* last: it moves this process into its own mount namespace */
        cmocka_unit_test(test_save_full_or_readonly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
