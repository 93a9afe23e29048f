/*
 * deploy/aliapigw — Alibaba Cloud API Gateway (CloudAPI 2016-07-14): the
 * full chain and key set on each custom domain of one API group with
 * SetDomainCertificate, skipped when DescribeDomain already shows this
 * version's certificate, and checked with it afterwards.
 *
 * Settings: domain (main, repeatable, or a comma list), group (the
 * GroupId), region (endpoint apigateway.<region>.aliyuncs.com; required
 * unless endpoint is set), and the common ones (deploy/aliyun.h).
 * DescribeDomain's reply also holds the installed private key: it is only
 * read for CertificateBody and freed, never logged.
 */
#include <stdlib.h>
#include <string.h>

#include "cloud/aliyun/region.h"
#include "deploy/aliyun.h"
#include "deploy/common.h"
#include "util/str.h"

#define WHAT "aliapigw"
#define APIGW_VERSION "2016-07-14"

static const char *const known[] = {"domain", "group", "region", ALI_COMMON_SETTINGS, NULL};

struct apigw_target {
    struct deploy_target base;
    struct ali_conn conn;
    char *group;
    char **domains;
    size_t ndomains;
};

/* Region ids and group ids are lower-case letters, digits and '-' (a typo would otherwise reach a URL). */
static bool is_id(const char *s)
{
    return *s != '\0' && strlen(s) <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
}

/* One run: this version, its name and key as sent. */
struct apigw_run {
    const struct deploy_cert *c;
    char *name;
    char *key;  /* secret */
    size_t key_len;
};

static int shows_version(struct apigw_target *t, const char *domain, const struct apigw_run *v, bool *yes,
                         struct err *err)
{
    struct kv p[] = {{"GroupId", t->group}, {"DomainName", domain}};
    struct kvlist l = {p, 2};
    struct aliyun_reply r;
    int rc = ali_call(&t->conn, "DescribeDomain", &l, v->key, &r, err);

    *yes = rc == CP_OK && ali_same_leaf(json_string_value(json_object_get(r.json, "CertificateBody")), v->c);
    aliyun_reply_free(&r);
    return rc;
}

static int deploy_one(struct apigw_target *t, const char *domain, const struct apigw_run *v, bool *changed,
                      struct err *err)
{
    struct kv p[] = {{"GroupId", t->group}, {"DomainName", domain}, {"CertificateName", v->name},
                     {"CertificateBody", v->c->fullchain_pem}, {"CertificatePrivateKey", v->key}};
    struct kvlist l = {p, sizeof(p) / sizeof(p[0])};
    struct aliyun_reply r;
    bool yes = false;
    int rc = shows_version(t, domain, v, &yes, err);

    if (rc != CP_OK || yes) {
        if (yes)
            log_info(t->conn.log, WHAT ": %s already has serial %s", domain, v->c->serial_hex);
        return rc;
    }
    rc = ali_call(&t->conn, "SetDomainCertificate", &l, v->key, &r, err);
    aliyun_reply_free(&r);
    if (rc != CP_OK)
        return rc;
    *changed = true;
    log_info(t->conn.log, WHAT ": %s: uploaded %s", domain, v->name);
    /* the gateway applies it at once: one look back confirms it took */
    if ((rc = shows_version(t, domain, v, &yes, err)) == CP_OK && !yes)
        rc = err_set(err, CP_EPROTO, WHAT ": %s does not show serial %s after SetDomainCertificate (DescribeDomain)",
                     domain, v->c->serial_hex);
    return rc;
}

/* Every domain is tried; the first failure is returned, the others are logged. */
static int apigw_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct apigw_target *t = (struct apigw_target *)base;
    struct apigw_run v = {c, ali_cert_name(t->conn.prefix, t->conn.tag, c), NULL, 0};
    int first = v.name != NULL ? ali_key_pem(c, WHAT, &v.key, &v.key_len, err) : err_nomem(err);
    bool ready = first == CP_OK;

    for (size_t i = 0; ready && i < t->ndomains; i++) {
        struct err e = {0};
        int rc = deploy_one(t, t->domains[i], &v, changed, &e);
        if (rc == CP_OK)
            continue;
        if (first == CP_OK)
            first = err_set(err, rc, "%s", e.msg);
        else
            log_error(t->conn.log, "%s", e.msg);
    }
    secret_free(v.key, v.key_len);
    free(v.name);
    return first;
}

static void apigw_free(struct deploy_target *base)
{
    struct apigw_target *t = (struct apigw_target *)base;

    if (t == NULL)
        return;
    ali_conn_close(&t->conn);
    ali_list_free(t->domains, t->ndomains);
    free(t->group);
    free(t);
}

/* The endpoint: the setting, or the region's. */
static int endpoint_of(const struct kvlist *s, char **out, struct err *err)
{
    const char *region = kv_get(s, "region");

    *out = NULL;
    if (kv_get(s, "endpoint") != NULL)
        return CP_OK;
    if (region == NULL)
        return err_set(err, CP_EUSAGE, WHAT ": region is not set (the API group's region, such as cn-hangzhou)");
    if (aliyun_region_check(WHAT, region, err) != CP_OK)
        return CP_EUSAGE;
    *out = str_printf("apigateway.%s.aliyuncs.com", region);
    return *out != NULL ? CP_OK : err_nomem(err);
}

/* Domains first: a mistaken "REGION:GROUP:DOMAIN" form shows up as a domain that is not one. */
static int read_domains_and_group(struct apigw_target *t, const struct kvlist *s, struct err *err)
{
    const char *group = kv_get(s, "group");
    int rc = ali_get_list(s, "domain", &t->domains, &t->ndomains, err);

    if (rc == CP_OK)
        rc = ali_check_domains(WHAT, t->domains, t->ndomains, err);
    if (rc == CP_OK && t->ndomains == 0)
        rc = err_set(err, CP_EUSAGE, WHAT ": domain is not set (the group's custom domain names)");
    if (rc == CP_OK && group == NULL)
        rc = err_set(err, CP_EUSAGE, WHAT ": group is not set (the API group's GroupId)");
    if (rc == CP_OK && !is_id(group))
        rc = err_set(err, CP_EUSAGE, WHAT ": group \"%s\" is not a GroupId (lower-case letters, digits, '-')",
                     group);
    if (rc == CP_OK && (t->group = str_dup(group)) == NULL)
        rc = err_nomem(err);
    return rc;
}

static int read_settings(struct apigw_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    char *endpoint = NULL;
    int rc = kv_check_known(s, known, WHAT, err);

    if (rc == CP_OK)
        rc = read_domains_and_group(t, s, err);
    if (rc == CP_OK)
        rc = endpoint_of(s, &endpoint, err);
    if (rc == CP_OK)
        rc = ali_conn_open(&t->conn, WHAT, APIGW_VERSION, endpoint, s, opts, err);
    free(endpoint);
    return rc;
}

static struct deploy_target *apigw_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    struct apigw_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = apigw_run;
    t->base.free = apigw_free;
    if (read_settings(t, s, opts, err) != CP_OK) {
        apigw_free(&t->base);
        return NULL;
    }
    return &t->base;
}

const struct deploy_type deploy_aliapigw_type = {WHAT, apigw_new, "domain", NULL, true};
