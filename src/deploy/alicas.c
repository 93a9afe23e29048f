/*
 * deploy/alicas — Alibaba Cloud Certificate Management Service (CAS API
 * 2020-04-07): the full chain and key uploaded once per version with
 * UploadUserCertificate, so SLB, WAF, OSS and others can pick it. The
 * account's uploads are listed first (ListUserCertificateOrder, OrderType
 * UPLOAD): a version already there under its name is not uploaded again.
 * With delete_old=yes (never by default) the earlier uploads of the same
 * name prefix are deleted (DeleteUserCertificate); one that cannot be (a
 * cloud resource still uses it) is a warning, not a failure.
 *
 * Settings: name (main: the prefix of upload names), delete_old (flag),
 * region (endpoint cas.<region>.aliyuncs.com), and the common ones
 * (deploy/aliyun.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cloud/aliyun/region.h"
#include "deploy/alicas.h"
#include "deploy/common.h"
#include "util/str.h"

#define WHAT "alicas"
#define CAS_VERSION "2020-04-07"
#define CAS_ENDPOINT "cas.aliyuncs.com"
#define PAGE_SIZE "50"
#define MAX_PAGES 200

static const char *const known[] = {"delete_old", "region", ALI_COMMON_SETTINGS, NULL};

struct cas_target {
    struct deploy_target base;
    struct ali_conn conn;
    bool delete_old;
};

void cas_uploads_free(struct cas_uploads *u)
{
    for (size_t i = 0; i < u->n; i++) {
        free(u->v[i].name);
        free(u->v[i].id);
    }
    free(u->v);
    memset(u, 0, sizeof(*u));
}

/* Add one upload; an entry without a name or id is not ours to match. */
static int add_upload(struct cas_uploads *u, const char *name, char *id, struct err *err)
{
    struct cas_upload *nv = name != NULL && id != NULL ? realloc(u->v, (u->n + 1) * sizeof(*nv)) : NULL;

    if (nv == NULL) {
        free(id);
        return name != NULL && id != NULL ? err_nomem(err) : CP_OK;
    }
    u->v = nv;
    nv[u->n] = (struct cas_upload){str_dup(name), id};
    return nv[u->n++].name != NULL ? CP_OK : err_nomem(err);
}

static int add_page(struct cas_uploads *u, json_t *list, struct err *err)
{
    json_t *it;
    size_t i;
    int rc = CP_OK;

    json_array_foreach(list, i, it) {
        if (rc == CP_OK)
            rc = add_upload(u, json_string_value(json_object_get(it, "Name")),
                            ali_id_text(json_object_get(it, "CertificateId")), err);
    }
    return rc;
}

/* Every upload of the account, page by page (CurrentPage from 1, ShowSize, TotalCount). */
int cas_list_uploads(struct ali_conn *cas, const char *key, struct cas_uploads *u, struct err *err)
{
    char page[24];
    struct kv p[] = {{"OrderType", "UPLOAD"}, {"CurrentPage", page}, {"ShowSize", PAGE_SIZE}};
    struct kvlist l = {p, 3};
    int rc = CP_OK;

    for (int n = 1; rc == CP_OK && n <= MAX_PAGES; n++) {
        struct aliyun_reply r;
        json_t *list;
        snprintf(page, sizeof(page), "%d", n);
        if ((rc = ali_call(cas, "ListUserCertificateOrder", &l, key, &r, err)) != CP_OK)
            break;
        list = json_object_get(r.json, "CertificateOrderList");
        if (!json_is_array(list))
            rc = err_set(err, CP_EPROTO, "%s: ListUserCertificateOrder: the reply has no CertificateOrderList",
                         cas->what);
        else if ((rc = add_page(u, list, err)) == CP_OK &&
                 (json_array_size(list) == 0 ||
                  (json_int_t)u->n >= json_integer_value(json_object_get(r.json, "TotalCount"))))
            n = MAX_PAGES;  /* the last page */
        aliyun_reply_free(&r);
    }
    return rc;
}

const char *cas_uploads_name(const struct cas_uploads *u, const char *id)
{
    for (size_t i = 0; id != NULL && i < u->n; i++)
        if (strcmp(u->v[i].id, id) == 0)
            return u->v[i].name;
    return NULL;
}

/* UploadUserCertificate (CAS API reference): Name, Cert (the full chain), Key; the reply's CertId. */
static int upload(struct ali_conn *cas, const struct deploy_cert *c, const char *name, const char *key,
                  char **id, struct err *err)
{
    struct kv p[] = {{"Name", name}, {"Cert", c->fullchain_pem}, {"Key", key}};
    struct kvlist l = {p, 3};
    struct aliyun_reply r;
    int rc = ali_call(cas, "UploadUserCertificate", &l, key, &r, err);

    *id = rc == CP_OK ? ali_id_text(json_object_get(r.json, "CertId")) : NULL;
    if (rc == CP_OK && *id == NULL)
        rc = err_set(err, CP_EPROTO, "%s: UploadUserCertificate: the reply has no CertId", cas->what);
    if (rc == CP_OK)
        log_info(cas->log, "%s: uploaded %s (CertId %s)", cas->what, name, *id);
    aliyun_reply_free(&r);
    return rc;
}

int cas_ensure(struct ali_conn *cas, const struct deploy_cert *c, const char *name, const char *key,
               struct cas_uploads *u, char **id, bool *uploaded, struct err *err)
{
    int rc;

    *id = NULL;
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->v[i].name, name) == 0) {
            log_info(cas->log, "%s: %s is already uploaded (CertId %s)", cas->what, name, u->v[i].id);
            return (*id = str_dup(u->v[i].id)) != NULL ? CP_OK : err_nomem(err);
        }
    if ((rc = upload(cas, c, name, key, id, err)) != CP_OK)
        return rc;
    *uploaded = true;
    return add_upload(u, name, str_dup(*id), err);
}

/* Delete the prefix's other uploads; failures are warnings (the new upload is in place). */
static void delete_old(struct cas_target *t, const struct deploy_cert *c, const struct cas_uploads *u,
                       const char *name, bool *changed)
{
    char *prefix = ali_name_prefix(t->conn.prefix, t->conn.tag, c->name);

    for (size_t i = 0; prefix != NULL && i < u->n; i++) {
        struct kv p[] = {{"CertId", u->v[i].id}};
        struct kvlist l = {p, 1};
        struct aliyun_reply r;
        struct err e = {0};
        if (strcmp(u->v[i].name, name) == 0 || !ali_is_upload_of(u->v[i].name, prefix))
            continue;
        if (ali_call(&t->conn, "DeleteUserCertificate", &l, NULL, &r, &e) == CP_OK) {
            log_info(t->conn.log, WHAT ": deleted the earlier upload %s (CertId %s)", u->v[i].name, u->v[i].id);
            *changed = true;
        } else {
            log_warn(t->conn.log, "%s; the earlier upload %s stays", e.msg, u->v[i].name);
        }
        aliyun_reply_free(&r);
    }
    free(prefix);
}

static int cas_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct cas_target *t = (struct cas_target *)base;
    struct cas_uploads u = {0};
    char *name = ali_cert_name(t->conn.prefix, t->conn.tag, c), *key = NULL, *id = NULL;
    size_t key_len = 0;
    int rc = name != NULL ? ali_key_pem(c, WHAT, &key, &key_len, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = cas_list_uploads(&t->conn, key, &u, err);
    if (rc == CP_OK)
        rc = cas_ensure(&t->conn, c, name, key, &u, &id, changed, err);
    if (rc == CP_OK && t->delete_old)
        delete_old(t, c, &u, name, changed);
    cas_uploads_free(&u);
    secret_free(key, key_len);
    free(name);
    free(id);
    return rc;
}

static void cas_free(struct deploy_target *base)
{
    struct cas_target *t = (struct cas_target *)base;

    if (t == NULL)
        return;
    ali_conn_close(&t->conn);
    free(t);
}

static int read_settings(struct cas_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    const char *region = kv_get(s, "region");
    char *endpoint = NULL;
    int rc = kv_check_known(s, known, WHAT, err);

    if (rc == CP_OK)
        rc = deploy_get_bool(s, "delete_old", false, &t->delete_old, WHAT, err);
    if (rc == CP_OK && region != NULL)
        rc = aliyun_region_check(WHAT, region, err);
    if (rc == CP_OK && region != NULL && (endpoint = str_printf("cas.%s.aliyuncs.com", region)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = ali_conn_open(&t->conn, WHAT, CAS_VERSION, endpoint != NULL ? endpoint : CAS_ENDPOINT, s, opts, err);
    free(endpoint);
    return rc;
}

static struct deploy_target *cas_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    struct cas_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = cas_run;
    t->base.free = cas_free;
    if (read_settings(t, s, opts, err) != CP_OK) {
        cas_free(&t->base);
        return NULL;
    }
    return &t->base;
}

static const char *const flags[] = {"delete_old", NULL};

const struct deploy_type deploy_alicas_type = {WHAT, cas_new, "name", flags, false};
