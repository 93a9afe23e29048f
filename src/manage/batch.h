/*
 * manage/batch — many certificates in one run: a bounded pool of worker
 * threads, each with its own struct manage (one CA connection, kept alive),
 * pulling requests one at a time from the caller and handing each result
 * back as soon as it is known. Nothing is kept per finished certificate, so
 * memory stays flat however many there are. One failure never stops the
 * others.
 */
#ifndef CP_MANAGE_BATCH_H
#define CP_MANAGE_BATCH_H

#include "manage/manage.h"

#define MANAGE_BATCH_MAX_JOBS 64
#define MANAGE_BATCH_DEFAULT_JOBS 8

struct manage_batch_job {
    struct manage_cert_req req;  /* filled by next(); must stay valid until done() for this job */
    void *user;                  /* the caller's, handed back to done() */
};

struct manage_batch_opts {
    struct manage_opts manage;   /* how every worker opens its manager */
    unsigned jobs;               /* workers; 0: MANAGE_BATCH_DEFAULT_JOBS */
    /* The next request: 1 with *job filled, 0 when there are no more, < 0 to
     * stop with an error (set err). Called by one thread at a time. */
    int (*next)(void *user, struct manage_batch_job *job, struct err *err);
    /* One result: rc and, on success, what was stored; on failure err says why.
     * Called by one thread at a time, as soon as the job ends. */
    void (*done)(void *user, struct manage_batch_job *job, int rc, const struct manage_issued *issued,
                 const struct err *err);
    void *user;
};

struct manage_batch_stats {
    unsigned long ok;
    unsigned long failed;
};

/* Run every request next() gives. Returns CP_OK when every one was issued;
 * otherwise the first failure's code (a request's CP_EUSAGE becomes
 * CP_EINVALID: bad input of one request is not a usage error of the run)
 * with "N issued, M failed" in err (each failure was reported to done()),
 * or the error that stopped next(). */
int manage_batch_run(const struct manage_batch_opts *o, struct manage_batch_stats *stats,
                     struct err *err) CP_WUR;

#endif
