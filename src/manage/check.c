/*
 * manage/check — `check`, like `nginx -t`: every certificate renew looks after
 * (the config's sections and every stored meta.json) checked as issue and renew
 * would check it, offline (solvers, providers and deploy targets are built and
 * freed: nothing is sent, bound or run), and what renew would do now with each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "manage/internal.h"
#include "util/clock.h"

/* A configured certificate: its section as the request renew would make, checked. */
static int check_configured(const struct config *cfg, const struct config_cert *c, struct err *err)
{
    struct manage_config_req *o = malloc(sizeof(*o));
    int rc = o != NULL ? manage_request_from_config(cfg, c, o, err) : err_nomem(err);

    if (rc == CP_OK && (rc = manage_issue_check(&o->req, err)) != CP_OK)
        err_prefix(err, "%s:%d: [cert:%s]: ", cfg->path, c->name.line, c->name.value);
    free(o);
    return rc;
}

/* A stored certificate's meta.json: readable, and (when no section replaces it) the
 * request and deploy targets renew would take from it. */
static int check_stored(struct manage *m, const char *name, bool configured, struct err *err)
{
    struct manage_req_from_meta *fm = malloc(sizeof(*fm));
    json_t *meta = NULL;
    int rc = fm != NULL ? store_cert_load_meta(m->store, name, &meta, err) : err_nomem(err);

    if (rc == CP_OK && meta == NULL && !configured)
        rc = err_set(err, CP_EINVALID, "has no meta.json to renew from");
    if (rc == CP_OK && !configured && (rc = manage_request_from_meta(meta, name, fm, err)) == CP_OK &&
        (rc = manage_issue_check(&fm->req, err)) == CP_OK)
        rc = targets_check_list(json_object_get(meta, "deploy"), err);
    if (rc != CP_OK && rc != CP_ENOMEM) {
        char *path = store_cert_path(m->store, name, "meta.json");
        if (path == NULL || strstr(err->msg, path) == NULL)  /* a parse error names the file already */
            err_prefix(err, "%s: ", path ? path : name);
        free(path);
    }
    json_decref(meta);
    free(fm);
    return rc;
}

/* What renew would do now: the decision renew and list make, offline. */
static void plan(struct manage *m, const struct config *cfg, const char *name, bool stored, time_t now,
                 char *buf, size_t len)
{
    struct manage_renew_result rr = {0};
    struct err e = {0};
    char at[32];

    if (!stored)
        snprintf(buf, len, "would be issued (new in the configuration)");
    else if (manage_renew_preview(m, cfg, name, now, &rr, &e) != CP_OK)
        snprintf(buf, len, "would be issued again (%.300s)", e.msg);
    else if (rr.due)
        snprintf(buf, len, "due now (%s)", rr.why);
    else
        snprintf(buf, len, "not due until %s (%s)", clock_format_utc(rr.at, at, sizeof(at)), rr.why);
    manage_renew_result_free(&rr);
}

static void check_one(struct manage *m, const struct config *cfg, const char *name, bool stored, time_t now,
                      struct manage_check_item *it)
{
    const struct config_cert *c = config_cert_find(cfg, name);
    struct err e = {0};

    it->name = name;
    it->rc = c != NULL ? check_configured(cfg, c, &e) : CP_OK;
    if (it->rc == CP_OK && stored)
        it->rc = check_stored(m, name, c != NULL, &e);
    snprintf(it->problem, sizeof(it->problem), "%s", e.msg);
    if (it->rc == CP_OK)
        plan(m, cfg, name, stored, now, it->plan, sizeof(it->plan));
}

int manage_check(struct manage *m, const struct config *cfg, time_t now, manage_check_cb cb, void *user,
                 unsigned *nproblems, struct err *err)
{
    char **names = NULL;
    size_t n = 0, nstored = 0;
    int rc = manage_cert_names(m, cfg, &names, &n, &nstored, err);

    *nproblems = 0;
    for (size_t i = 0; rc == CP_OK && i < n; i++) {
        struct manage_check_item *it = calloc(1, sizeof(*it));
        if (it == NULL) {
            rc = err_nomem(err);
            break;
        }
        check_one(m, cfg, names[i], i < nstored, now, it);
        *nproblems += it->rc != CP_OK;
        cb(user, it);
        free(it);
    }
    store_names_free(names, n);
    return rc;
}
