/*
 * solve/exec — run a program the way hooks are run: fork + execve with an
 * argv list (never a shell), stdin from /dev/null, extra environment on
 * top of ours, and a time limit after which it is killed.
 */
#ifndef CP_SOLVE_EXEC_H
#define CP_SOLVE_EXEC_H

#include "util/err.h"

/*
 * Run argv[0] (a path) with argv; extra_env is a NULL-terminated list of
 * "NAME=VALUE" that override or add to the environment (may be NULL).
 * On return 0, *exit_status holds the exit code (128+N for a signal N).
 * CP_EIO "cannot run PROG: reason" when it could not be started;
 * CP_ETIMEOUT when it ran longer than timeout_s (it is then killed:
 * SIGTERM, and SIGKILL 2 s later).
 */
int exec_run(const char *const argv[], const char *const extra_env[], long timeout_s,
             int *exit_status, struct err *err) CP_WUR;

#endif
