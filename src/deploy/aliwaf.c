/*
 * deploy/aliwaf — Alibaba Cloud WAF 3.0 (API 2021-10-01): a domain
 * protected in CNAME access mode serves this version from the certificate
 * service (deploy/alibyid.h), at wafopenapi.<region>.aliyuncs.com.
 *
 * WAF 3.0 API reference (RPC style, POST):
 *  - DescribeDomainDetail: InstanceId, Domain, RegionId -> Cname, Listen
 *    {CertId, HttpsPorts, ...}, Redirect {Backends: [{Backend}], ...};
 *  - ModifyDomain: InstanceId, Domain, RegionId, AccessType (share: CNAME
 *    access), Listen and Redirect as JSON texts. The whole Listen is sent,
 *    so the domain's settings are read first and sent back with the new
 *    CertId; Redirect's backends go back as the plain addresses ModifyDomain
 *    takes.
 * A domain without a Cname was added in cloud-native mode (through an ALB,
 * CLB or ECS instance), whose certificate this API does not set: refused.
 *
 * Settings: domain (main), instance (the WAF InstanceId), region
 * (cn-hangzhou or ap-southeast-1), and those of deploy/alibyid.h.
 */
#include <stdlib.h>
#include <string.h>

#include "deploy/alibyid.h"
#include "deploy/common.h"
#include "util/str.h"

#define WHAT "aliwaf"
#define WAF_VERSION "2021-10-01"

static const char *const known[] = {"domain", "instance", ALI_BYID_SETTINGS, NULL};

struct waf_target {
    struct deploy_target base;
    struct ali_byid b;
    char *domain, *instance;
};

static int waf_call(struct waf_target *t, const char *action, const char *listen, const char *redirect,
                    struct aliyun_reply *r, struct err *err)
{
    struct kv p[] = {{"InstanceId", t->instance}, {"Domain", t->domain}, {"RegionId", t->b.region},
                     {"AccessType", "share"}, {"Listen", listen}, {"Redirect", redirect}};
    struct kvlist l = {p, listen != NULL ? 6 : 3};

    return ali_call(&t->b.svc, action, &l, NULL, r, err);
}

/* The domain's detail; CP_EUSAGE for a domain not in CNAME mode. */
static int detail(struct waf_target *t, struct aliyun_reply *r, struct err *err)
{
    int rc = waf_call(t, "DescribeDomainDetail", NULL, NULL, r, err);
    const char *cname = rc == CP_OK ? json_string_value(json_object_get(r->json, "Cname")) : NULL;

    if (rc == CP_OK && (cname == NULL || *cname == '\0'))
        rc = err_set(err, CP_EUSAGE, WHAT ": %s is not protected in CNAME access mode (DescribeDomainDetail "
                     "shows no Cname); only CNAME access is supported: in cloud-native mode the certificate "
                     "belongs on the load balancer (alialb, alinlb)", t->domain);
    if (rc == CP_OK && json_array_size(json_object_get(json_object_get(r->json, "Listen"), "HttpsPorts")) == 0)
        rc = err_set(err, CP_EUSAGE, WHAT ": %s has no HTTPS port (Listen.HttpsPorts is empty): add one in WAF "
                     "first", t->domain);
    return rc;
}

/* Redirect as ModifyDomain takes it: Backends and BackupBackends as plain addresses. */
static json_t *redirect_of(const json_t *detail)
{
    static const char *const lists[] = {"Backends", "BackupBackends"};
    json_t *r = json_deep_copy(json_object_get(detail, "Redirect")), *it;
    size_t i;

    if (!json_is_object(r)) {
        json_decref(r);
        return json_object();
    }
    for (size_t k = 0; k < 2; k++) {
        json_t *in = json_object_get(r, lists[k]), *out = json_array();
        json_array_foreach(in, i, it)
            json_array_append(out, json_is_object(it) ? json_object_get(it, "Backend") : it);
        if (in != NULL)
            json_object_set(r, lists[k], out);
        json_decref(out);
    }
    return r;
}

static int modify(struct waf_target *t, const json_t *d, const struct ali_byid_cert *c, struct err *err)
{
    json_t *listen = json_deep_copy(json_object_get(d, "Listen")), *redirect = redirect_of(d);
    char *ls = NULL, *rs = NULL;
    struct aliyun_reply r = {0};
    int rc = CP_OK;

    if (listen == NULL || json_object_set_new(listen, "CertId", json_string(c->svc_id)) != 0 ||
        (ls = json_dumps(listen, JSON_COMPACT)) == NULL || (rs = json_dumps(redirect, JSON_COMPACT)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = waf_call(t, "ModifyDomain", ls, rs, &r, err);
    if (rc == CP_OK)
        log_info(t->b.svc.log, WHAT ": %s: set CertId %s (%s)", t->domain, c->svc_id, c->name);
    aliyun_reply_free(&r);
    json_decref(listen);
    json_decref(redirect);
    free(ls);
    free(rs);
    return rc;
}

static bool serves(const struct aliyun_reply *d, const struct ali_byid_cert *c)
{
    return ali_byid_is_this(c, json_string_value(json_object_get(json_object_get(d->json, "Listen"), "CertId")));
}

static int waf_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct waf_target *t = (struct waf_target *)base;
    struct ali_byid_cert r;
    struct aliyun_reply d = {0}, after = {0};
    int rc = detail(t, &d, err);  /* a domain in another mode is refused before anything is uploaded */

    memset(&r, 0, sizeof(r));
    if (rc == CP_OK && (rc = ali_byid_cert(&t->b, c, &r, err)) == CP_OK && serves(&d, &r)) {
        log_info(t->b.svc.log, WHAT ": %s already serves serial %s", t->domain, c->serial_hex);
    } else if (rc == CP_OK && (rc = modify(t, d.json, &r, err)) == CP_OK) {
        *changed = true;
        if ((rc = detail(t, &after, err)) == CP_OK && !serves(&after, &r))
            rc = err_set(err, CP_EPROTO, WHAT ": %s does not show CertId %s after ModifyDomain "
                         "(DescribeDomainDetail)", t->domain, r.svc_id);
    }
    *changed |= r.uploaded;
    aliyun_reply_free(&d);
    aliyun_reply_free(&after);
    ali_byid_cert_free(&r);
    return rc;
}

static void waf_free(struct deploy_target *base)
{
    struct waf_target *t = (struct waf_target *)base;

    if (t == NULL)
        return;
    ali_byid_close(&t->b);
    free(t->domain);
    free(t->instance);
    free(t);
}

static int read_settings(struct waf_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    const char *domain = kv_get(s, "domain"), *inst = kv_get(s, "instance"), *region = kv_get(s, "region");
    char *one[1] = {(char *)domain};
    int rc = kv_check_known(s, known, WHAT, err);

    if (rc == CP_OK && domain == NULL)
        rc = err_set(err, CP_EUSAGE, WHAT ": domain is not set (the domain WAF protects)");
    if (rc == CP_OK)
        rc = ali_check_domains(WHAT, one, 1, err);
    if (rc == CP_OK && (inst == NULL || *inst == '\0' || strspn(inst, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
                                                             strlen(inst)))
        rc = err_set(err, CP_EUSAGE, WHAT ": instance is not set to a WAF instance id (waf_v2_public_cn-...)");
    if (rc == CP_OK && region != NULL && strcmp(region, "cn-hangzhou") != 0 && strcmp(region, "ap-southeast-1") != 0)
        rc = err_set(err, CP_EUSAGE, WHAT ": region must be cn-hangzhou (Chinese mainland) or ap-southeast-1 "
                     "(outside it) for WAF 3.0, not \"%s\"", region);
    if (rc == CP_OK && ((t->domain = str_dup(domain)) == NULL || (t->instance = str_dup(inst)) == NULL))
        rc = err_nomem(err);
    return rc == CP_OK ? ali_byid_open(&t->b, WHAT, WAF_VERSION, "wafopenapi", s, opts, err) : rc;
}

static struct deploy_target *waf_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    struct waf_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = waf_run;
    t->base.free = waf_free;
    if (read_settings(t, s, opts, err) != CP_OK) {
        waf_free(&t->base);
        return NULL;
    }
    return &t->base;
}

const struct deploy_type deploy_aliwaf_type = {WHAT, waf_new, "domain", NULL, false};
