#include "deploy/alilistener.h"

#include <stdlib.h>
#include <string.h>

#include "deploy/alibyid.h"
#include "deploy/common.h"
#include "util/str.h"

#define PAGE_SIZE "100"
#define MAX_PAGES 50

static const char *const known[] = {"listener", "as", ALI_BYID_SETTINGS, NULL};

struct lsn_target {
    struct deploy_target base;
    const struct lsn_api *api;
    struct ali_byid b;
    char *listener;
    bool additional;
};

/* One certificate a listener lists. */
struct lsn_cert {
    char *id;
    bool is_default;
};

struct lsn_certs {
    struct lsn_cert *v;
    size_t n;
};

static void certs_free(struct lsn_certs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].id);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* One call on the listener: ListenerId, the region when the API wants it, and one more parameter. */
static int lsn_call(struct lsn_target *t, const char *action, const char *k1, const char *v1, const char *k2,
                    const char *v2, struct aliyun_reply *r, struct err *err)
{
    struct kv p[4] = {{"ListenerId", t->listener}};
    struct kvlist l = {p, 1};

    if (t->api->region_param != NULL)
        p[l.n++] = (struct kv){t->api->region_param, t->b.region};
    if (k1 != NULL)
        p[l.n++] = (struct kv){k1, v1};
    if (k2 != NULL && v2 != NULL)
        p[l.n++] = (struct kv){k2, v2};
    return ali_call(&t->b.svc, action, &l, NULL, r, err);
}

static int add_page(struct lsn_certs *l, json_t *list, struct err *err)
{
    json_t *it;
    size_t i;

    json_array_foreach(list, i, it) {
        const char *id = json_string_value(json_object_get(it, "CertificateId"));
        struct lsn_cert *nv = id != NULL ? realloc(l->v, (l->n + 1) * sizeof(*nv)) : NULL;
        if (id == NULL)
            continue;
        if (nv == NULL)
            return err_nomem(err);
        l->v = nv;
        nv[l->n] = (struct lsn_cert){str_dup(id), json_is_true(json_object_get(it, "IsDefault"))};
        if (nv[l->n++].id == NULL)
            return err_nomem(err);
    }
    return CP_OK;
}

/* ListListenerCertificates (API reference of both products): the server certificates, NextToken paging. */
static int list_certs(struct lsn_target *t, struct lsn_certs *l, struct err *err)
{
    char *token = NULL;
    int rc = CP_OK;

    for (int n = 0; rc == CP_OK && n < MAX_PAGES; n++) {
        struct aliyun_reply r;
        const char *next;
        json_t *list;
        if ((rc = lsn_call(t, "ListListenerCertificates", "CertificateType", "Server", "NextToken", token, &r,
                           err)) != CP_OK)
            break;
        list = json_object_get(r.json, "Certificates");
        rc = json_is_array(list) ? add_page(l, list, err)
                                 : err_set(err, CP_EPROTO, "%s: ListListenerCertificates: the reply has no "
                                           "Certificates", t->api->what);
        next = json_string_value(json_object_get(r.json, "NextToken"));
        free(token);
        token = next != NULL && *next != '\0' ? str_dup(next) : NULL;
        aliyun_reply_free(&r);
        if (token == NULL)
            break;
    }
    free(token);
    return rc;
}

/* Does the listener serve this version as asked (the default, or an additional certificate)? */
static bool serves(const struct lsn_target *t, const struct lsn_certs *l, const struct ali_byid_cert *r)
{
    for (size_t i = 0; i < l->n; i++)
        if (ali_byid_is_this(r, l->v[i].id) && l->v[i].is_default == !t->additional)
            return true;
    return false;
}

/* Our earlier additional certificates leave once the new one is listed; a failure is a warning. */
static void remove_earlier(struct lsn_target *t, const struct deploy_cert *c, const struct lsn_certs *l,
                           const struct ali_byid_cert *r)
{
    for (size_t i = 0; i < l->n; i++) {
        struct aliyun_reply rep;
        struct err e = {0};
        if (l->v[i].is_default || !ali_byid_is_earlier(&t->b, r, c, l->v[i].id))
            continue;
        if (lsn_call(t, t->api->remove_action, t->api->remove_param, l->v[i].id, NULL, NULL, &rep, &e) == CP_OK)
            log_info(t->b.svc.log, "%s: %s: removed the earlier certificate %s", t->api->what, t->listener,
                     l->v[i].id);
        else
            log_warn(t->b.svc.log, "%s; the earlier certificate %s stays on %s", e.msg, l->v[i].id, t->listener);
        aliyun_reply_free(&rep);
    }
}

static int change(struct lsn_target *t, const struct ali_byid_cert *r, struct err *err)
{
    const char *action = t->additional ? "AssociateAdditionalCertificatesWithListener" : "UpdateListenerAttribute";
    struct aliyun_reply rep;
    int rc = lsn_call(t, action, t->additional ? t->api->add_param : t->api->default_param, r->svc_id, NULL, NULL,
                      &rep, err);

    aliyun_reply_free(&rep);
    if (rc == CP_OK)
        log_info(t->b.svc.log, "%s: %s: %s certificate %s (%s)", t->api->what, t->listener,
                 t->additional ? "added the additional" : "set the default", r->svc_id, r->name);
    return rc;
}

static int verify(struct lsn_target *t, const struct deploy_cert *c, const struct ali_byid_cert *r,
                  struct err *err)
{
    struct lsn_certs l = {0};
    int rc = list_certs(t, &l, err);

    if (rc == CP_OK && !serves(t, &l, r))
        rc = err_set(err, CP_EPROTO, "%s: listener %s does not list certificate %s as %s after the change "
                     "(ListListenerCertificates)", t->api->what, t->listener, r->svc_id,
                     t->additional ? "an additional one" : "its default");
    if (rc == CP_OK && t->additional)
        remove_earlier(t, c, &l, r);
    certs_free(&l);
    return rc;
}

static int lsn_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct lsn_target *t = (struct lsn_target *)base;
    struct ali_byid_cert r;
    struct lsn_certs l = {0};
    int rc = ali_byid_cert(&t->b, c, &r, err);

    *changed |= r.uploaded;
    if (rc == CP_OK)
        rc = list_certs(t, &l, err);
    if (rc == CP_OK && serves(t, &l, &r)) {
        log_info(t->b.svc.log, "%s: %s already serves serial %s", t->api->what, t->listener, c->serial_hex);
    } else if (rc == CP_OK && (rc = change(t, &r, err)) == CP_OK) {
        *changed = true;
        rc = verify(t, c, &r, err);
    }
    certs_free(&l);
    ali_byid_cert_free(&r);
    return rc;
}

static void lsn_free(struct deploy_target *base)
{
    struct lsn_target *t = (struct lsn_target *)base;

    if (t == NULL)
        return;
    ali_byid_close(&t->b);
    free(t->listener);
    free(t);
}

static int read_settings(struct lsn_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    const char *what = t->api->what, *lsn = kv_get(s, "listener"), *as = kv_get(s, "as");
    int rc = kv_check_known(s, known, what, err);

    if (rc == CP_OK && (lsn == NULL || *lsn == '\0'))
        return err_set(err, CP_EUSAGE, "%s: listener is not set (the listener id, such as lsn-...)", what);
    if (rc == CP_OK && (strlen(lsn) > 64 || strspn(lsn, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(lsn)))
        return err_set(err, CP_EUSAGE, "%s: listener \"%s\" is not a listener id such as lsn-...", what, lsn);
    if (rc == CP_OK && as != NULL && strcmp(as, "default") != 0 && strcmp(as, "additional") != 0)
        return err_set(err, CP_EUSAGE, "%s: as must be default or additional, not \"%s\"", what, as);
    if (rc != CP_OK)
        return rc;
    t->additional = as != NULL && strcmp(as, "additional") == 0;
    if ((t->listener = str_dup(lsn)) == NULL)
        return err_nomem(err);
    return ali_byid_open(&t->b, what, t->api->version, t->api->host, s, opts, err);
}

struct deploy_target *lsn_target_new(const struct lsn_api *api, const struct kvlist *s,
                                     const struct deploy_opts *opts, struct err *err)
{
    struct lsn_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = api->what;
    t->base.run = lsn_run;
    t->base.free = lsn_free;
    t->api = api;
    if (read_settings(t, s, opts, err) != CP_OK) {
        lsn_free(&t->base);
        return NULL;
    }
    return &t->base;
}
