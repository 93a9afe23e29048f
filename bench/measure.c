/* measure: run one command and report its cost, for bench/run.sh.
 *
 *   measure [-t SECONDS] -o FILE -- PROGRAM [ARGS...]
 *
 * Writes one line to FILE:
 *   wall_ns=N self_kib=N tree_kib=N cpu_ms=N status=N
 * wall_ns   monotonic wall time from fork to the final wait
 * self_kib  peak RSS (VmHWM) of the client process itself, read from /proc
 *           at the moment it exits (a ptrace exit stop, before its memory is
 *           released), so hook processes it starts are not counted; -1 if
 *           it could not be read
 * tree_kib  ru_maxrss from wait4(): what `/usr/bin/time -f %M` prints, i.e.
 *           the largest of the client and every descendant it waited for
 *           (hook scripts and their curl included)
 * cpu_ms    user+system CPU of the client and its waited-for descendants
 * status    exit code, or 128+signal; 124 when the -t limit killed it
 * The exit status of measure is the same status.
 *
 * The client runs in its own process group; on -t expiry, SIGINT or SIGTERM
 * the whole group is killed (hooks included), and PTRACE_O_EXITKILL kills the
 * client should measure itself die.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_reason;

static void on_signal(int sig) { stop_reason = sig; }

static long read_hwm(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    unsigned limit = 0;
    int opt, st = 0, status = 1, killed = 0;
    long self_kib = -1;
    long long t0, t1;
    struct rusage ru;
    struct sigaction sa;
    pid_t pid;
    FILE *f;

    while ((opt = getopt(argc, argv, "+o:t:")) != -1) {
        if (opt == 'o')
            out = optarg;
        else if (opt == 't')
            limit = (unsigned)strtoul(optarg, NULL, 10);
        else
            return 2;
    }
    if (!out || optind >= argc) {
        fprintf(stderr, "usage: measure [-t SECONDS] -o FILE -- PROGRAM [ARGS...]\n");
        return 2;
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: waits return EINTR */
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    t0 = now_ns();
    pid = fork();
    if (pid < 0) {
        perror("measure: fork");
        return 1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
            _exit(126);
        execvp(argv[optind], &argv[optind]);
        fprintf(stderr, "measure: cannot run %s: %s\n", argv[optind], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    if (limit)
        alarm(limit);

    for (;;) {
        pid_t r = wait4(pid, &st, 0, &ru);
        if (r < 0) {
            if (errno == EINTR && stop_reason && !killed) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                killed = 1;
                continue;
            }
            if (errno == EINTR)
                continue;
            perror("measure: wait4");
            return 1;
        }
        if (WIFEXITED(st) || WIFSIGNALED(st))
            break;
        if (!WIFSTOPPED(st))
            continue;
        if ((st >> 8) == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
            long k = read_hwm(pid);
            if (k >= 0)
                self_kib = k;
            ptrace(PTRACE_CONT, pid, NULL, NULL);
        } else if (WSTOPSIG(st) == SIGTRAP) {
            /* the stop after each execve (legacy SIGTRAP): set options, go on */
            ptrace(PTRACE_SETOPTIONS, pid, NULL,
                   (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL));
            ptrace(PTRACE_CONT, pid, NULL, NULL);
        } else {
            /* an ordinary signal: deliver it */
            ptrace(PTRACE_CONT, pid, NULL, (void *)(long)WSTOPSIG(st));
        }
    }
    t1 = now_ns();
    alarm(0);
    /* stop anything of the group still running (a hook left behind) */
    kill(-pid, SIGKILL);

    if (killed && stop_reason == SIGALRM)
        status = 124;
    else if (WIFEXITED(st))
        status = WEXITSTATUS(st);
    else
        status = 128 + WTERMSIG(st);

    f = fopen(out, "w");
    if (!f) {
        perror("measure: output");
        return 1;
    }
    fprintf(f, "wall_ns=%lld self_kib=%ld tree_kib=%ld cpu_ms=%ld status=%d\n", t1 - t0, self_kib,
            ru.ru_maxrss,
            (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
                (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L,
            status);
    fclose(f);
    if (stop_reason == SIGINT || stop_reason == SIGTERM) {
        signal(stop_reason, SIG_DFL);
        raise(stop_reason);
    }
    return status;
}
