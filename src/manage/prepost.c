/*
 * manage/prepost — the pre-hook once before a run's first order, the post-hook once
 * after a run that reached one (manage/prepost.h).
 */
#include "manage/prepost.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/argv.h"
#include "util/exec.h"

struct manage_prepost {
    char **pre, **post;      /* argv lists, NULL: none */
    struct manage_prepost_opts o;
    pthread_mutex_t lock;
    bool asked;              /* before_order was called: the run orders */
    int pre_rc;              /* the pre-hook's outcome, kept for every later caller */
    struct err pre_err;
};

/* A command line as an argv list with its program found (a bare name in PATH). */
static int command(const char *line, const char *what, char ***out, struct err *err)
{
    char *prog = NULL;
    int rc;

    *out = NULL;
    if (line == NULL)
        return CP_OK;
    if ((rc = argv_split(line, out, what, err)) != CP_OK)
        return rc;
    if ((rc = argv_find_program((*out)[0], &prog, what, err)) != CP_OK) {
        argv_free(*out);
        *out = NULL;
        return rc;
    }
    free((*out)[0]);
    (*out)[0] = prog;
    return CP_OK;
}

int manage_prepost_new(const struct manage_prepost_opts *o, struct manage_prepost **out, struct err *err)
{
    struct manage_prepost *p = calloc(1, sizeof(*p));
    int rc;

    *out = NULL;
    if (p == NULL)
        return err_nomem(err);
    if ((rc = command(o->pre, "--pre-hook", &p->pre, err)) != CP_OK ||
        (rc = command(o->post, "--post-hook", &p->post, err)) != CP_OK) {
        argv_free(p->pre);
        free(p);
        return rc;
    }
    p->o = *o;
    p->o.pre = p->o.post = NULL;  /* the caller's strings are not kept */
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return CP_OK;
}

/* Run one of the two: which is "pre-hook" or "post-hook". The pre-hook stops at the
 * first interruption; the post-hook still runs then (it restarts what the pre-hook stopped). */
static int run(struct manage_prepost *p, char **argv, const char *which, struct err *err)
{
    struct exec_opts eo = {.timeout_s = p->o.timeout_s, .cancel = p->o.cancel,
                           .stop = argv == p->pre ? EXEC_STOP_FIRST : EXEC_STOP_SECOND};
    int status = 0, rc;

    log_info(p->o.log, "running the %s %s", which, argv[0]);
    if ((rc = exec_run_opts((const char *const *)argv, &eo, &status, err)) != CP_OK) {
        err_prefix(err, "%s: ", which);
        return rc;
    }
    if (status != 0)
        return err_set(err, CP_EIO, "%s %s exited with status %d", which, argv[0], status);
    return CP_OK;
}

/* The pre-hook's outcome into err; the caller holds the lock. */
static int pre_result(const struct manage_prepost *p, struct err *err)
{
    if (p->pre_rc != CP_OK && err != NULL)
        err_set(err, p->pre_rc, "%s; nothing was ordered", p->pre_err.msg);
    return p->pre_rc;
}

int manage_prepost_before_order(struct manage_prepost *p, struct err *err)
{
    int rc;

    if (p == NULL)
        return CP_OK;
    pthread_mutex_lock(&p->lock);
    if (!p->asked && p->pre != NULL)
        p->pre_rc = run(p, p->pre, "pre-hook", &p->pre_err);
    p->asked = true;
    rc = pre_result(p, err);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int manage_prepost_pre_result(struct manage_prepost *p, struct err *err)
{
    int rc;

    if (p == NULL)
        return CP_OK;
    pthread_mutex_lock(&p->lock);
    rc = pre_result(p, err);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int manage_prepost_after(struct manage_prepost *p, struct err *err)
{
    if (p == NULL || !p->asked || p->post == NULL)
        return CP_OK;
    return run(p, p->post, "post-hook", err);
}

void manage_prepost_free(struct manage_prepost *p)
{
    if (p == NULL)
        return;
    argv_free(p->pre);
    argv_free(p->post);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
