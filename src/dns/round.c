/*
 * dns/round — one mutex and one condition variable over the groups (one per
 * key) and their open rounds. The leader publishes and waits outside the
 * lock; a round is freed by the last of its members to read the result.
 */
#include "dns/round.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"

struct round {
    struct dns_round_member **members;
    size_t n;
    bool done;
    int rc;
    struct err err;
    size_t unread;  /* members that have not read the result yet */
};

struct group {
    char *key;
    long expected[2];       /* per op: solvers of this key that will join and have not yet */
    struct round *open[2];  /* per op: the round taking members, or NULL */
    struct group *next;
};

struct dns_rounds {
    pthread_mutex_t mu;
    pthread_cond_t cv;  /* broadcast on every change of a group or round */
    long window_ms;
    struct group *groups;
};

struct dns_rounds *dns_rounds_new(long window_ms)
{
    struct dns_rounds *g = calloc(1, sizeof(*g));
    pthread_condattr_t ca;

    if (g == NULL)
        return NULL;
    g->window_ms = window_ms > 0 ? window_ms : DNS_ROUND_WINDOW_MS;
    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cv, &ca);
    pthread_condattr_destroy(&ca);
    return g;
}

void dns_rounds_free(struct dns_rounds *g)
{
    if (g == NULL)
        return;
    while (g->groups != NULL) {
        struct group *next = g->groups->next;
        free(g->groups->key);
        free(g->groups);
        g->groups = next;
    }
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

/* The group of key, made when missing; NULL when out of memory. Under the lock. */
static struct group *group_of(struct dns_rounds *g, const char *key)
{
    struct group *gr;

    for (gr = g->groups; gr != NULL; gr = gr->next)
        if (strcmp(gr->key, key) == 0)
            return gr;
    if ((gr = calloc(1, sizeof(*gr))) == NULL || (gr->key = strdup(key)) == NULL) {
        free(gr);
        return NULL;
    }
    gr->next = g->groups;
    g->groups = gr;
    return gr;
}

int dns_rounds_expect(struct dns_rounds *g, const char *key, enum dns_round_op op, int delta)
{
    struct group *gr;

    pthread_mutex_lock(&g->mu);
    if ((gr = group_of(g, key)) != NULL && (gr->expected[op] += delta) < 0)
        gr->expected[op] = 0;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    return gr != NULL ? CP_OK : CP_ENOMEM;
}

static int round_add(struct round *r, struct dns_round_member *m)
{
    struct dns_round_member **grown = realloc(r->members, (r->n + 1) * sizeof(*grown));

    if (grown == NULL)
        return CP_ENOMEM;
    r->members = grown;
    r->members[r->n++] = m;
    r->unread++;
    return CP_OK;
}

/* This member has read the result; the last one frees the round. Under the lock. */
static void round_release(struct round *r)
{
    if (--r->unread > 0)
        return;
    free(r->members);
    free(r);
}

/* Every member's records in one add() through the leader's provider, then one
 * wait; or in one remove(). */
static int lead(struct round *r, const struct dns_round_member *me, struct err *err)
{
    struct dns_txt *all;
    size_t total = 0, k = 0;
    int rc;

    for (size_t i = 0; i < r->n; i++)
        total += r->members[i]->n;
    if ((all = calloc(total ? total : 1, sizeof(*all))) == NULL)
        return err_nomem(err);
    for (size_t i = 0; i < r->n; i++)
        for (size_t j = 0; j < r->members[i]->n; j++)
            all[k++] = r->members[i]->recs[j];
    log_info(me->log, "dns-01: %s %zu TXT record(s) of %zu order(s) together through %s",
             me->op == DNS_ROUND_REMOVE ? "removing" : "publishing", total, r->n, me->provider->name);
    if (me->op == DNS_ROUND_REMOVE)
        rc = me->provider->remove(me->provider, all, total, err);
    else
        rc = me->provider->add(me->provider, all, total, err);
    /* what the provider filled in (added, zone, id) now belongs to each member's record */
    k = 0;
    for (size_t i = 0; i < r->n; i++)
        for (size_t j = 0; j < r->members[i]->n; j++)
            r->members[i]->recs[j] = all[k++];
    if (rc == CP_OK && me->op == DNS_ROUND_PUBLISH && me->skip_propagation)
        log_info(me->log, "dns-01: propagation check skipped");
    else if (rc == CP_OK && me->op == DNS_ROUND_PUBLISH)
        rc = dns_propagation_wait(me->res, all, total, me->po, err);
    free(all);  /* the strings it points at are the members' */
    return rc;
}

/* Wait until nobody more of gr is expected for op or the window is over. Under the lock. */
static void gather(struct dns_rounds *g, struct group *gr, enum dns_round_op op)
{
    struct timespec until;
    long deadline = (long)clock_mono_ms() + g->window_ms;

    until.tv_sec = deadline / 1000;
    until.tv_nsec = (deadline % 1000) * 1000000L;
    while (gr->expected[op] > 0 && (long)clock_mono_ms() < deadline)
        pthread_cond_timedwait(&g->cv, &g->mu, &until);
}

int dns_rounds_join(struct dns_rounds *g, struct dns_round_member *m, struct err *err)
{
    struct err scratch = {0};
    struct group *gr;
    struct round *r = NULL;
    int rc;

    err = err ? err : &scratch;
    pthread_mutex_lock(&g->mu);
    if ((gr = group_of(g, m->key)) != NULL && m->expected && gr->expected[m->op] > 0)
        gr->expected[m->op]--;
    pthread_cond_broadcast(&g->cv);
    if (gr != NULL && (r = gr->open[m->op]) != NULL) {
        /* a member: the leader publishes (or removes) for us */
        if (round_add(r, m) != CP_OK) {
            pthread_mutex_unlock(&g->mu);
            return err_nomem(err);
        }
        while (!r->done)
            pthread_cond_wait(&g->cv, &g->mu);
    } else {
        /* the leader: gather, then publish and wait outside the lock */
        if (gr == NULL || (r = calloc(1, sizeof(*r))) == NULL || round_add(r, m) != CP_OK) {
            free(r);
            pthread_mutex_unlock(&g->mu);
            return err_nomem(err);
        }
        gr->open[m->op] = r;
        gather(g, gr, m->op);
        gr->open[m->op] = NULL;
        pthread_mutex_unlock(&g->mu);
        r->rc = lead(r, m, &r->err);
        pthread_mutex_lock(&g->mu);
        /* published together, so removed together: counted before anyone is released */
        if (r->rc == CP_OK && m->op == DNS_ROUND_PUBLISH)
            gr->expected[DNS_ROUND_REMOVE] += (long)r->n;
        r->done = true;
        pthread_cond_broadcast(&g->cv);
    }
    rc = r->rc;
    if (rc != CP_OK)
        *err = r->err;
    round_release(r);
    pthread_mutex_unlock(&g->mu);
    return rc;
}
