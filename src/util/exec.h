/*
 * util/exec — run a program the way hooks are run: fork + execve with an
 * argv list (never a shell), stdin from /dev/null, extra environment on
 * top of ours, and a time limit after which it is killed.
 */
#ifndef CP_UTIL_EXEC_H
#define CP_UTIL_EXEC_H

#include "util/err.h"

/*
 * Run argv[0] (a path, used as given: no PATH search) with argv; extra_env
 * is a NULL-terminated list of "NAME=VALUE" that override or add to the
 * environment (may be NULL). The program gets stdin from /dev/null, our
 * stdout and stderr, no other descriptor of ours, and its own process group.
 * timeout_s <= 0 means 300 s.
 * On return 0, *exit_status holds the exit code (128+N for a signal N).
 * CP_EIO "cannot run PROG: reason" when it could not be started;
 * CP_ETIMEOUT when it ran longer than timeout_s (its process group is then
 * stopped: SIGTERM, and SIGKILL 2 s later).
 */
int exec_run(const char *const argv[], const char *const extra_env[], long timeout_s,
             int *exit_status, struct err *err) CP_WUR;

#endif
