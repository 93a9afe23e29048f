#include "deploy/alibyid.h"

#include <stdlib.h>
#include <string.h>

#include "cloud/aliyun/region.h"
#include "util/str.h"

#define CAS_VERSION "2020-04-07"
#define CAS_REGION "cn-hangzhou"

static int read_region(const struct kvlist *s, const char *key, const char *def, const char *what, char **out,
                       struct err *err)
{
    const char *v = kv_get(s, key);

    if (v == NULL && def == NULL)
        return err_set(err, CP_EUSAGE, "%s: %s is not set (the service's region, such as cn-hangzhou)", what, key);
    if (v == NULL)
        v = def;
    if (!aliyun_region_known(v)) {
        char w[96];  /* cas_region: say which setting */
        snprintf(w, sizeof(w), strcmp(key, "region") == 0 ? "%s" : "%s: %s", what, key);
        return aliyun_region_check(w, v, err);
    }
    return (*out = str_dup(v)) != NULL ? CP_OK : err_nomem(err);
}

int ali_byid_open(struct ali_byid *b, const char *what, const char *version, const char *host,
                  const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    char *svc_host = NULL, *cas_host = NULL;
    int rc;

    memset(b, 0, sizeof(*b));
    if ((rc = read_region(s, "region", NULL, what, &b->region, err)) != CP_OK ||
        (rc = read_region(s, "cas_region", CAS_REGION, what, &b->cas_region, err)) != CP_OK)
        return rc;
    svc_host = str_printf("%s.%s.aliyuncs.com", host, b->region);
    /* CAS's endpoint in its home region has no region part */
    cas_host = strcmp(b->cas_region, CAS_REGION) == 0 ? str_dup("cas.aliyuncs.com")
                                                      : str_printf("cas.%s.aliyuncs.com", b->cas_region);
    if (svc_host == NULL || cas_host == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = ali_conn_open(&b->svc, what, version, svc_host, s, opts, err);
    if (rc == CP_OK)
        rc = ali_conn_open(&b->cas, what, CAS_VERSION, cas_host, s, opts, err);
    free(svc_host);
    free(cas_host);
    return rc;
}

void ali_byid_close(struct ali_byid *b)
{
    if (b == NULL)
        return;
    ali_conn_close(&b->svc);
    ali_conn_close(&b->cas);
    free(b->region);
    free(b->cas_region);
    memset(b, 0, sizeof(*b));
}

int ali_byid_cert(struct ali_byid *b, const struct deploy_cert *c, struct ali_byid_cert *r, struct err *err)
{
    int rc;

    memset(r, 0, sizeof(*r));
    if ((r->name = ali_cert_name(b->svc.prefix, NULL, c)) == NULL)
        return err_nomem(err);
    if ((rc = ali_key_pem(c, b->svc.what, &r->key, &r->key_len, err)) != CP_OK ||
        (rc = cas_list_uploads(&b->cas, r->key, &r->u, err)) != CP_OK ||
        (rc = cas_ensure(&b->cas, c, r->name, r->key, &r->u, &r->cert_id, &r->uploaded, err)) != CP_OK)
        return rc;
    r->svc_id = str_printf("%s-%s", r->cert_id, b->cas_region);
    return r->svc_id != NULL ? CP_OK : err_nomem(err);
}

void ali_byid_cert_free(struct ali_byid_cert *r)
{
    if (r == NULL)
        return;
    secret_free(r->key, r->key_len);
    free(r->name);
    cas_uploads_free(&r->u);
    free(r->cert_id);
    free(r->svc_id);
    memset(r, 0, sizeof(*r));
}

/* The CertId part of a service's id: "14-cn-hangzhou" -> "14" (malloc'd; NULL: no memory). */
static char *cert_id_of(const char *svc_id)
{
    return strndup(svc_id, strspn(svc_id, "0123456789"));
}

bool ali_byid_is_this(const struct ali_byid_cert *r, const char *svc_id)
{
    return svc_id != NULL && (strcmp(svc_id, r->svc_id) == 0 || strcmp(svc_id, r->cert_id) == 0);
}

bool ali_byid_is_earlier(const struct ali_byid *b, const struct ali_byid_cert *r, const struct deploy_cert *c,
                         const char *svc_id)
{
    char *id = svc_id != NULL ? cert_id_of(svc_id) : NULL, *prefix = ali_name_prefix(b->svc.prefix, NULL, c->name);
    const char *name = id != NULL ? cas_uploads_name(&r->u, id) : NULL;
    bool yes = name != NULL && prefix != NULL && strcmp(name, r->name) != 0 && ali_is_upload_of(name, prefix);

    free(id);
    free(prefix);
    return yes;
}
