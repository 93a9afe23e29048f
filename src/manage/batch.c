/*
 * manage/batch — the worker pool. The pool's only shared state is behind one
 * mutex: the request source, the result sink and the counters. Each worker
 * owns its manager, so the engine below needs no locking of its own.
 */
#include "manage/batch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pool {
    const struct manage_batch_opts *o;
    pthread_mutex_t lock;
    bool stop;           /* next() said no more, or failed */
    int first_rc;        /* first failure's code */
    struct err stop_err; /* why next() stopped the run */
    struct manage_batch_stats stats;
};

/* After SIGINT/SIGTERM no further certificate starts; those under way end as the interruption says. */
static bool interrupted(struct pool *p)
{
    volatile sig_atomic_t *cancel = p->o->manage.cancel;

    if (p->stop || cancel == NULL || *cancel == 0)
        return false;
    p->stop = true;
    p->first_rc = CP_EINTR;
    err_set(&p->stop_err, CP_EINTR, "interrupted: no further certificate was started");
    return true;
}

/* 1: a job to run; 0: none left. */
static int take(struct pool *p, struct manage_batch_job *job)
{
    int r = 0;

    pthread_mutex_lock(&p->lock);
    if (!p->stop && !interrupted(p)) {
        memset(job, 0, sizeof(*job));
        r = p->o->next(p->o->user, job, &p->stop_err);
        if (r < 0 && p->first_rc == CP_OK)
            p->first_rc = p->stop_err.code ? p->stop_err.code : CP_EUSAGE;
        if (r <= 0)
            p->stop = true;
    }
    pthread_mutex_unlock(&p->lock);
    return r > 0;
}

static void report(struct pool *p, struct manage_batch_job *job, const struct manage_batch_result *res)
{
    int rc = res->rc;

    pthread_mutex_lock(&p->lock);
    if (rc != CP_OK)
        p->stats.failed++;
    else if (res->renewal != NULL && !res->renewal->renewed)
        p->stats.not_due++;
    else
        p->stats.ok++;
    /* one request's bad input is a failure of the run, not a usage error of it */
    if (rc != CP_OK && p->first_rc == CP_OK)
        p->first_rc = rc == CP_EUSAGE ? CP_EINVALID : rc;
    p->o->done(p->o->user, job, res);
    pthread_mutex_unlock(&p->lock);
}

/* The worker's manager, for the job's CA: reopened when a job names another. */
static int manager_for(struct pool *p, const struct manage_batch_job *job, struct manage **m, char **server,
                       struct err *err)
{
    struct manage_opts mo = p->o->manage;
    const char *want = job->server ? job->server : mo.server;

    if (*m != NULL && *server != NULL && strcmp(*server, want) == 0)
        return CP_OK;
    manage_free(*m);
    free(*server);
    *m = NULL;
    mo.server = want;
    if ((*server = strdup(want)) == NULL)
        return err_nomem(err);
    return manage_open(&mo, m, err);
}

static int run_job(struct manage *m, struct manage_batch_job *job, struct manage_issued *out,
                   struct manage_renew_result *renewal, struct err *err)
{
    const struct manage_cert_req *want = job->req.names != NULL ? &job->req : NULL;

    if (job->renew == NULL)
        return manage_issue(m, &job->req, out, err);
    return manage_renew(m, job->renew, want, &job->renew_opts, renewal, err);
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    struct manage *m = NULL;
    char *server = NULL;
    struct manage_batch_job job;

    while (take(p, &job)) {
        struct manage_issued out = {0};
        struct manage_renew_result renewal = {0};
        struct err err = {0};
        int rc = manager_for(p, &job, &m, &server, &err);
        struct manage_batch_result res;

        if (rc == CP_OK)
            rc = run_job(m, &job, &out, &renewal, &err);
        res = (struct manage_batch_result){rc, &err, NULL, job.renew ? &renewal : NULL};
        if (rc == CP_OK)
            res.issued = job.renew ? (renewal.renewed ? &renewal.issued : NULL) : &out;
        report(p, &job, &res);
        manage_issued_free(&out);
        manage_renew_result_free(&renewal);
    }
    manage_free(m);
    free(server);
    return NULL;
}

int manage_batch_run(const struct manage_batch_opts *o, struct manage_batch_stats *stats, struct err *err)
{
    unsigned n = o->jobs ? o->jobs : MANAGE_BATCH_DEFAULT_JOBS, started = 0;
    pthread_t threads[MANAGE_BATCH_MAX_JOBS];
    struct pool p = {.o = o};
    struct manage_batch_opts with_shared = *o;
    struct err scratch = {0};

    err = err ? err : &scratch;
    if (n > MANAGE_BATCH_MAX_JOBS)
        return err_set(err, CP_EUSAGE, "at most %d parallel jobs", MANAGE_BATCH_MAX_JOBS);
    /* one nonce pool, one set of rate limits, one DNS cache and TLS session store for all workers */
    if (with_shared.manage.shared == NULL && (with_shared.manage.shared = manage_shared_new(err)) == NULL)
        return err->code;
    p.o = &with_shared;
    pthread_mutex_init(&p.lock, NULL);
    for (; started < n; started++)
        if (pthread_create(&threads[started], NULL, worker, &p) != 0)
            break;
    if (started == 0)
        worker(&p);  /* no thread could be made: do the work here */
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&p.lock);
    if (o->manage.shared == NULL)
        manage_shared_free(with_shared.manage.shared);
    if (stats != NULL)
        *stats = p.stats;
    if (p.stop_err.code != CP_OK && err != NULL)
        *err = p.stop_err;
    else if (p.first_rc != CP_OK)
        err_set(err, p.first_rc, "%lu issued, %lu failed", p.stats.ok, p.stats.failed);
    return p.first_rc;
}
