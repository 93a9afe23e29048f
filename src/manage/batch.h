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
    const char *renew;           /* non-NULL: renew this stored certificate if due (req: how, or
                                    .names NULL to take meta.json's settings) instead of issuing */
    struct manage_renew_opts renew_opts;
    const char *server;          /* this job's CA directory; NULL: the pool's */
    void *user;                  /* the caller's, handed back to done() */
};

/* One job's outcome, as done() sees it (borrowed for the call). */
struct manage_batch_result {
    int rc;
    const struct err *err;                     /* why, when rc != CP_OK */
    const struct manage_issued *issued;        /* what was stored, or NULL */
    const struct manage_renew_result *renewal; /* for renew jobs: the decision, else NULL */
};

struct manage_batch_opts {
    struct manage_opts manage;   /* how every worker opens its manager */
    unsigned jobs;               /* workers; 0: MANAGE_BATCH_DEFAULT_JOBS */
    /* The next request: 1 with *job filled, 0 when there are no more, < 0 to
     * stop with an error (set err). Called by one thread at a time. */
    int (*next)(void *user, struct manage_batch_job *job, struct err *err);
    /* One result: rc and, on success, what was stored; on failure err says why.
     * Called by one thread at a time, as soon as the job ends. */
    void (*done)(void *user, struct manage_batch_job *job, const struct manage_batch_result *res);
    void *user;
};

struct manage_batch_stats {
    unsigned long ok;       /* issued or renewed */
    unsigned long failed;
    unsigned long not_due;  /* renew jobs that had nothing to do */
};

/* --- renewing everything due (manage/renewall.c) --- */

struct manage_renew_all_opts {
    struct manage_opts manage;   /* how each worker opens its manager: the run's CA */
    const struct config *cfg;    /* [cert:NAME] sections (how those renew, and which to issue); may be NULL */
    const char *const *only;     /* only these certificates, each one renew looks after; nonly 0: all */
    size_t nonly;
    unsigned jobs;               /* workers; 0: MANAGE_BATCH_DEFAULT_JOBS */
    time_t now;                  /* the clock the decisions use; 0: time(NULL) when the run starts */
    bool force, reuse_key, dry_run;  /* as manage_renew_opts */
    long check_interval_s;       /* as manage_renew_opts */
    long orders_limit;           /* new orders without ARI the CA allows per its window; 0: its known
                                    limit (manage_ca_order_limit), none for an unknown CA */
    /* Before certificate name's job: *job (may stay NULL) is handed to deploy_cb and done.
     * A failure stops the run with it. May be NULL. */
    int (*begin)(void *user, const char *name, void **job, struct err *err);
    manage_deploy_cb deploy_cb;  /* each deploy target's result after a renewal, with begin's job */
    /* Certificate name's outcome, as soon as it is known (from one thread at a time); res NULL
     * when its job could not start (the run then stops with that error). May be NULL. */
    void (*done)(void *user, void *job, const char *name, const struct manage_batch_result *res);
    /* A dry run orders certificate name from server, the staging twin of its own CA (why says
     * which), not from the run's. May be NULL. */
    void (*dry_run_ca)(void *user, const char *name, const char *server, const char *why);
    void *user;
};

/*
 * Renew every certificate that is due, as `certpilot renew` does: the stored ones (each as its
 * [cert:NAME] section of cfg says, else as its meta.json says, at the CA meta.json names) and
 * cfg's certificates not stored yet (issued). A CA's limit on new orders is said up front (a
 * warning through manage.log) when it could bite, and renewals that would pass it without ARI
 * fail. CP_ENOTFOUND "no certificate named X" for a name of only renew does not look after.
 * Returns as manage_batch_run; st counts renewed, not due and failed.
 */
int manage_renew_all(const struct manage_renew_all_opts *o, struct manage_batch_stats *st,
                     struct err *err) CP_WUR;

/* Run every request next() gives. Returns CP_OK when every one was issued;
 * otherwise the first failure's code (a request's CP_EUSAGE becomes
 * CP_EINVALID: bad input of one request is not a usage error of the run)
 * with "N issued, M failed" in err (each failure was reported to done()),
 * or the error that stopped next(). */
int manage_batch_run(const struct manage_batch_opts *o, struct manage_batch_stats *stats,
                     struct err *err) CP_WUR;

#endif
