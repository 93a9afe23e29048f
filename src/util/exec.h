/*
 * util/exec — run a program the way hooks are run: fork + execve with an
 * argv list (never a shell), stdin from /dev/null, extra environment on
 * top of ours, and a time limit after which it is killed.
 *
 * A child never inherits certpilot's own secrets: the variables of
 * EXEC_SECRET_ENV are left out of the environment it gets from us (a caller
 * that means to hand one over puts it in extra_env). Every module that reads
 * a secret from the environment adds its name here; a variable a user names
 * (a PKCS#12 target's password_env) is passed to exec_run_strip instead.
 */
#ifndef CP_UTIL_EXEC_H
#define CP_UTIL_EXEC_H

#include <signal.h>

#include "util/err.h"

/* Environment variables that hold certpilot's secrets, NULL-terminated:
 * the EAB HMAC key, Alibaba Cloud credentials (both naming schemes), the
 * PKCS#12 password. */
#define EXEC_SECRET_ENV                                                                        \
    {                                                                                          \
        "CERTPILOT_EAB_HMAC_KEY", "ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY",                \
            "ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_ACCESS_KEY_ID",                          \
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",                 \
            "CERTPILOT_PKCS12_PASSWORD", NULL                                                  \
    }

/*
 * Run argv[0] (a path, used as given: no PATH search) with argv; extra_env
 * is a NULL-terminated list of "NAME=VALUE" that override or add to the
 * environment (may be NULL). The program gets stdin from /dev/null, our
 * stdout and stderr, no other descriptor of ours, and its own process group;
 * it is killed (SIGKILL) when we die, so no hook outlives a killed certpilot
 * (its own children, in its group, are not reached that way).
 * timeout_s <= 0 means 300 s.
 * On return 0, *exit_status holds the exit code (128+N for a signal N).
 * CP_EIO "cannot run PROG: reason" when it could not be started;
 * CP_ETIMEOUT when it ran longer than timeout_s (its process group is then
 * stopped: SIGTERM, and SIGKILL 2 s later).
 */
int exec_run(const char *const argv[], const char *const extra_env[], long timeout_s,
             int *exit_status, struct err *err) CP_WUR;

/* exec_run, also leaving out the variables named in strip_env (NULL-terminated names, may be
 * NULL): secrets whose names come from settings, not from this list. */
int exec_run_strip(const char *const argv[], const char *const extra_env[], const char *const strip_env[],
                   long timeout_s, int *exit_status, struct err *err) CP_WUR;

/*
 * A run's interruption as the runner sees it: *cancel counts SIGINT/SIGTERM (the CLI's
 * handler), 0 none, 1 the first (stop what may stop), 2 the second (stop everything now).
 * A program of EXEC_STOP_FIRST (a challenge's `begin`, a pre-hook) is not started once
 * *cancel >= 1, and a running one has its process group stopped (SIGTERM, SIGKILL after
 * 2 s); one of EXEC_STOP_SECOND (a cleanup: `done`, `failed`, a post-hook) still runs after
 * the first, for at most EXEC_AFTER_CANCEL_S. At *cancel >= 2 either is killed (its whole
 * group, SIGKILL) at once, or not started.
 */
enum exec_stop { EXEC_STOP_FIRST = 1, EXEC_STOP_SECOND = 2 };
#define EXEC_AFTER_CANCEL_S 30

struct exec_opts {
    const char *const *extra_env;   /* "NAME=VALUE", NULL-terminated; may be NULL */
    const char *const *strip_env;   /* names left out besides EXEC_SECRET_ENV; may be NULL */
    long timeout_s;                 /* <= 0: 300 s */
    volatile sig_atomic_t *cancel;  /* may be NULL: never interrupted */
    enum exec_stop stop;            /* 0 means EXEC_STOP_FIRST */
};

/* exec_run_strip with o's interruption: CP_EINTR "PROG was interrupted" when it was
 * stopped (its group gone), "PROG was not started: interrupted" when cancel came first. */
int exec_run_opts(const char *const argv[], const struct exec_opts *o, int *exit_status,
                  struct err *err) CP_WUR;

#endif
