#include "solve/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/str.h"

extern char **environ;

static size_t count(const char *const *v)
{
    size_t n = 0;

    while (v != NULL && v[n] != NULL)
        n++;
    return n;
}

/* Does "NAME=..." in env name the same variable as set? */
static int same_name(const char *env, const char *set)
{
    size_t n = strcspn(set, "=");

    return strncmp(env, set, n) == 0 && env[n] == '=';
}

/* Our environment with extra's names replaced and added. Pointers are borrowed. */
static const char **build_env(const char *const extra[])
{
    size_t ne = count((const char *const *)environ), nx = count(extra), k = 0;
    const char **env = calloc(ne + nx + 1, sizeof(char *));

    if (env == NULL)
        return NULL;
    for (size_t i = 0; i < ne; i++) {
        int overridden = 0;
        for (size_t j = 0; j < nx && !overridden; j++)
            overridden = same_name(environ[i], extra[j]);
        if (!overridden)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < nx; j++)
        env[k++] = extra[j];
    return env;
}

/* In the child: only async-signal-safe calls until execve. */
static void child(const char *const argv[], const char **env, int errfd)
{
    int devnull = open("/dev/null", O_RDONLY);
    int e;

    /* its own process group, so a time-out stops the hook's children too */
    setpgid(0, 0);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        if (devnull != STDIN_FILENO)
            close(devnull);
    }
    signal(SIGPIPE, SIG_DFL);
    execve(argv[0], (char *const *)argv, (char *const *)env);
    e = errno;
    if (write(errfd, &e, sizeof(e)) < 0)
        _exit(127);
    _exit(127);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Wait for pid, at most timeout_s; kill it when it overstays. */
static int wait_bounded(pid_t pid, long timeout_s, int *status)
{
    long waited = 0, limit = timeout_s * 1000;
    pid_t r;

    for (;;) {
        r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return CP_OK;
        if (r < 0 && errno != EINTR)
            return CP_EIO;
        if (waited >= limit)
            break;
        sleep_ms(20);
        waited += 20;
    }
    kill(-pid, SIGTERM);
    for (waited = 0; waited < 2000; waited += 20) {
        if (waitpid(pid, status, WNOHANG) == pid) {
            kill(-pid, SIGKILL);  /* leftovers of the group */
            return CP_ETIMEOUT;
        }
        sleep_ms(20);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, status, 0);
    return CP_ETIMEOUT;
}

/* The child's exec errno through a close-on-exec pipe: 0 when exec worked. */
static int exec_errno(int fd)
{
    int e = 0;
    ssize_t n;

    do
        n = read(fd, &e, sizeof(e));
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(e) ? e : 0;
}

int exec_run(const char *const argv[], const char *const extra_env[], long timeout_s,
             int *exit_status, struct err *err)
{
    const char **env = build_env(extra_env);
    int pfd[2], status = 0, rc, e;
    pid_t pid;

    *exit_status = -1;
    if (env == NULL)
        return err_nomem(err);
    if (pipe(pfd) != 0 || fcntl(pfd[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(pfd[1], F_SETFD, FD_CLOEXEC) != 0) {
        free(env);
        return err_set(err, CP_EIO, "cannot run %s: %s", argv[0], strerror(errno));
    }
    pid = fork();
    if (pid == 0)
        child(argv, env, pfd[1]);
    close(pfd[1]);
    free(env);
    if (pid < 0) {
        close(pfd[0]);
        return err_set(err, CP_EIO, "cannot run %s: %s", argv[0], strerror(errno));
    }
    e = exec_errno(pfd[0]);
    close(pfd[0]);
    rc = wait_bounded(pid, timeout_s > 0 ? timeout_s : 300, &status);
    if (e != 0)
        return err_set(err, CP_EIO, "cannot run %s: %s", argv[0], strerror(e));
    if (rc == CP_ETIMEOUT)
        return err_set(err, rc, "%s did not finish within %ld s and was stopped", argv[0],
                       timeout_s > 0 ? timeout_s : 300);
    if (rc != CP_OK)
        return err_set(err, rc, "cannot wait for %s: %s", argv[0], strerror(errno));
    *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return CP_OK;
}
