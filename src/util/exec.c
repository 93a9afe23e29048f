/*
 * util/exec — run a hook: fork + execve with an argv list (no shell, no
 * PATH search), stdin from /dev/null, our descriptors closed, extra
 * environment on top of ours, and a time limit enforced on the hook's
 * whole process group.
 */
#define _GNU_SOURCE /* pipe2, close_range */
#include "util/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/str.h"

#define DEFAULT_TIMEOUT_S 300
#define KILL_GRACE_MS 2000
#define POLL_MS 20

extern char **environ;

static size_t count(const char *const *v)
{
    size_t n = 0;

    while (v != NULL && v[n] != NULL)
        n++;
    return n;
}

/* Does "NAME=..." in env name the same variable as set? */
static bool same_name(const char *env, const char *set)
{
    size_t n = strcspn(set, "=");

    return strncmp(env, set, n) == 0 && env[n] == '=';
}

/* Does "NAME=..." in env name the variable called name? */
static bool is_named(const char *env, const char *name)
{
    size_t n = strlen(name);

    return n > 0 && strncmp(env, name, n) == 0 && env[n] == '=';
}

/* Is env one of the variables a child must not inherit: our secrets, those the caller names,
 * or a name extra sets? */
static bool left_out(const char *env, const char *const strip[], const char *const extra[], size_t nx)
{
    static const char *const secret[] = EXEC_SECRET_ENV;

    for (size_t j = 0; secret[j] != NULL; j++)
        if (same_name(env, secret[j]))
            return true;
    for (size_t j = 0; strip != NULL && strip[j] != NULL; j++)
        if (is_named(env, strip[j]))
            return true;
    for (size_t j = 0; j < nx; j++)
        if (same_name(env, extra[j]))
            return true;
    return false;
}

/* Our environment without our secrets, with extra's names replaced and added. Pointers
 * are borrowed; built before fork because the child may only make async-signal-safe calls. */
static const char **build_env(const char *const extra[], const char *const strip[])
{
    size_t ne = count((const char *const *)environ), nx = count(extra), k = 0;
    const char **env = calloc(ne + nx + 1, sizeof(char *));

    if (env == NULL)
        return NULL;
    for (size_t i = 0; i < ne; i++)
        if (!left_out(environ[i], strip, extra, nx))
            env[k++] = environ[i];
    for (size_t j = 0; j < nx; j++)
        env[k++] = extra[j];
    return env;
}

/* Close every descriptor above 2 but keep; max_fd is the fallback bound (no close_range). */
static void close_others(int keep, int max_fd)
{
    if (close_range(3, (unsigned)keep - 1, 0) == 0 && close_range((unsigned)keep + 1, ~0U, 0) == 0)
        return;
    for (int fd = 3; fd < max_fd; fd++)
        if (fd != keep)
            close(fd);
}

/* Hand errno to the parent through the close-on-exec pipe and give up. */
_Noreturn static void child_fail(int errfd, int e)
{
    if (write(errfd, &e, sizeof(e)) < 0)
        _exit(127);
    _exit(127);
}

/* In the child of a possibly threaded parent: only async-signal-safe calls until execve. */
static void child(const char *const argv[], const char **env, int errfd, int max_fd, pid_t parent)
{
    int devnull;
    sigset_t none;

    /* die with us: a hook must not outlive a killed certpilot and act on a run that is
     * over; the getppid() check closes the window in which we died before the prctl */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        child_fail(errfd, errno);
    if (getppid() != parent)
        _exit(127);
    devnull = open("/dev/null", O_RDONLY);
    /* its own process group, so a time-out stops the hook's children too */
    setpgid(0, 0);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (devnull >= 0 && devnull != STDIN_FILENO) {
        dup2(devnull, STDIN_FILENO);
        close(devnull);
    }
    /* a hook must not hold our sockets (the http-01 responder's port, the CA connection) */
    close_others(errfd, max_fd);
    execve(argv[0], (char *const *)argv, (char *const *)env);
    child_fail(errfd, errno);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Has the run's interruption reached level (EXEC_STOP_FIRST or _SECOND)? */
static bool cancelled(const struct exec_opts *o, int level)
{
    return o->cancel != NULL && *o->cancel >= level;
}

/* Poll for pid for up to limit_ms: 1 when it was reaped, 0 when still running, 2 when the
 * interruption reached stop_at first, -1 on error. */
static int reap_within(pid_t pid, long limit_ms, const struct exec_opts *o, int stop_at, int *status)
{
    for (long waited = 0;; waited += POLL_MS) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
        if (cancelled(o, stop_at))
            return 2;
        if (waited >= limit_ms)
            return 0;
        sleep_ms(POLL_MS);
    }
}

/* Signal the hook's process group; the hook itself when it left the group. */
static void signal_group(pid_t pid, int sig)
{
    if (kill(-pid, sig) != 0)
        kill(pid, sig);
}

/* Stop pid's whole group: SIGTERM, and SIGKILL after the grace (at once on a second
 * interruption); then whatever the hook left behind in its group. */
static void stop_group(pid_t pid, const struct exec_opts *o, int *status)
{
    bool now = cancelled(o, EXEC_STOP_SECOND);

    signal_group(pid, now ? SIGKILL : SIGTERM);
    if (now || reap_within(pid, KILL_GRACE_MS, o, EXEC_STOP_SECOND, status) != 1) {
        signal_group(pid, SIGKILL);
        waitpid(pid, status, 0);  /* cannot block long after SIGKILL */
    }
    kill(-pid, SIGKILL);
}

/* Wait for pid, at most timeout_s, and until the interruption reaches o->stop; stop its
 * whole group when it overstays or is interrupted. */
static int wait_bounded(pid_t pid, long timeout_s, const struct exec_opts *o, int *status)
{
    int r = reap_within(pid, timeout_s * 1000, o, o->stop, status);

    if (r == 1 || r < 0)
        return r > 0 ? CP_OK : CP_EIO;
    stop_group(pid, o, status);
    return r == 2 ? CP_EINTR : CP_ETIMEOUT;
}

/* The child's execve errno through a close-on-exec pipe: 0 when execve worked. */
static int exec_errno(int fd)
{
    int e = 0;
    ssize_t n;

    do
        n = read(fd, &e, sizeof(e));
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(e) ? e : 0;
}

/* fork the child; returns its pid, or -1 with errno set. */
static pid_t spawn(const char *const argv[], const char **env, int pfd[2])
{
    long open_max = sysconf(_SC_OPEN_MAX);
    int max_fd = open_max > 0 && open_max < 65536 ? (int)open_max : 65536;
    pid_t parent = getpid();
    pid_t pid = fork();

    if (pid == 0)
        child(argv, env, pfd[1], max_fd, parent);
    if (pid > 0)
        setpgid(pid, pid);  /* also here: the child may not have run yet when we time it out */
    return pid;
}

static int report(const char *prog, int rc, int exec_err, long timeout_s, struct err *err)
{
    if (exec_err != 0)
        return err_set(err, CP_EIO, "cannot run %s: %s", prog, strerror(exec_err));
    if (rc == CP_ETIMEOUT)
        return err_set(err, rc, "%s did not finish within %ld s and was stopped", prog, timeout_s);
    if (rc == CP_EINTR)
        return err_set(err, rc, "%s was interrupted", prog);
    if (rc != CP_OK)
        return err_set(err, rc, "cannot wait for %s: %s", prog, strerror(errno));
    return CP_OK;
}

int exec_run(const char *const argv[], const char *const extra_env[], long timeout_s,
             int *exit_status, struct err *err)
{
    const struct exec_opts o = {.extra_env = extra_env, .timeout_s = timeout_s};

    return exec_run_opts(argv, &o, exit_status, err);
}

int exec_run_strip(const char *const argv[], const char *const extra_env[], const char *const strip_env[],
                   long timeout_s, int *exit_status, struct err *err)
{
    const struct exec_opts o = {.extra_env = extra_env, .strip_env = strip_env, .timeout_s = timeout_s};

    return exec_run_opts(argv, &o, exit_status, err);
}

/* o's time limit: 300 s by default, EXEC_AFTER_CANCEL_S at most for a cleanup after an interruption. */
static long time_limit(const struct exec_opts *o)
{
    long t = o->timeout_s > 0 ? o->timeout_s : DEFAULT_TIMEOUT_S;

    return cancelled(o, EXEC_STOP_FIRST) && t > EXEC_AFTER_CANCEL_S ? EXEC_AFTER_CANCEL_S : t;
}

int exec_run_opts(const char *const argv[], const struct exec_opts *opts, int *exit_status, struct err *err)
{
    struct exec_opts o = *opts;
    const char **env = NULL;
    int pfd[2] = {-1, -1}, status = 0, rc, e;
    long timeout_s;
    pid_t pid;

    *exit_status = -1;
    o.stop = o.stop == EXEC_STOP_SECOND ? EXEC_STOP_SECOND : EXEC_STOP_FIRST;
    if (cancelled(&o, o.stop))
        return err_set(err, CP_EINTR, "%s was not started: interrupted", argv[0]);
    timeout_s = time_limit(&o);
    if ((env = build_env(o.extra_env, o.strip_env)) == NULL)
        return err_nomem(err);
    /* O_CLOEXEC from the start: a concurrent fork elsewhere must not inherit it */
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        free(env);
        return err_set(err, CP_EIO, "cannot run %s: %s", argv[0], strerror(errno));
    }
    pid = spawn(argv, env, pfd);
    e = errno;
    close(pfd[1]);
    free(env);
    if (pid < 0) {
        close(pfd[0]);
        return err_set(err, CP_EIO, "cannot run %s: %s", argv[0], strerror(e));
    }
    e = exec_errno(pfd[0]);
    close(pfd[0]);
    rc = wait_bounded(pid, timeout_s, &o, &status);
    if ((rc = report(argv[0], rc, e, timeout_s, err)) != CP_OK)
        return rc;
    *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return CP_OK;
}
