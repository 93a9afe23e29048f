/*
 * manage/renewall — renew everything due: which certificates (the stored ones
 * and a config's not issued yet), how each renews (its [cert:NAME] section,
 * else its meta.json, at the CA that issued it), and the CA's limit on new
 * orders, which renewals through ARI (RFC 9773) do not count against.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "manage/batch.h"
#include "manage/internal.h"

struct renew_all {
    const struct manage_renew_all_opts *o;
    struct manage *m;             /* reads each certificate's CA from its meta.json */
    char **names;
    size_t nnames, next;
    time_t now;
    unsigned long orders_left;    /* new orders this run may place without ARI */
    atomic_ulong orders_placed;   /* counted from the workers' threads */
};

/* What one job in flight holds until done(). */
struct renew_all_job {
    struct manage_config_req cfg;
    char *server;                 /* the CA meta.json names, or NULL */
    void *user;                   /* the caller's, from begin() */
};

static bool wanted(const struct manage_renew_all_opts *o, const char *name)
{
    for (size_t i = 0; i < o->nonly; i++)
        if (strcmp(o->only[i], name) == 0)
            return true;
    return o->nonly == 0;
}

/* A renewal through ARI is exempt from the CA's limit on new orders; any other takes one. */
static bool may_order(void *user, bool ari)
{
    struct renew_all *r = user;

    return ari || atomic_fetch_add(&r->orders_placed, 1) < r->orders_left;
}

/* A configured certificate renews as its section says (and is issued when it is not
 * stored yet); any other stored one as its meta.json says, at the CA it names. */
static int describe_job(struct renew_all *r, struct manage_batch_job *job, struct renew_all_job *rj,
                        struct err *err)
{
    const struct config_cert *c = r->o->cfg ? config_cert_find(r->o->cfg, job->renew) : NULL;
    int rc;

    if (c == NULL) {
        rc = manage_cert_ca(r->m, job->renew, &rj->server, err);
        job->server = rj->server;
        return rc;
    }
    if ((rc = manage_request_from_config(r->o->cfg, c, &rj->cfg, err)) != CP_OK)
        return rc;
    job->req = rj->cfg.req;
    job->server = rj->cfg.server;
    job->renew_opts.renew_before_s = rj->cfg.renew_before_s;
    return CP_OK;
}

/* A dry run orders from the job's CA's staging twin; a CA other than the run's is said. */
static void dry_run_server(struct renew_all *r, struct manage_batch_job *job)
{
    const char *why = NULL, *run = r->o->manage.server, *given = job->server ? job->server : run;

    job->server = manage_ca_dry_run(given, &why);
    if (strcmp(given, run) != 0 && r->o->dry_run_ca != NULL)
        r->o->dry_run_ca(r->o->user, job->renew, job->server, why);
}

static void job_free(struct renew_all_job *rj)
{
    free(rj->server);
    free(rj);
}

static int next_job(void *user, struct manage_batch_job *job, struct err *err)
{
    struct renew_all *r = user;
    const struct manage_renew_all_opts *o = r->o;
    struct renew_all_job *rj;

    while (r->next < r->nnames && !wanted(o, r->names[r->next]))
        r->next++;
    if (r->next == r->nnames)
        return 0;
    if ((rj = calloc(1, sizeof(*rj))) == NULL)
        return err_nomem(err);
    job->renew = r->names[r->next++];
    if (o->begin != NULL && o->begin(o->user, job->renew, &rj->user, err) != CP_OK) {
        job_free(rj);
        return -1;
    }
    job->renew_opts = (struct manage_renew_opts){.now = r->now, .force = o->force, .reuse_key = o->reuse_key,
                                                 .check_interval_s = o->check_interval_s, .dry_run = o->dry_run,
                                                 .deploy_cb = o->deploy_cb, .deploy_user = rj->user,
                                                 .may_order = may_order, .order_user = r};
    job->user = rj;
    if (describe_job(r, job, rj, err) != CP_OK) {
        if (o->done != NULL)
            o->done(o->user, rj->user, job->renew, NULL);
        job_free(rj);
        return -1;
    }
    if (o->dry_run)
        dry_run_server(r, job);
    return 1;
}

static void job_done(void *user, struct manage_batch_job *job, const struct manage_batch_result *res)
{
    struct renew_all *r = user;
    struct renew_all_job *rj = job->user;

    if (r->o->done != NULL)
        r->o->done(r->o->user, rj->user, job->renew, res);
    job_free(rj);
}

/* Which renewals are due is known only as they run: the limit is said up front when
 * it could bite, and each renewal without ARI takes one order from it. */
static int orders_budget(struct renew_all *r, struct err *err)
{
    struct manage_orders ob;
    unsigned long n = 0;
    int rc = manage_orders_budget(&r->o->manage, r->o->orders_limit, &ob, err);

    for (size_t i = 0; i < r->nnames; i++)
        n += wanted(r->o, r->names[i]);
    r->orders_left = ob.left;
    if (rc == CP_OK && n > ob.left)
        log_warn(r->o->manage.log, "the CA allows %ld new orders per %ld hours and %lu were made in the last %ld "
                 "hours: at most %lu of these %lu certificates renew without ARI in this run (renewals through "
                 "ARI are exempt)", ob.limit, ob.window_s / 3600, ob.recent, ob.window_s / 3600, ob.left, n);
    return rc;
}

/* Every name asked for must be one renew looks after. */
static int check_only(const struct renew_all *r, struct err *err)
{
    for (size_t i = 0; i < r->o->nonly; i++) {
        size_t k = 0;
        while (k < r->nnames && strcmp(r->names[k], r->o->only[i]) != 0)
            k++;
        if (k == r->nnames)
            return err_set(err, CP_ENOTFOUND, "no certificate named %s", r->o->only[i]);
    }
    return CP_OK;
}

int manage_renew_all(const struct manage_renew_all_opts *o, struct manage_batch_stats *st, struct err *err)
{
    struct renew_all r = {.o = o};
    struct manage_batch_opts bo = {o->manage, o->jobs, next_job, job_done, &r};
    int rc = manage_open(&o->manage, &r.m, err);

    /* configured certificates not stored yet are renewed (that is, issued) too */
    if (rc == CP_OK)
        rc = manage_cert_names(r.m, o->cfg, &r.names, &r.nnames, &(size_t){0}, err);
    if (rc == CP_OK)
        rc = check_only(&r, err);
    if (rc == CP_OK)
        rc = orders_budget(&r, err);
    r.now = o->now != 0 ? o->now : time(NULL);
    if (rc == CP_OK)
        rc = manage_batch_run(&bo, st, err);
    store_names_free(r.names, r.nnames);
    manage_free(r.m);
    return rc;
}
