/*
 * solve: the exec hook contract (argv, environment, decline, time limit),
 * the webroot solver's files, and the standalone responder on loopback.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "support/files.h"

#include "http/http.h"
#include "util/exec.h"
#include "solve/solve.h"
#include "util/fsio.h"
#include "util/str.h"

static const struct chal dns_chal = {"dns-01", "www.example.test", "tok_en-1", "txtValue-_x"};
static const struct chal http_chal = {"http-01", "www.example.test", "tok_en-1", "tok_en-1.thumb"};

/* A hook script in dir that logs its argv and CERTPILOT_* values, then runs body. */
static char *write_hook(const char *dir, const char *body)
{
    char *path = str_printf("%s/hook", dir);
    char *text = str_printf("#!/bin/sh\necho \"$* | $CERTPILOT_METHOD $CERTPILOT_TYPE $CERTPILOT_IDENT "
                            "$CERTPILOT_TOKEN $CERTPILOT_AUTH\" >>'%s/log'\n%s\n", dir, body);

    assert_int_equal(fs_write_atomic(path, text, strlen(text), 0755, NULL), CP_OK);
    free(text);
    return path;
}

static void test_hook_contract(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *hook = write_hook(dir, "exit 0"), *log, *logpath;
    struct err err = {0};
    struct solver *s = solver_hook_new(hook, "dns-01", 10, NULL, &err);

    (void)state;
    assert_non_null(s);
    assert_string_equal(s->type, "dns-01");
    assert_int_equal(s->present(s, &dns_chal, &err), CP_OK);
    s->cleanup(s, &dns_chal, true);
    s->cleanup(s, &dns_chal, false);
    logpath = str_printf("%s/log", dir);
    log = test_slurp(logpath);
    assert_string_equal(log,
        "begin dns-01 www.example.test tok_en-1 txtValue-_x | begin dns-01 www.example.test tok_en-1 txtValue-_x\n"
        "done dns-01 www.example.test tok_en-1 txtValue-_x | done dns-01 www.example.test tok_en-1 txtValue-_x\n"
        "failed dns-01 www.example.test tok_en-1 txtValue-_x | failed dns-01 www.example.test tok_en-1 txtValue-_x\n");
    free(log);
    free(logpath);
    solver_free(s);
    free(hook);
    test_rm_rf(dir);
    free(dir);
}

static void test_hook_declines(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *hook = write_hook(dir, "exit 3");
    struct err err = {0};
    struct solver *s = solver_hook_new(hook, "dns-01", 10, NULL, &err);

    (void)state;
    assert_int_equal(s->present(s, &dns_chal, &err), CP_EDECLINED);
    assert_non_null(strstr(err.msg, "declined dns-01 for www.example.test (exit status 3)"));
    solver_free(s);
    free(hook);
    test_rm_rf(dir);
    free(dir);
}

static void test_hook_refuses_odd_values(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *hook = write_hook(dir, "exit 0"), *logpath = str_printf("%s/log", dir);
    struct err err = {0};
    struct solver *s = solver_hook_new(hook, "dns-01", 10, NULL, &err);
    struct chal bad = {"dns-01", "www.example.test;rm -rf /", "tok", "auth"};

    (void)state;
    assert_int_equal(s->present(s, &bad, &err), CP_EINVALID);
    assert_false(fs_exists(logpath));
    solver_free(s);
    free(hook);
    free(logpath);
    test_rm_rf(dir);
    free(dir);
}

/* RFC 8738: an address reaches a hook only in canonical text, with CERTPILOT_IDENT_TYPE=ip. */
static void test_hook_ip_identifier(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *logpath = str_printf("%s/log", dir), *log;
    char *hook = write_hook(dir, "echo \"type=$CERTPILOT_IDENT_TYPE $3\" >>\"$(dirname \"$0\")/types\"");
    char *typespath = str_printf("%s/types", dir);
    static const char *const refused[] = {"2001:DB8::1", "2001:db8:0::1", "::ffff:1.2.3.4", "fe80::1%eth0",
                                          "192.0.2.1;id", ":1", "1:2:3:4:5:6:7:8:9"};
    struct err err = {0};
    struct solver *s = solver_hook_new(hook, "http-01", 10, NULL, &err);
    struct chal c = http_chal;

    (void)state;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        c.ident = refused[i];
        assert_int_equal(s->present(s, &c, &err), CP_EINVALID);
        assert_non_null(strstr(err.msg, "refusing to pass unexpected characters to a hook"));
    }
    assert_false(fs_exists(logpath));
    c.ident = "2001:db8::1";
    assert_int_equal(s->present(s, &c, &err), CP_OK);
    c.ident = "192.0.2.1";
    assert_int_equal(s->present(s, &c, &err), CP_OK);
    assert_int_equal(s->present(s, &http_chal, &err), CP_OK);
    log = test_slurp(typespath);
    assert_string_equal(log, "type=ip 2001:db8::1\ntype=ip 192.0.2.1\ntype=dns www.example.test\n");
    free(log);
    solver_free(s);
    free(hook);
    free(logpath);
    free(typespath);
    test_rm_rf(dir);
    free(dir);
}

static void test_hook_not_executable(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *path = str_printf("%s/plain", dir);
    struct err err = {0};

    (void)state;
    assert_int_equal(fs_write_atomic(path, "x", 1, 0644, NULL), CP_OK);
    assert_null(solver_hook_new(path, "dns-01", 10, NULL, &err));
    assert_int_equal(err.code, CP_EUSAGE);
    assert_null(solver_hook_new(dir, "dns-01", 10, NULL, &err));
    assert_int_equal(err.code, CP_EUSAGE);
    free(path);
    test_rm_rf(dir);
    free(dir);
}

static void test_hook_vanished(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *hook = write_hook(dir, "exit 0"), *want = NULL;
    struct err err = {0};
    struct solver *s = solver_hook_new(hook, "dns-01", 10, NULL, &err);

    (void)state;
    assert_non_null(s);
    assert_int_equal(unlink(hook), 0);
    assert_int_equal(s->present(s, &dns_chal, &err), CP_EIO);
    want = str_printf("hook begin dns-01 www.example.test: cannot run %s: No such file or directory", hook);
    assert_string_equal(err.msg, want);
    /* without a struct err the code must still be the failure */
    assert_int_equal(s->present(s, &dns_chal, NULL), CP_EIO);
    free(want);
    solver_free(s);
    free(hook);
    test_rm_rf(dir);
    free(dir);
}

/* Running, as opposed to gone or a zombie waiting for its reaper. */
static bool running(int pid)
{
    char *path = str_printf("/proc/%d/stat", pid), *stat = NULL, *paren;
    size_t len;
    bool alive = false;

    if (fs_read(path, 4096, &stat, &len, NULL) == CP_OK && (paren = strrchr(stat, ')')) != NULL)
        alive = paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
    free(stat);
    free(path);
    return alive;
}

/* SIGKILL is delivered asynchronously: allow the kernel a moment (bounded). */
static bool gone_soon(int pid)
{
    for (int i = 0; i < 50; i++) {
        if (!running(pid))
            return true;
        usleep(20000);
    }
    return false;
}

static void test_exec_timeout(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *pidfile = str_printf("%s/pid", dir), *hook, *pid;
    /* a child of the hook must not outlive the time-out either, even one that ignores SIGTERM */
    char *body = str_printf("(trap '' TERM; exec sleep 30) &\necho $! >'%s'\nwait", pidfile);
    const char *argv[2];
    struct err err = {0};
    int status;

    (void)state;
    hook = write_hook(dir, body);
    argv[0] = hook;
    argv[1] = NULL;
    assert_int_equal(exec_run(argv, NULL, 1, &status, &err), CP_ETIMEOUT);
    assert_non_null(strstr(err.msg, "did not finish within 1 s"));
    pid = test_slurp(pidfile);
    /* the hook's child is gone with it */
    assert_true(gone_soon(atoi(pid)));
    free(pid);
    free(body);
    free(hook);
    free(pidfile);
    test_rm_rf(dir);
    free(dir);
}

static void test_hook_timeout(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *pidfile = str_printf("%s/pid", dir), *hook, *pid;
    char *body = str_printf("echo $$ >'%s'\nsleep 30", pidfile);
    struct err err = {0};
    struct solver *s;

    (void)state;
    hook = write_hook(dir, body);
    s = solver_hook_new(hook, "dns-01", 1, NULL, &err);
    assert_non_null(s);
    assert_int_equal(s->present(s, &dns_chal, &err), CP_ETIMEOUT);
    assert_int_equal(err.code, CP_ETIMEOUT);
    assert_non_null(strstr(err.msg, "did not finish within 1 s"));
    pid = test_slurp(pidfile);
    assert_true(gone_soon(atoi(pid)));
    free(pid);
    solver_free(s);
    free(body);
    free(hook);
    free(pidfile);
    test_rm_rf(dir);
    free(dir);
}

/* exit codes, signals, the environment, stdin and descriptors a program gets */
static void test_exec_contract(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *out = str_printf("%s/out", dir), *hook, *body, *got, *want, fdarg[16];
    const char *env[] = {"CP_TEST_OVERRIDE=inner", "CP_TEST_NEW=new", NULL};
    const char *argv[4] = {NULL, "7", fdarg, NULL};
    int leak = open("/dev/null", O_RDONLY), status = -1;  /* not close-on-exec on purpose */
    struct err err = {0};

    (void)state;
    body = str_printf("echo \"$CP_TEST_OVERRIDE $CP_TEST_NEW $CP_TEST_KEEP $(readlink /proc/$$/fd/0)\" >'%s'\n"
                      "if [ -e /proc/$$/fd/$2 ]; then echo leaked >>'%s'; fi\n"
                      "[ \"$1\" = kill ] && kill -TERM $$\nexit $1", out, out);
    hook = write_hook(dir, body);
    argv[0] = hook;
    snprintf(fdarg, sizeof(fdarg), "%d", leak);
    assert_true(leak > 2);
    setenv("CP_TEST_OVERRIDE", "outer", 1);
    setenv("CP_TEST_KEEP", "kept", 1);
    assert_int_equal(exec_run(argv, env, 5, &status, &err), CP_OK);
    assert_int_equal(status, 7);
    got = test_slurp(out);
    assert_string_equal(got, "inner new kept /dev/null\n");
    argv[1] = "kill";
    assert_int_equal(exec_run(argv, NULL, 5, &status, &err), CP_OK);
    assert_int_equal(status, 128 + SIGTERM);
    want = str_printf("outer  kept /dev/null\n");
    free(got);
    got = test_slurp(out);
    assert_string_equal(got, want);
    unsetenv("CP_TEST_OVERRIDE");
    unsetenv("CP_TEST_KEEP");
    close(leak);
    free(want);
    free(got);
    free(body);
    free(hook);
    free(out);
    test_rm_rf(dir);
    free(dir);
}

static void test_exec_missing_program(void **state)
{
    const char *argv[] = {"/nonexistent/prog", NULL};
    struct err err = {0};
    int status;

    (void)state;
    assert_int_equal(exec_run(argv, NULL, 5, &status, &err), CP_EIO);
    assert_string_equal(err.msg, "cannot run /nonexistent/prog: No such file or directory");
}

static void test_webroot(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *file = str_printf("%s/.well-known/acme-challenge/tok_en-1", dir), *got;
    char *wk = str_printf("%s/.well-known", dir);
    struct err err = {0};
    struct solver *s = solver_webroot_new(dir, NULL, &err);
    struct chal bad = {"http-01", "x.example.test", "../../etc/passwd", "a"};
    struct chal other = {"http-01", "x.example.test", "tok2", "tok2.thumb"};
    struct stat st;

    (void)state;
    assert_non_null(s);
    assert_int_equal(s->present(s, &http_chal, &err), CP_OK);
    got = test_slurp(file);
    assert_string_equal(got, "tok_en-1.thumb");
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(s->present(s, &bad, &err), CP_EINVALID);
    assert_int_equal(err.code, CP_EINVALID);
    bad.token = "a/b";
    assert_int_equal(s->present(s, &bad, &err), CP_EINVALID);
    assert_int_equal(s->present(s, &other, &err), CP_OK);
    s->cleanup(s, &http_chal, true);
    assert_false(fs_exists(file));
    assert_true(fs_exists(wk)); /* still holds the other challenge */
    s->cleanup(s, &other, false);
    assert_false(fs_exists(wk)); /* the directories it made are gone with the last file */
    solver_free(s);
    assert_null(solver_webroot_new("/nonexistent/www", NULL, &err));
    assert_int_equal(err.code, CP_EUSAGE);
    free(got);
    free(file);
    free(wk);
    test_rm_rf(dir);
    free(dir);
}

static void test_webroot_keeps_existing_dirs(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *wk = str_printf("%s/.well-known", dir);
    struct err err = {0};
    struct solver *s = NULL;

    (void)state;
    assert_int_equal(mkdir(wk, 0700), 0);
    s = solver_webroot_new(dir, NULL, &err);
    assert_non_null(s);
    assert_int_equal(s->present(s, &http_chal, &err), CP_OK);
    s->cleanup(s, &http_chal, true);
    solver_free(s);
    assert_true(fs_exists(wk)); /* not ours to remove */
    free(wk);
    test_rm_rf(dir);
    free(dir);
}

static long fetch_m(struct http_transport *t, const char *method, const char *host, int port, const char *token,
                    char **body)
{
    char *url = str_printf("http://%s:%d/.well-known/acme-challenge/%s", host, port, token);
    struct http_response r = {0};
    struct err err = {0};
    long status;

    assert_int_equal(http_send(t, &(struct http_request){method, url, NULL, NULL, 0}, &r, &err), CP_OK);
    if (r.status == 200)
        assert_string_equal(http_header_get(&r, "Content-Type"), "text/plain");
    status = r.status;
    *body = buf_steal(&r.body);
    http_response_free(&r);
    free(url);
    return status;
}

static long fetch(struct http_transport *t, const char *host, int port, const char *token, char **body)
{
    return fetch_m(t, "GET", host, port, token, body);
}

static void test_standalone(void **state)
{
    const char *listen[] = {"127.0.0.1:0", "[::1]:0"};
    struct http_opts o = {.timeout_s = 5};
    struct err err = {0};
    struct http_transport *t = http_curl_new(&o, &err);
    struct solver *s = solver_standalone_new(listen, 2, NULL, &err);
    int p4, p6;
    char *body = NULL;

    (void)state;
    assert_non_null(s);
    p4 = solver_standalone_port(s, 0);
    p6 = solver_standalone_port(s, 1);
    assert_true(p4 > 0 && p6 > 0);
    assert_int_equal(s->present(s, &http_chal, &err), CP_OK);
    assert_int_equal(fetch(t, "127.0.0.1", p4, "tok_en-1", &body), 200);
    assert_string_equal(body, "tok_en-1.thumb");
    free(body);
    assert_int_equal(fetch(t, "[::1]", p6, "tok_en-1", &body), 200);
    assert_string_equal(body, "tok_en-1.thumb");
    free(body);
    assert_int_equal(fetch(t, "127.0.0.1", p4, "other", &body), 404);
    free(body);
    assert_int_equal(fetch_m(t, "HEAD", "127.0.0.1", p4, "tok_en-1", &body), 200);
    assert_null(body);
    assert_int_equal(fetch_m(t, "POST", "127.0.0.1", p4, "tok_en-1", &body), 404);
    free(body);
    s->cleanup(s, &http_chal, true);
    assert_int_equal(fetch(t, "127.0.0.1", p4, "tok_en-1", &body), 404);
    free(body);
    solver_free(s);
    http_transport_free(t);
}

/* Review 22, finding 5: a connection from 127.0.0.2 that sends one byte and then idles. */
static int idle_connection(int port)
{
    struct sockaddr_in from = {0}, to = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    from.sin_family = to.sin_family = AF_INET;
    from.sin_addr.s_addr = htonl(0x7f000002);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons((uint16_t)port);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(write(fd, "G", 1), 1);
    return fd;
}

/* 100 idle connections from one address (the attacker, 127.0.0.2) use up only that
 * address's share; the CA's request (from 127.0.0.1) is still answered. */
static void test_standalone_idle_flood(void **state)
{
    const char *listen[] = {"127.0.0.1:0"};
    struct http_opts o = {.timeout_s = 5};
    struct err err = {0};
    struct http_transport *t = http_curl_new(&o, &err);
    struct solver *s = solver_standalone_new(listen, 1, NULL, &err);
    struct timespec settle = {0, 300 * 1000000L};
    int fds[100], port;
    char *body = NULL;

    (void)state;
    assert_non_null(s);
    port = solver_standalone_port(s, 0);
    assert_int_equal(s->present(s, &http_chal, &err), CP_OK);
    for (size_t i = 0; i < 100; i++)
        fds[i] = idle_connection(port);
    nanosleep(&settle, NULL); /* the responder has accepted (and dropped) them by now */
    assert_int_equal(fetch(t, "127.0.0.1", port, "tok_en-1", &body), 200);
    assert_string_equal(body, "tok_en-1.thumb");
    free(body);
    for (size_t i = 0; i < 100; i++)
        close(fds[i]);
    solver_free(s);
    http_transport_free(t);
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    assert_non_null(d);
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* What a user can do about a port that is taken or needs root; other errors as they are. */
static void test_standalone_bind_hints(void **state)
{
    struct err err = {0};

    (void)state;
    assert_int_equal(solver_standalone_bind_error("0.0.0.0:80", 80, EADDRINUSE, &err), CP_EIO);
    assert_string_equal(err.msg, "cannot listen on 0.0.0.0:80: port 80 is in use (a web server? stop it "
                        "with --pre-hook, or use --webroot)");
    assert_int_equal(solver_standalone_bind_error("[::]:80", 80, EACCES, &err), CP_EIO);
    assert_string_equal(err.msg, "cannot listen on [::]:80: port 80 is below 1024 and needs root (or "
                        "CAP_NET_BIND_SERVICE), or use --webroot");
    assert_int_equal(solver_standalone_bind_error("0.0.0.0:8080", 8080, EACCES, &err), CP_EIO);
    assert_string_equal(err.msg, "cannot listen on 0.0.0.0:8080: Permission denied");
    assert_int_equal(solver_standalone_bind_error("192.0.2.1:80", 80, EADDRNOTAVAIL, &err), CP_EIO);
    assert_string_equal(err.msg, "cannot listen on 192.0.2.1:80: Cannot assign requested address");
}

static void test_standalone_busy_port(void **state)
{
    const char *first[] = {"127.0.0.1:0"};
    char spec[64], want[256];
    const char *second[] = {spec};
    static const char *const bad[] = {"localhost:80", "::1:80", "127.0.0.1:99999", "127.0.0.1:", "[::1]80",
                                      "127.0.0.1"};
    struct err err = {0};
    int fds = open_fds();
    struct solver *a = solver_standalone_new(first, 1, NULL, &err), *b;

    (void)state;
    assert_non_null(a);
    snprintf(spec, sizeof(spec), "127.0.0.1:%d", solver_standalone_port(a, 0));
    b = solver_standalone_new(second, 1, NULL, &err);
    assert_null(b);
    assert_int_equal(err.code, CP_EIO);
    snprintf(want, sizeof(want), "cannot listen on %s: port %d is in use (a web server? stop it with "
             "--pre-hook, or use --webroot)", spec, solver_standalone_port(a, 0));
    assert_string_equal(err.msg, want);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err_clear(&err);
        assert_null(solver_standalone_new(&bad[i], 1, NULL, &err));
        assert_int_equal(err.code, CP_EUSAGE);
    }
    solver_free(a);
    assert_int_equal(open_fds(), fds); /* every socket we bound is closed again */
}

/* A symlinked .well-known or acme-challenge is refused: the file named like the
 * token where it points is neither overwritten nor deleted. */
static void test_webroot_symlink(void **state)
{
    const char *links[] = {".well-known/acme-challenge", ".well-known"};
    char *dir = NULL, *evil = NULL, *victim = NULL, *got = NULL, *want = NULL, *p = NULL;
    struct err err = {0};
    struct solver *s = NULL;

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        dir = test_tmpdir("cp-solve");
        evil = test_tmpdir("cp-evil");
        p = str_printf("%s/acme-challenge", evil);
        assert_int_equal(mkdir(p, 0755), 0);
        free(p);
        /* the link points at evil/acme-challenge (i == 0) or at evil (i == 1): same victim */
        victim = str_printf("%s/acme-challenge/tok_en-1", evil);
        assert_int_equal(fs_write_atomic(victim, "precious", 8, 0644, NULL), CP_OK);
        p = str_printf("%s/.well-known", dir);
        if (i == 0)
            assert_int_equal(mkdir(p, 0755), 0);
        free(p);
        p = str_printf("%s/%s", dir, links[i]);
        want = str_printf(i == 0 ? "%s/acme-challenge" : "%s", evil);
        assert_int_equal(symlink(want, p), 0);
        free(want);
        assert_non_null(s = solver_webroot_new(dir, NULL, &err));
        assert_int_equal(s->present(s, &http_chal, &err), CP_EINVALID);
        want = str_printf("%s is a symbolic link; refusing to follow it (use the directory it points to as "
                          "the web root)", p);
        assert_string_equal(err.msg, want);
        s->cleanup(s, &http_chal, false);
        solver_free(s);
        got = test_slurp(victim);
        assert_string_equal(got, "precious");
        free(got);
        free(want);
        free(p);
        free(victim);
        test_rm_rf(dir);
        test_rm_rf(evil);
        free(dir);
        free(evil);
    }
}

/* A hook never sees certpilot's own secrets, whatever our environment holds. */
static void test_exec_no_secrets(void **state)
{
    static const char *const secret[] = EXEC_SECRET_ENV;
    char *dir = test_tmpdir("cp-solve"), *out = str_printf("%s/env", dir), *hook, *body, *got;
    const char *argv[2] = {NULL, NULL};
    const char *extra[] = {"CERTPILOT_PKCS12_PASSWORD=given", NULL};
    int status = -1;
    struct err err = {0};

    (void)state;
    for (size_t i = 0; secret[i] != NULL; i++)
        setenv(secret[i], "s3cret", 1);
    setenv("CP_TEST_KEEP", "kept", 1);
    body = str_printf("env >'%s'", out);
    argv[0] = hook = write_hook(dir, body);
    assert_int_equal(exec_run(argv, NULL, 5, &status, &err), CP_OK);
    got = test_slurp(out);
    assert_null(strstr(got, "s3cret"));
    assert_non_null(strstr(got, "CP_TEST_KEEP=kept"));
    free(got);
    /* a caller that hands one over on purpose says so in extra_env */
    assert_int_equal(exec_run(argv, extra, 5, &status, &err), CP_OK);
    got = test_slurp(out);
    assert_null(strstr(got, "s3cret"));
    assert_non_null(strstr(got, "CERTPILOT_PKCS12_PASSWORD=given"));
    for (size_t i = 0; secret[i] != NULL; i++)
        unsetenv(secret[i]);
    unsetenv("CP_TEST_KEEP");
    free(got);
    free(body);
    free(hook);
    free(out);
    test_rm_rf(dir);
    free(dir);
}

/* The pid a hook wrote to path, waiting for it (bounded); 0 when it never came. */
static int wait_pid_file(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    int pid = 0;

    for (int i = 0; i < 250 && pid == 0; i++) {
        if (fs_read(path, 64, &text, &len, NULL) == CP_OK && strchr(text, '\n') != NULL)
            pid = atoi(text);
        free(text);
        text = NULL;
        if (pid == 0)
            usleep(20000);
    }
    return pid;
}

/* SIGKILL the process running exec_run while the hook sleeps: the hook goes with it. */
static void test_exec_dies_with_parent(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *pidfile = str_printf("%s/pid", dir), *hook, *body;
    const char *argv[2] = {NULL, NULL};
    int status = -1, hook_pid;
    pid_t runner;

    (void)state;
    body = str_printf("echo $$ >'%s.tmp' && mv '%s.tmp' '%s'\nexec sleep 30", pidfile, pidfile, pidfile);
    argv[0] = hook = write_hook(dir, body);
    runner = fork();
    assert_true(runner >= 0);
    if (runner == 0) {
        struct err err = {0};
        _exit(exec_run(argv, NULL, 60, &status, &err) == CP_OK ? 0 : 1);
    }
    hook_pid = wait_pid_file(pidfile);
    assert_true(hook_pid > 0);
    assert_true(running(hook_pid));
    assert_int_equal(kill(runner, SIGKILL), 0);
    assert_int_equal(waitpid(runner, &status, 0), runner);
    assert_true(gone_soon(hook_pid));
    kill(hook_pid, SIGKILL);  /* only if the test failed */
    free(body);
    free(hook);
    free(pidfile);
    test_rm_rf(dir);
    free(dir);
}

/* A journal kept in memory: the last array the solver saved. */
struct mem_journal {
    json_t *last;
    int saves;
    int fail;               /* CP_* to return from save, 0 to accept */
    const char *hook_log;   /* the hook's log: it must not exist at the first save */
    bool hook_ran_first;
};

static int mem_save(void *user, const json_t *presented, struct err *err)
{
    struct mem_journal *m = user;

    if (m->fail != 0)
        return err_set(err, m->fail, "journal is full");
    if (m->saves == 0)
        m->hook_ran_first = fs_exists(m->hook_log);
    json_decref(m->last);
    m->last = json_deep_copy(presented);
    m->saves++;
    return CP_OK;
}

/* What is presented is in the journal before begin runs, and out of it after cleanup. */
static void test_hook_journal(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *logpath = str_printf("%s/log", dir), *log;
    char *hook = write_hook(dir, "[ \"$1\" != begin ] || [ \"$3\" != no.example.test ]");
    struct mem_journal m = {NULL, 0, 0, logpath, false};
    struct solver_journal j = {mem_save, &m};
    struct chal no = {"dns-01", "no.example.test", "tok2", "txt2"};
    struct err err = {0};
    struct solver *s = solver_hook_new(hook, "dns-01", 10, NULL, &err);
    json_t *want = json_pack("[{s:s, s:s, s:s, s:s}]", "type", "dns-01", "ident", "www.example.test",
                             "token", "tok_en-1", "auth", "txtValue-_x");

    (void)state;
    assert_non_null(s);
    solver_set_journal(s, &j);
    assert_int_equal(s->present(s, &dns_chal, &err), CP_OK);
    assert_false(m.hook_ran_first);  /* recorded before begin ran */
    assert_true(json_equal(m.last, want));
    /* a declined begin is not left in the journal */
    assert_int_equal(s->present(s, &no, &err), CP_EDECLINED);
    assert_true(json_equal(m.last, want));
    s->cleanup(s, &dns_chal, true);
    assert_int_equal(json_array_size(m.last), 0);
    /* no record, no hook */
    m.fail = CP_EIO;
    assert_int_equal(s->present(s, &dns_chal, &err), CP_EIO);
    assert_string_equal(err.msg, "hook begin dns-01 www.example.test: journal is full");
    log = test_slurp(logpath);
    assert_string_equal(log, "begin dns-01 www.example.test tok_en-1 txtValue-_x | begin dns-01 www.example.test tok_en-1 txtValue-_x\n"
                             "begin dns-01 no.example.test tok2 txt2 | begin dns-01 no.example.test tok2 txt2\n"
                             "done dns-01 www.example.test tok_en-1 txtValue-_x | done dns-01 www.example.test tok_en-1 txtValue-_x\n");
    free(log);
    solver_free(s);
    json_decref(m.last);
    json_decref(want);
    free(hook);
    free(logpath);
    test_rm_rf(dir);
    free(dir);
}

/* The run after a crash runs `failed` for what the dead run left presented. */
static void test_hook_recover(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *hook = write_hook(dir, "exit 0"), *logpath = str_printf("%s/log", dir);
    char *log;
    json_t *left = json_pack("[{s:s, s:s, s:s, s:s}, {s:s}]", "type", "dns-01", "ident", "www.example.test",
                             "token", "tok_en-1", "auth", "txtValue-_x", "type", "odd");
    struct err err = {0};
    struct solver *s = solver_hook_new(hook, "dns-01", 10, NULL, &err), *w = solver_webroot_new(dir, NULL, &err);

    (void)state;
    assert_non_null(s);
    assert_non_null(w);
    assert_int_equal(solver_recover(s, left, &err), CP_OK);
    log = test_slurp(logpath);
    assert_string_equal(log, "failed dns-01 www.example.test tok_en-1 txtValue-_x | "
                             "failed dns-01 www.example.test tok_en-1 txtValue-_x\n");
    assert_int_equal(solver_recover(w, left, &err), CP_EUSAGE);
    free(log);
    solver_free(s);
    solver_free(w);
    json_decref(left);
    free(hook);
    free(logpath);
    test_rm_rf(dir);
    free(dir);
}

/* Without its own timeout setting, a hook's limit is the bound solver_new gets (the issue's). */
static void test_hook_timeout_from_issue(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *hook = write_hook(dir, "exec sleep 30");
    struct kv items[] = {{"program", hook}};
    struct kvlist settings = {items, 1};
    struct err err = {0};
    struct solver *s = solver_new("hook", &settings, &(struct solver_env){.timeout_s = 1}, &err);

    (void)state;
    assert_non_null(s);
    assert_int_equal(s->present(s, &dns_chal, &err), CP_ETIMEOUT);
    assert_non_null(strstr(err.msg, "did not finish within 1 s"));
    solver_free(s);
    free(hook);
    test_rm_rf(dir);
    free(dir);
}

/* certbot's manual hooks: no argv, CERTBOT_* variables; cleanup only when given. */
static void test_hook_certbot_contract(void **state)
{
    char *dir = test_tmpdir("cp-solve"), *auth = str_printf("%s/auth", dir), *clean = str_printf("%s/clean", dir);
    char *logpath = str_printf("%s/log", dir), *log;
    char *body = str_printf("#!/bin/sh\necho \"$0 [$*] $CERTBOT_DOMAIN $CERTBOT_VALIDATION $CERTBOT_TOKEN "
                            "$CERTBOT_REMAINING_CHALLENGES\" >>'%s'\n", logpath);
    struct kv items[] = {{"program", auth}, {"contract", "certbot"}, {"cleanup", clean}};
    struct kvlist settings = {items, 3};
    struct err err = {0};
    struct solver *s;

    (void)state;
    assert_int_equal(fs_write_atomic(auth, body, strlen(body), 0755, NULL), CP_OK);
    assert_int_equal(fs_write_atomic(clean, body, strlen(body), 0755, NULL), CP_OK);
    assert_non_null(s = solver_new("hook", &settings, NULL, &err));
    assert_int_equal(s->present(s, &dns_chal, &err), CP_OK);
    s->cleanup(s, &dns_chal, true);
    solver_free(s);
    settings.n = 2;  /* no cleanup hook: nothing runs on cleanup */
    assert_non_null(s = solver_new("hook", &settings, NULL, &err));
    assert_int_equal(s->present(s, &http_chal, &err), CP_OK);
    s->cleanup(s, &http_chal, false);
    solver_free(s);
    log = test_slurp(logpath);
    char *want = str_printf("%s [] www.example.test txtValue-_x tok_en-1 0\n%s [] www.example.test txtValue-_x "
                            "tok_en-1 0\n%s [] www.example.test tok_en-1.thumb tok_en-1 0\n", auth, clean, auth);
    assert_string_equal(log, want);
    items[1].value = "acme.sh";
    assert_null(solver_new("hook", &settings, NULL, &err));
    assert_string_equal(err.msg, "hook solver: contract \"acme.sh\" is not uacme or certbot");
    items[1] = (struct kv){"cleanup", clean};
    assert_null(solver_new("hook", &settings, NULL, &err));
    assert_string_equal(err.msg, "hook solver: cleanup is only for contract=certbot");
    items[1] = (struct kv){"contract", "certbot"};
    items[2].value = dir;
    settings.n = 3;
    assert_null(solver_new("hook", &settings, NULL, &err));
    free(want);
    want = str_printf("hook %s: not an executable file", dir);
    assert_string_equal(err.msg, want);
    free(want);
    free(log);
    free(body);
    free(logpath);
    free(auth);
    free(clean);
    test_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hook_contract),
        cmocka_unit_test(test_hook_certbot_contract),
        cmocka_unit_test(test_hook_declines),
        cmocka_unit_test(test_hook_refuses_odd_values),
        cmocka_unit_test(test_hook_ip_identifier),
        cmocka_unit_test(test_hook_not_executable),
        cmocka_unit_test(test_hook_vanished),
        cmocka_unit_test(test_hook_timeout),
        cmocka_unit_test(test_exec_timeout),
        cmocka_unit_test(test_exec_contract),
        cmocka_unit_test(test_exec_missing_program),
        cmocka_unit_test(test_webroot),
        cmocka_unit_test(test_webroot_keeps_existing_dirs),
        cmocka_unit_test(test_standalone),
        cmocka_unit_test(test_standalone_busy_port),
        cmocka_unit_test(test_standalone_bind_hints),
        cmocka_unit_test(test_standalone_idle_flood),
        cmocka_unit_test(test_webroot_symlink),
        cmocka_unit_test(test_exec_no_secrets),
        cmocka_unit_test(test_exec_dies_with_parent),
        cmocka_unit_test(test_hook_journal),
        cmocka_unit_test(test_hook_recover),
        cmocka_unit_test(test_hook_timeout_from_issue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
