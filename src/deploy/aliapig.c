/*
 * deploy/aliapig — Alibaba Cloud's cloud-native API Gateway (APIG API
 * 2024-03-27): a domain's HTTPS certificate by its certificate service
 * identifier (deploy/alibyid.h), at apig.<region>.aliyuncs.com.
 *
 * APIG API reference (ROA style, JSON bodies, replies {code, message,
 * requestId, data}):
 *  - GetDomain: GET /v1/domains/{domainId} -> data {name, protocol,
 *    certIdentifier, forceHttps, tlsMin, tlsMax, http2Option, ...};
 *  - UpdateDomain: PUT /v1/domains/{domainId} {protocol (HTTPS),
 *    certIdentifier, and the TLS settings GetDomain showed, sent back so an
 *    update changes only the certificate}.
 * Skipped when the domain already has this identifier; read back after.
 *
 * Settings: domain (main: the domain id, d-...), region, cas_region, and
 * the common ones (deploy/aliyun.h; V3 signatures only).
 */
#include <stdlib.h>
#include <string.h>

#include "deploy/alibyid.h"
#include "deploy/common.h"
#include "util/str.h"

#define WHAT "aliapig"
#define APIG_VERSION "2024-03-27"

static const char *const known[] = {"domain", ALI_BYID_SETTINGS, NULL};
/* What UpdateDomain takes besides protocol and certIdentifier, carried over from GetDomain. */
static const char *const kept[] = {"forceHttps", "tlsMin", "tlsMax", "http2Option", "mTLSEnabled",
                                   "caCertIdentifier", "clientCACert", "tlsCipherSuitesConfig", NULL};

struct apig_target {
    struct deploy_target base;
    struct ali_byid b;
    char *domain, *path;
};

static int apig_call(struct apig_target *t, const char *method, const char *action, const json_t *body,
                     struct aliyun_reply *r, struct err *err)
{
    return aliyun_call_roa(t->b.svc.cli, method, t->path, action, body, NULL, r, err);
}

static const char *cert_of(const struct aliyun_reply *r)
{
    return json_string_value(json_object_get(json_object_get(r->json, "data"), "certIdentifier"));
}

static int update(struct apig_target *t, const struct aliyun_reply *d, const struct ali_byid_cert *c,
                  struct err *err)
{
    json_t *data = json_object_get(d->json, "data");
    json_t *body = json_pack("{s:s,s:s}", "protocol", "HTTPS", "certIdentifier", c->svc_id);
    struct aliyun_reply r = {0};
    int rc;

    if (body == NULL)
        return err_nomem(err);
    for (size_t i = 0; kept[i] != NULL; i++)
        if (json_object_get(data, kept[i]) != NULL && !json_is_null(json_object_get(data, kept[i])))
            json_object_set(body, kept[i], json_object_get(data, kept[i]));
    rc = apig_call(t, "PUT", "UpdateDomain", body, &r, err);
    if (rc == CP_OK)
        log_info(t->b.svc.log, WHAT ": %s: set certIdentifier %s (%s)", t->domain, c->svc_id, c->name);
    aliyun_reply_free(&r);
    json_decref(body);
    return rc;
}

static int apig_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct apig_target *t = (struct apig_target *)base;
    struct ali_byid_cert r;
    struct aliyun_reply d = {0}, after = {0};
    int rc = ali_byid_cert(&t->b, c, &r, err);

    if (rc == CP_OK)
        rc = apig_call(t, "GET", "GetDomain", NULL, &d, err);
    if (rc == CP_OK && ali_byid_is_this(&r, cert_of(&d))) {
        log_info(t->b.svc.log, WHAT ": %s already serves serial %s", t->domain, c->serial_hex);
    } else if (rc == CP_OK && (rc = update(t, &d, &r, err)) == CP_OK) {
        *changed = true;
        if ((rc = apig_call(t, "GET", "GetDomain", NULL, &after, err)) == CP_OK &&
            !ali_byid_is_this(&r, cert_of(&after)))
            rc = err_set(err, CP_EPROTO, WHAT ": %s does not show certIdentifier %s after UpdateDomain (GetDomain)",
                         t->domain, r.svc_id);
    }
    *changed |= r.uploaded;
    aliyun_reply_free(&d);
    aliyun_reply_free(&after);
    ali_byid_cert_free(&r);
    return rc;
}

static void apig_free(struct deploy_target *base)
{
    struct apig_target *t = (struct apig_target *)base;

    if (t == NULL)
        return;
    ali_byid_close(&t->b);
    free(t->domain);
    free(t->path);
    free(t);
}

static int read_settings(struct apig_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    const char *id = kv_get(s, "domain"), *sig = kv_get(s, "signature");
    int rc = kv_check_known(s, known, WHAT, err);

    if (rc == CP_OK && (id == NULL || *id == '\0' || strlen(id) > 64 ||
                        strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(id)))
        rc = err_set(err, CP_EUSAGE, WHAT ": domain is not set to a domain id (d-..., as GetDomain names it)");
    if (rc == CP_OK && sig != NULL && strcmp(sig, "v3") != 0)
        rc = err_set(err, CP_EUSAGE, WHAT ": the cloud-native API Gateway takes V3 signatures only (signature=v3)");
    if (rc == CP_OK && ((t->domain = str_dup(id)) == NULL || (t->path = str_printf("/v1/domains/%s", id)) == NULL))
        rc = err_nomem(err);
    return rc == CP_OK ? ali_byid_open(&t->b, WHAT, APIG_VERSION, "apig", s, opts, err) : rc;
}

static struct deploy_target *apig_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    struct apig_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = apig_run;
    t->base.free = apig_free;
    if (read_settings(t, s, opts, err) != CP_OK) {
        apig_free(&t->base);
        return NULL;
    }
    return &t->base;
}

const struct deploy_type deploy_aliapig_type = {WHAT, apig_new, "domain", NULL, false};
