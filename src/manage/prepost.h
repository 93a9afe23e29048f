/*
 * manage/prepost — certbot's --pre-hook and --post-hook: one command before the first
 * order of a run (to stop a web server that holds port 80 for --standalone, say) and
 * one after the run, each once however many certificates the run orders, neither when
 * nothing is ordered (a renew with nothing due). They go through util/exec as every
 * hook does: split without a shell (util/argv), a time limit, no secret of ours.
 * Thread-safe: the workers of a batch share one.
 */
#ifndef CP_MANAGE_PREPOST_H
#define CP_MANAGE_PREPOST_H

#include <signal.h>

#include "util/err.h"
#include "util/log.h"

struct manage_prepost;

struct manage_prepost_opts {
    const char *pre;                /* command line, or NULL: none */
    const char *post;               /* command line, or NULL: none */
    long timeout_s;                 /* each; 0: 300 s */
    volatile sig_atomic_t *cancel;  /* the run's interruption (util/exec.h); may be NULL */
    const struct logger *log;       /* borrowed, may be NULL */
};

/* Split and find both programs before anything runs: CP_EUSAGE/CP_ENOTFOUND
 * "--pre-hook: ..." for a bad one. *out is the caller's (manage_prepost_free). */
int manage_prepost_new(const struct manage_prepost_opts *o, struct manage_prepost **out,
                       struct err *err) CP_WUR;

/* Before an order: the pre-hook the first time (later callers wait for it and get its
 * outcome). CP_EIO "pre-hook PROG exited with status N; nothing was ordered" when it
 * failed, for this caller and every later one. p NULL: CP_OK. */
int manage_prepost_before_order(struct manage_prepost *p, struct err *err) CP_WUR;

/* After the run: the pre-hook's failure as manage_prepost_before_order gave it (the
 * cause of every failure it made), or CP_OK when it worked, did not run, or p is NULL. */
int manage_prepost_pre_result(struct manage_prepost *p, struct err *err) CP_WUR;

/* At the end of the run: the post-hook, when manage_prepost_before_order was called
 * (whether the pre-hook or the orders worked or not). CP_EIO "post-hook PROG exited
 * with status N". CP_OK when it had nothing to do; p NULL: CP_OK. */
int manage_prepost_after(struct manage_prepost *p, struct err *err) CP_WUR;

void manage_prepost_free(struct manage_prepost *p);

#endif
