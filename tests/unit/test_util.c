/*
 * util/str's sanitiser: server text loses everything that steers a
 * terminal (ESC sequences, C1 CSI, bidi overrides) and invalid UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/files.h"
#include "util/err.h"
#include "util/exec.h"
#include "util/fsio.h"
#include "util/str.h"

static void check(const char *in, const char *want)
{
    char buf[256];

    snprintf(buf, sizeof(buf), "%s", in);
    str_sanitize(buf);
    assert_string_equal(buf, want);
}

/* A variable a target names as holding a secret (password_env) is left out of a child's
 * environment when the caller names it, and only then; a longer name that starts with it stays. */
static void test_exec_strip(void **state)
{
    const char *argv[] = {"/bin/sh", "-c", "test -z \"${CP_TEST_PFX+x}\" && test -n \"$CP_TEST_PFX2\"", NULL};
    const char *strip[] = {"CP_TEST_PFX", NULL};
    struct err err = {0};
    int status = -1;

    (void)state;
    assert_int_equal(setenv("CP_TEST_PFX", "hunter2", 1), 0);
    assert_int_equal(setenv("CP_TEST_PFX2", "kept", 1), 0);
    assert_int_equal(exec_run_strip(argv, NULL, strip, 5, &status, &err), CP_OK);
    assert_int_equal(status, 0);
    assert_int_equal(exec_run(argv, NULL, 5, &status, &err), CP_OK);
    assert_int_equal(status, 1);  /* not named: inherited as before */
    unsetenv("CP_TEST_PFX");
    unsetenv("CP_TEST_PFX2");
}

/* Once the run is interrupted a program that would stop then is not started, and one that
 * still runs then (a cleanup) is; a second interruption starts nothing at all. */
static void test_exec_cancel_before_start(void **state)
{
    const char *argv[] = {"/bin/true", NULL};
    volatile sig_atomic_t cancel = 1;
    struct exec_opts o = {.cancel = &cancel, .timeout_s = 5};
    struct err err = {0};
    int status = -1;

    (void)state;
    assert_int_equal(exec_run_opts(argv, &o, &status, &err), CP_EINTR);
    assert_string_equal(err.msg, "/bin/true was not started: interrupted");
    o.stop = EXEC_STOP_SECOND;
    assert_int_equal(exec_run_opts(argv, &o, &status, &err), CP_OK);
    assert_int_equal(status, 0);
    cancel = 2;
    assert_int_equal(exec_run_opts(argv, &o, &status, &err), CP_EINTR);
}

static void *interrupt_later(void *arg)
{
    struct timespec ts = {0, 300 * 1000000L};

    nanosleep(&ts, NULL);
    *(volatile sig_atomic_t *)arg = 1;
    return NULL;
}

/* An interruption while a program runs stops its whole process group at once (not at
 * the time limit), its children too. */
static void test_exec_cancel_stops_group(void **state)
{
    char dir[] = "/tmp/cp-exec-XXXXXX", path[64], cmd[160];
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    volatile sig_atomic_t cancel = 0;
    struct exec_opts o = {.cancel = &cancel, .timeout_s = 60};
    struct err err = {0};
    int status = -1;
    long child = 0;
    time_t t0 = time(NULL);
    pthread_t th;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/pid", dir);
    snprintf(cmd, sizeof(cmd), "sleep 60 & echo $! > %s; sleep 60", path);
    assert_int_equal(pthread_create(&th, NULL, interrupt_later, (void *)&cancel), 0);
    assert_int_equal(exec_run_opts(argv, &o, &status, &err), CP_EINTR);
    pthread_join(th, NULL);
    assert_string_equal(err.msg, "/bin/sh was interrupted");
    assert_true(time(NULL) - t0 < 10);
    assert_non_null(f = fopen(path, "r"));
    assert_int_equal(fscanf(f, "%ld", &child), 1);
    fclose(f);
    for (int i = 0; i < 100 && kill((pid_t)child, 0) == 0; i++)  /* until init has reaped it */
        nanosleep(&(struct timespec){0, 20 * 1000000L}, NULL);
    assert_int_not_equal(kill((pid_t)child, 0), 0);
    unlink(path);
    rmdir(dir);
}

static void test_sanitize_escape(void **state)
{
    (void)state;
    /* ESC [ 2 J clears a screen: the ESC goes, the harmless rest stays */
    check("a\x1b[2Jb", "a[2Jb");
    check("bell\a del\x7f nul-less", "bell del nul-less");
    check("two\nlines\r\tand tab", "two lines  and tab");
}

static void test_sanitize_c1(void **state)
{
    (void)state;
    /* U+009B (CSI as a C1 control) encoded as UTF-8 C2 9B, and U+0085 (NEL) */
    check("x\xc2\x9b" "31mred\xc2\x85y", "x31mredy");
    /* U+00A0 and U+00E9 just above the C1 range stay */
    check("caf\xc3\xa9\xc2\xa0!", "caf\xc3\xa9\xc2\xa0!");
}

static void test_sanitize_bidi(void **state)
{
    (void)state;
    /* U+202E RIGHT-TO-LEFT OVERRIDE would make "exe.txt" read backwards */
    check("evil\xe2\x80\xaetxt.exe", "eviltxt.exe");
    check("\xe2\x81\xa6" "iso\xe2\x81\xa9", "iso");  /* U+2066 .. U+2069 */
    check("\xe2\x80\xaa\xe2\x80\xad", "");           /* U+202A, U+202D */
    check("\xe2\x80\xa9ok", "\xe2\x80\xa9ok");       /* U+2029 is not a bidi control */
}

static void test_sanitize_invalid_utf8(void **state)
{
    (void)state;
    check("a\xff" "b", "a?b");
    check("\xc0\xaf", "??");                 /* overlong '/' */
    check("\xed\xa0\x80", "???");            /* a UTF-16 surrogate */
    check("\xf4\x90\x80\x80", "????");       /* above U+10FFFF */
    check("cut\xe2\x80", "cut??");           /* truncated sequence at the end */
    check("\xf0\x9f\x94\x92 lock", "\xf0\x9f\x94\x92 lock");
    str_sanitize(NULL);
}

/* err_set runs every message through the sanitiser. */
static void test_err_sanitized(void **state)
{
    struct err e = {0};

    (void)state;
    err_set(&e, CP_EACME, "CA says %s", "\x1b]0;pwned\a\xe2\x80\xae!");
    assert_string_equal(e.msg, "CA says ]0;pwned!");
}

/* fsio's path walk (review 22, finding 4). A tree under a fresh root-owned
 * directory: svc/ belongs to nobody (a service user), victim/ to root. */
struct walk_fix {
    char *dir, *svc, *victim, *victim_file;
    uid_t nobody;
};

static void walk_setup(struct walk_fix *f)
{
    struct passwd *pw = getpwnam("nobody");

    if (geteuid() != 0 || pw == NULL)
        skip(); /* a planted link needs another user: run as root */
    f->nobody = pw->pw_uid;
    f->dir = test_tmpdir("cp-walk");
    f->svc = str_printf("%s/svc", f->dir);
    f->victim = str_printf("%s/victim", f->dir);
    f->victim_file = str_printf("%s/victim/cert.pem", f->dir);
    assert_int_equal(mkdir(f->svc, 0755), 0);
    assert_int_equal(chown(f->svc, f->nobody, (gid_t)-1), 0);
    assert_int_equal(mkdir(f->victim, 0755), 0);
}

static void walk_teardown(struct walk_fix *f)
{
    test_rm_rf(f->dir);
    free(f->dir);
    free(f->svc);
    free(f->victim);
    free(f->victim_file);
}

static int write_as_nobody(const struct walk_fix *f, const char *path, struct err *err)
{
    const struct fs_attrs a = {0644, f->nobody, (gid_t)-1};

    return fs_write_atomic_as(path, "cert", 4, &a, err);
}

/* The service user's link svc/tls -> victim: refused, nothing written where it points. */
static void test_fsio_planted_link_refused(void **state)
{
    struct walk_fix f;
    struct err err = {0};
    char *link, *path, *want;

    (void)state;
    walk_setup(&f);
    link = str_printf("%s/tls", f.svc);
    path = str_printf("%s/cert.pem", link);
    assert_int_equal(symlink(f.victim, link), 0);
    assert_int_equal(lchown(link, f.nobody, (gid_t)-1), 0);
    assert_int_equal(write_as_nobody(&f, path, &err), CP_EINVALID);
    want = str_printf("refusing to write %s: %s is a symbolic link of uid %ld; give the directory it points to",
                      path, link, (long)f.nobody);
    assert_string_equal(err.msg, want);
    assert_false(fs_exists(f.victim_file));
    free(want);
    free(path);
    free(link);
    walk_teardown(&f);
}

/* Root's own link, but in a directory others can write (anyone could have swapped it): refused. */
static void test_fsio_link_in_writable_dir_refused(void **state)
{
    struct walk_fix f;
    struct err err = {0};
    char *shared, *link, *path, *want;

    (void)state;
    walk_setup(&f);
    shared = str_printf("%s/shared", f.dir);
    link = str_printf("%s/tls", shared);
    path = str_printf("%s/cert.pem", link);
    assert_int_equal(mkdir(shared, 0777), 0);
    assert_int_equal(chmod(shared, 01777), 0);
    assert_int_equal(symlink(f.victim, link), 0);
    assert_int_equal(write_as_nobody(&f, path, &err), CP_EINVALID);
    want = str_printf("refusing to write %s: %s is a symbolic link in a directory others can write; "
                      "give the directory it points to", path, link);
    assert_string_equal(err.msg, want);
    assert_false(fs_exists(f.victim_file));
    free(want);
    free(path);
    free(link);
    free(shared);
    walk_teardown(&f);
}

/* Root's links in root's directories are followed, relative and absolute, chained;
 * a link as the final name is replaced, not followed. */
static void test_fsio_root_links_followed(void **state)
{
    struct walk_fix f;
    struct err err = {0};
    char *rel, *abs, *path, *final;
    struct stat st;

    (void)state;
    walk_setup(&f);
    rel = str_printf("%s/rel", f.dir);
    abs = str_printf("%s/abs", f.dir);
    path = str_printf("%s/./cert.pem", abs);
    final = str_printf("%s/final.pem", f.victim);
    assert_int_equal(symlink("victim", rel), 0);
    assert_int_equal(symlink(rel, abs), 0);
    assert_int_equal(write_as_nobody(&f, path, &err), CP_OK);
    assert_int_equal(stat(f.victim_file, &st), 0);
    assert_int_equal(st.st_uid, f.nobody);
    assert_int_equal(symlink(f.victim_file, final), 0);
    assert_int_equal(write_as_nobody(&f, final, &err), CP_OK);
    assert_int_equal(lstat(final, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    free(final);
    free(path);
    free(abs);
    free(rel);
    walk_teardown(&f);
}

/* A missing directory on the way is CP_ENOTFOUND, naming it. */
static void test_fsio_missing_dir(void **state)
{
    char *dir = test_tmpdir("cp-walk"), *path = str_printf("%s/no/such/cert.pem", dir), *want;
    struct err err = {0};

    (void)state;
    assert_int_equal(fs_check_parent(path, &err), CP_ENOTFOUND);
    want = str_printf("cannot create %s: %s/no: No such file or directory", path, dir);
    assert_string_equal(err.msg, want);
    free(want);
    free(path);
    test_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_strip),
        cmocka_unit_test(test_sanitize_escape),
        cmocka_unit_test(test_sanitize_c1),
        cmocka_unit_test(test_sanitize_bidi),
        cmocka_unit_test(test_sanitize_invalid_utf8),
        cmocka_unit_test(test_err_sanitized),
        cmocka_unit_test(test_exec_cancel_before_start),
        cmocka_unit_test(test_exec_cancel_stops_group),
        cmocka_unit_test(test_fsio_planted_link_refused),
        cmocka_unit_test(test_fsio_link_in_writable_dir_refused),
        cmocka_unit_test(test_fsio_root_links_followed),
        cmocka_unit_test(test_fsio_missing_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
