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

/* 1: a job to run; 0: none left. */
static int take(struct pool *p, struct manage_batch_job *job)
{
    int r = 0;

    pthread_mutex_lock(&p->lock);
    if (!p->stop) {
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

static void report(struct pool *p, struct manage_batch_job *job, int rc, const struct manage_issued *out,
                   const struct err *err)
{
    pthread_mutex_lock(&p->lock);
    if (rc == CP_OK)
        p->stats.ok++;
    else
        p->stats.failed++;
    /* one request's bad input is a failure of the run, not a usage error of it */
    if (rc != CP_OK && p->first_rc == CP_OK)
        p->first_rc = rc == CP_EUSAGE ? CP_EINVALID : rc;
    p->o->done(p->o->user, job, rc, out, err);
    pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    struct manage *m = NULL;
    struct manage_batch_job job;
    struct err open_err = {0};
    int open_rc = manage_open(&p->o->manage, &m, &open_err);

    while (take(p, &job)) {
        struct manage_issued out = {0};
        struct err err = {0};
        int rc = open_rc == CP_OK ? manage_issue(m, &job.req, &out, &err) : open_rc;

        report(p, &job, rc, rc == CP_OK ? &out : NULL, open_rc == CP_OK ? &err : &open_err);
        manage_issued_free(&out);
    }
    manage_free(m);
    return NULL;
}

int manage_batch_run(const struct manage_batch_opts *o, struct manage_batch_stats *stats, struct err *err)
{
    unsigned n = o->jobs ? o->jobs : MANAGE_BATCH_DEFAULT_JOBS, started = 0;
    pthread_t threads[MANAGE_BATCH_MAX_JOBS];
    struct pool p = {.o = o};

    if (n > MANAGE_BATCH_MAX_JOBS)
        return err_set(err, CP_EUSAGE, "at most %d parallel jobs", MANAGE_BATCH_MAX_JOBS);
    pthread_mutex_init(&p.lock, NULL);
    for (; started < n; started++)
        if (pthread_create(&threads[started], NULL, worker, &p) != 0)
            break;
    if (started == 0)
        worker(&p);  /* no thread could be made: do the work here */
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&p.lock);
    if (stats != NULL)
        *stats = p.stats;
    if (p.stop_err.code != CP_OK && err != NULL)
        *err = p.stop_err;
    else if (p.first_rc != CP_OK)
        err_set(err, p.first_rc, "%lu issued, %lu failed", p.stats.ok, p.stats.failed);
    return p.first_rc;
}
