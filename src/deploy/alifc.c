/*
 * deploy/alifc — Alibaba Cloud Function Compute 3.0 (API 2023-03-30): a
 * custom domain's HTTPS certificate (certConfig), at fcv3.<region>.aliyuncs.com.
 *
 * FC 3.0 API reference (and @alicloud/fc20230330: ROA style, JSON bodies):
 *  - GetCustomDomain: GET /2023-03-30/custom-domains/{domainName} ->
 *    {domainName, protocol, certConfig {certName, certificate}};
 *  - UpdateCustomDomain: PUT on the same path with UpdateCustomDomainInput
 *    {certConfig {certName, certificate, privateKey}, protocol}: the full
 *    chain and key, so the call carries the key and an error reply's
 *    Message is never shown. A domain that served HTTP only gets
 *    "HTTP,HTTPS"; one with HTTPS keeps its protocol.
 * Skipped when the domain already serves this version; read back after.
 *
 * Settings: domain (main), region (required), and the common ones
 * (deploy/aliyun.h; signature v2 is refused: FC 3.0 takes V3 only).
 */
#include <stdlib.h>
#include <string.h>

#include "cloud/aliyun/region.h"
#include "cloud/aliyun/sign.h"
#include "deploy/alibyid.h"
#include "deploy/common.h"
#include "util/str.h"

#define WHAT "alifc"
#define FC_VERSION "2023-03-30"

static const char *const known[] = {"domain", "region", ALI_COMMON_SETTINGS, NULL};

struct fc_target {
    struct deploy_target base;
    struct ali_conn conn;
    char *domain, *path;
};

/* key: the key as sent, or NULL; it is scrubbed from every error line either way. */
static int fc_call(struct fc_target *t, const char *method, const char *action, const json_t *body,
                   const char *key, struct aliyun_reply *r, struct err *err)
{
    int rc = aliyun_call_roa(t->conn.cli, method, t->path, action, body, body != NULL ? key : NULL, r, err);

    if (rc != CP_OK)
        ali_scrub(err, WHAT, key);
    return rc;
}

static bool serves(const json_t *domain, const struct deploy_cert *c)
{
    return ali_same_leaf(json_string_value(json_object_get(json_object_get(domain, "certConfig"), "certificate")),
                         c);
}

/* HTTPS stays as configured; a domain that served HTTP only serves both from now on. */
static const char *protocol_of(const json_t *domain)
{
    const char *p = json_string_value(json_object_get(domain, "protocol"));

    return p != NULL && strstr(p, "HTTPS") != NULL ? p : "HTTP,HTTPS";
}

static int update(struct fc_target *t, const struct deploy_cert *c, const json_t *domain, const char *key,
                  struct err *err)
{
    char *name = ali_cert_name(t->conn.prefix, NULL, c);
    json_t *body = name != NULL ? json_pack("{s:{s:s,s:s,s:s},s:s}", "certConfig", "certName", name, "certificate",
                                            c->fullchain_pem, "privateKey", key, "protocol", protocol_of(domain))
                                : NULL;
    struct aliyun_reply r = {0};
    int rc = body != NULL ? fc_call(t, "PUT", "UpdateCustomDomain", body, key, &r, err) : err_nomem(err);

    if (rc == CP_OK)
        log_info(t->conn.log, WHAT ": %s: uploaded %s", t->domain, name);
    aliyun_reply_free(&r);
    if (body != NULL)  /* the body holds a copy of the key */
        json_object_clear(json_object_get(body, "certConfig"));
    json_decref(body);
    free(name);
    return rc;
}

static int fc_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct fc_target *t = (struct fc_target *)base;
    struct aliyun_reply d = {0}, after = {0};
    char *key = NULL;
    size_t key_len = 0;
    int rc = ali_key_pem(c, WHAT, &key, &key_len, err);

    if (rc == CP_OK)
        rc = fc_call(t, "GET", "GetCustomDomain", NULL, key, &d, err);
    if (rc == CP_OK && serves(d.json, c)) {
        log_info(t->conn.log, WHAT ": %s already serves serial %s", t->domain, c->serial_hex);
    } else if (rc == CP_OK && (rc = update(t, c, d.json, key, err)) == CP_OK) {
        *changed = true;
        if ((rc = fc_call(t, "GET", "GetCustomDomain", NULL, key, &after, err)) == CP_OK && !serves(after.json, c))
            rc = err_set(err, CP_EPROTO, WHAT ": %s does not serve serial %s after UpdateCustomDomain "
                         "(GetCustomDomain)", t->domain, c->serial_hex);
    }
    aliyun_reply_free(&d);
    aliyun_reply_free(&after);
    secret_free(key, key_len);
    return rc;
}

static void fc_free(struct deploy_target *base)
{
    struct fc_target *t = (struct fc_target *)base;

    if (t == NULL)
        return;
    ali_conn_close(&t->conn);
    free(t->domain);
    free(t->path);
    free(t);
}

static int read_settings(struct fc_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    const char *domain = kv_get(s, "domain"), *region = kv_get(s, "region");
    char *one[1] = {(char *)domain}, *host = NULL, *enc = NULL;
    int rc = kv_check_known(s, known, WHAT, err);

    if (rc == CP_OK && domain == NULL)
        rc = err_set(err, CP_EUSAGE, WHAT ": domain is not set (the custom domain name in Function Compute)");
    if (rc == CP_OK && (rc = ali_check_domains(WHAT, one, 1, err)) == CP_OK && region == NULL)
        rc = err_set(err, CP_EUSAGE, WHAT ": region is not set (the service's region, such as cn-hangzhou)");
    if (rc == CP_OK)
        rc = aliyun_region_check(WHAT, region, err);
    if (rc == CP_OK && ((t->domain = str_dup(domain)) == NULL || (enc = aliyun_pct_encode(domain)) == NULL ||
                        (host = str_printf("fcv3.%s.aliyuncs.com", region)) == NULL ||
                        (t->path = str_printf("/" FC_VERSION "/custom-domains/%s", enc)) == NULL))
        rc = err_nomem(err);
    if (rc == CP_OK && kv_get(s, "signature") != NULL && strcmp(kv_get(s, "signature"), "v3") != 0)
        rc = err_set(err, CP_EUSAGE, WHAT ": Function Compute 3.0 takes V3 signatures only (signature=v3)");
    if (rc == CP_OK)
        rc = ali_conn_open(&t->conn, WHAT, FC_VERSION, host, s, opts, err);
    free(host);
    free(enc);
    return rc;
}

static struct deploy_target *fc_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    struct fc_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = fc_run;
    t->base.free = fc_free;
    if (read_settings(t, s, opts, err) != CP_OK) {
        fc_free(&t->base);
        return NULL;
    }
    return &t->base;
}

const struct deploy_type deploy_alifc_type = {WHAT, fc_new, "domain", NULL, false};
