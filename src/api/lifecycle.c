/*
 * api/lifecycle — the public C API's rest of a certificate's life and its
 * account's: renew (manage_renew / manage_renew_all), revoke, deploy, delete,
 * account update, key change and deactivation; translation only.
 */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "manage/batch.h"
#include "util/str.h"

#define MAX_TARGETS 32

struct cp_renewals {
    struct cp_renewal *items;
    char **strings;   /* what the items point at */
    size_t n, nstrings;
};

/* A copy of s kept with the list; "" when out of memory (the item then says less). */
static const char *keep(cp_renewals *l, const char *s)
{
    char **grown = realloc(l->strings, (l->nstrings + 1) * sizeof(char *));
    char *copy = grown ? strdup(s ? s : "") : NULL;

    if (grown != NULL)
        l->strings = grown;
    if (copy == NULL)
        return "";
    l->strings[l->nstrings++] = copy;
    return copy;
}

static void add_renewal(cp_renewals *l, const char *name, int rc, const struct err *e,
                        const struct manage_renew_result *rr)
{
    struct cp_renewal *grown = realloc(l->items, (l->n + 1) * sizeof(*grown)), *it;
    const struct cert_info *ci = rr && (rr->renewed || rr->already_renewed) ? &rr->issued.info : NULL;

    if (grown == NULL)
        return;
    l->items = grown;
    it = &l->items[l->n++];
    *it = (struct cp_renewal){.name = keep(l, name), .status = rc,
                              .error = keep(l, rc != CP_OK ? (e->msg[0] ? e->msg : cp_strerror(rc)) : "")};
    if (rc != CP_OK || rr == NULL)
        return;
    it->due = rr->due;
    it->renewed = rr->renewed;
    it->already_renewed = rr->already_renewed;
    it->renew_at = rr->at;
    it->why = keep(l, rr->why);
    it->serial = keep(l, ci ? ci->serial_hex : "");
    it->not_after = ci ? ci->not_after : 0;
}

static void renew_done(void *user, void *job, const char *name, const struct manage_batch_result *res)
{
    (void)job;
    if (res != NULL)
        add_renewal(user, name, res->rc, res->err, res->renewal);
}

static int renew_one(cp_ctx *ctx, const struct cp_renew_options *o, cp_renewals *l, struct err *e)
{
    struct manage_renew_opts ro = {.now = o->now ? o->now : time(NULL), .force = o->force != 0,
                                   .reuse_key = o->reuse_key != 0};
    struct manage_renew_result rr = {0};
    struct manage *m = NULL;
    /* at the CA that issued it, as renew-all does */
    int rc = manage_open_for_cert(&ctx->mo, o->cert_name, &m, e);

    if (rc == CP_OK)
        rc = manage_renew(m, o->cert_name, NULL, &ro, &rr, e);
    add_renewal(l, o->cert_name, rc, e, &rr);
    manage_renew_result_free(&rr);
    manage_free(m);
    return rc;
}

static int renew_all(cp_ctx *ctx, const struct cp_renew_options *o, cp_renewals *l, struct err *e)
{
    struct manage_renew_all_opts ra = {.manage = ctx->mo, .jobs = o->jobs, .now = o->now, .force = o->force != 0,
                                       .reuse_key = o->reuse_key != 0, .done = renew_done, .user = l};
    struct manage_batch_stats st = {0};

    return manage_renew_all(&ra, &st, e);
}

int cp_renew(cp_ctx *ctx, const struct cp_renew_options *o, cp_renewals **out, struct cp_error *err)
{
    struct err e = {0};
    cp_renewals *l = NULL;
    int rc = api_check_version("cp_renew_options", o ? &o->version : NULL, CP_RENEW_OPTIONS_VERSION, err);

    *out = NULL;
    if (rc != CP_OK)
        return rc;
    if ((l = calloc(1, sizeof(*l))) == NULL)
        return api_give_error(&(struct err){CP_ENOMEM, "out of memory"}, err);
    rc = o->cert_name != NULL ? renew_one(ctx, o, l, &e) : renew_all(ctx, o, l, &e);
    if (l->n == 0) {
        cp_renewals_free(l);
        l = NULL;
    }
    *out = l;
    return rc == CP_OK ? CP_OK : api_give_error(&e, err);
}

size_t cp_renewals_count(const cp_renewals *l)
{
    return l != NULL ? l->n : 0;
}

const struct cp_renewal *cp_renewals_get(const cp_renewals *l, size_t i)
{
    return l != NULL && i < l->n ? &l->items[i] : NULL;
}

void cp_renewals_free(cp_renewals *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->nstrings; i++)
        free(l->strings[i]);
    free(l->strings);
    free(l->items);
    free(l);
}

int cp_cert_revoke(cp_ctx *ctx, const struct cp_revoke_options *o, struct cp_error *err)
{
    struct err e = {0};
    struct manage *m = NULL;
    struct manage_revoked out = {0};
    struct manage_revoke_req r;
    int rc = api_check_version("cp_revoke_options", o ? &o->version : NULL, CP_REVOKE_OPTIONS_VERSION, err);

    if (rc != CP_OK)
        return rc;
    if ((o->cert_name == NULL) == (o->cert_file == NULL))
        return api_give_error(&(struct err){CP_EUSAGE, "cp_cert_revoke: give cert_name or cert_file (not both)"},
                              err);
    r = (struct manage_revoke_req){o->cert_name, o->cert_file, o->reason, o->by_cert_key != 0, o->key_file,
                                   o->account};
    /* the CA that issued it is the one that can revoke it */
    if ((rc = manage_open_for_cert(&ctx->mo, o->cert_name, &m, &e)) == CP_OK)
        rc = manage_revoke(m, &r, &out, &e);
    manage_revoked_free(&out);
    manage_free(m);
    return rc == CP_OK ? CP_OK : api_give_error(&e, err);
}

int cp_cert_deploy(cp_ctx *ctx, const char *name, const struct cp_deploy_options *o, struct cp_error *err)
{
    struct err e = {0};
    struct manage_target add[MAX_TARGETS];
    struct manage_deploy_opts d = {0};
    int rc = o != NULL ? api_check_version("cp_deploy_options", &o->version, CP_DEPLOY_OPTIONS_VERSION, err) : CP_OK;

    if (rc != CP_OK)
        return rc;
    if (o != NULL && o->nadd > MAX_TARGETS)
        return api_give_error(&(struct err){CP_EUSAGE, "cp_cert_deploy: more than 32 targets to add"}, err);
    for (size_t i = 0; o != NULL && i < o->nadd; i++)
        add[i] = (struct manage_target){.spec = o->add[i]};
    if (o != NULL)
        d = (struct manage_deploy_opts){.add = add, .nadd = o->nadd, .remove = o->remove, .nremove = o->nremove,
                                        .force = o->force != 0};
    rc = manage_deploy(ctx->m, name, &d, &e);
    return rc == CP_OK ? CP_OK : api_give_error(&e, err);
}

int cp_cert_delete(cp_ctx *ctx, const char *name, int purge, struct cp_error *err)
{
    struct err e = {0};
    struct manage_deleted d = {0};
    int rc = manage_cert_delete(ctx->m, NULL, name, purge != 0, &d, &e);

    manage_deleted_free(&d);
    return rc == CP_OK ? CP_OK : api_give_error(&e, err);
}

int cp_account_update(cp_ctx *ctx, const char *name, const char *const *emails, size_t n, struct cp_error *err)
{
    struct err e = {0};
    struct acme_account a = {0};
    int rc = manage_account_update(ctx->m, name, emails, n, &a, &e);

    acme_account_free(&a);
    return rc == CP_OK ? CP_OK : api_give_error(&e, err);
}

int cp_account_key_change(cp_ctx *ctx, const char *name, const char *key_type, const char *key_file,
                          struct cp_error *err)
{
    struct err e = {0};
    char *archived = NULL;
    int rc = manage_account_key_change(ctx->m, name, key_type, key_file, &archived, &e);

    free(archived);
    return rc == CP_OK ? CP_OK : api_give_error(&e, err);
}

int cp_account_deactivate(cp_ctx *ctx, const char *name, struct cp_error *err)
{
    struct err e = {0};

    return manage_account_deactivate(ctx->m, name, &e) == CP_OK ? CP_OK : api_give_error(&e, err);
}
