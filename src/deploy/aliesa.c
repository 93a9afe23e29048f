/*
 * deploy/aliesa — Alibaba Cloud ESA (Edge Security Acceleration, API
 * 2024-09-10): a site serves this version as an uploaded certificate, at
 * esa.<region>.aliyuncs.com (cn-hangzhou, or ap-southeast-1 outside the
 * Chinese mainland).
 *
 * ESA API reference (RPC style):
 *  - ListSites (GET): SiteName, SiteSearchType exact -> Sites[{SiteId, SiteName}];
 *  - ListCertificates (POST): SiteId, PageNumber, PageSize -> Result[{Id, Name,
 *    SerialNumber, Type}], TotalCount;
 *  - SetCertificate (POST, form body): SiteId, Type upload, Name, Certificate,
 *    PrivateKey, and Id to replace that certificate in place -> Id;
 *  - GetCertificate (POST): SiteId, Id -> Result {SerialNumber, ...}, Certificate.
 * A site already holding a certificate with our serial is left alone. Our
 * earlier upload (a name of our prefix) is replaced in place, so the site is
 * never without it and nothing old is left to delete; otherwise a new one is
 * added. After SetCertificate, GetCertificate must show our serial and leaf.
 *
 * Settings: site (main: the site's name, or its numeric SiteId), region, and
 * the common ones (deploy/aliyun.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/aliyun/esa.h"
#include "deploy/aliyun.h"
#include "deploy/common.h"
#include "util/str.h"

#define WHAT "aliesa"

static const char *const known[] = {"site", "region", ALI_COMMON_SETTINGS, NULL};

struct esa_target {
    struct deploy_target base;
    struct ali_conn c;           /* POST: the certificate actions */
    struct aliyun_client *get;   /* GET: ListSites */
    char *site, *site_id;        /* the setting; the SiteId once known */
};

/* The site's id: the setting when it is one, else the site of that name (ListSites). */
static int find_site(struct esa_target *t, struct err *err)
{
    struct esa_site *v = NULL;
    size_t n = 0;
    int rc;

    if (t->site_id != NULL)
        return CP_OK;
    if (strspn(t->site, "0123456789") == strlen(t->site))
        return (t->site_id = str_dup(t->site)) != NULL ? CP_OK : err_nomem(err);
    if ((rc = esa_sites(t->get, t->site, &v, &n, err)) == CP_OK && n == 0)
        rc = err_set(err, CP_ENOTFOUND, WHAT ": no ESA site %s in this account (ListSites)", t->site);
    if (rc == CP_OK && (t->site_id = str_dup(v[0].id)) == NULL)
        rc = err_nomem(err);
    esa_sites_free(v, n);
    return rc;
}

/* Does ESA's SerialNumber (any case, colons, leading zeros) name serial_hex? */
static bool same_serial(const char *esa, const char *serial_hex)
{
    char a[128] = "", *p = a;

    for (; esa != NULL && *esa != '\0' && p < a + sizeof(a) - 1; esa++)
        if (isxdigit((unsigned char)*esa) && (p > a || *esa != '0'))
            *p++ = (char)toupper((unsigned char)*esa);
    *p = '\0';
    serial_hex += strspn(serial_hex, "0");
    return esa != NULL && *a != '\0' && strcmp(a, serial_hex) == 0;
}

struct scan {
    const char *serial, *prefix;
    char *serving;  /* the Id of a certificate with our serial */
    char *ours;     /* the Id of our earlier upload */
};

static int scan_one(const json_t *item, void *ud, struct err *err)
{
    struct scan *s = ud;
    const char *name = json_string_value(json_object_get(item, "Name"));
    char *id = esa_id_text(json_object_get(item, "Id"));

    if (id == NULL)
        return 0;
    if (s->serving == NULL && same_serial(json_string_value(json_object_get(item, "SerialNumber")), s->serial))
        s->serving = id;
    else if (s->ours == NULL && name != NULL && ali_is_upload_of(name, s->prefix))
        s->ours = id;
    else
        free(id);
    (void)err;
    return s->serving != NULL;
}

static int scan(struct esa_target *t, const struct deploy_cert *c, struct scan *s, struct err *err)
{
    struct kv q[] = {{"SiteId", t->site_id}};
    struct kvlist l = {q, 1};
    int rc;

    memset(s, 0, sizeof(*s));
    s->serial = c->serial_hex;
    if ((s->prefix = ali_name_prefix(t->c.prefix, NULL, c->name)) == NULL)
        return err_nomem(err);
    rc = esa_paginate(t->c.cli, "ListCertificates", &l, "Result", scan_one, s, err);
    return rc < 0 ? rc : CP_OK;
}

static void scan_free(struct scan *s)
{
    free((char *)s->prefix);
    free(s->serving);
    free(s->ours);
}

static int set_cert(struct esa_target *t, const struct deploy_cert *c, const char *old, char **id,
                    struct err *err)
{
    char *name = ali_cert_name(t->c.prefix, NULL, c);
    struct kv q[] = {{"SiteId", t->site_id}, {"Type", "upload"}, {"Name", name}, {"Certificate", c->fullchain_pem},
                     {"PrivateKey", c->key_pem}, {"Id", old}};
    struct kvlist l = {q, old != NULL ? 6 : 5};
    struct aliyun_reply r = {0};
    int rc = name != NULL ? ali_call(&t->c, "SetCertificate", &l, c->key_pem, &r, err) : err_nomem(err);

    if (rc == CP_OK && (*id = esa_id_text(json_object_get(r.json, "Id"))) == NULL)
        rc = err_set(err, CP_EPROTO, WHAT ": SetCertificate: the reply has no Id");
    if (rc == CP_OK)
        log_info(t->c.log, WHAT ": site %s: %s certificate %s (%s)", t->site, old ? "replaced" : "added", *id, name);
    aliyun_reply_free(&r);
    free(name);
    return rc;
}

/* Read it back: GetCertificate must show our serial and our leaf. */
static int verify(struct esa_target *t, const struct deploy_cert *c, const char *id, struct err *err)
{
    struct kv q[] = {{"SiteId", t->site_id}, {"Id", id}};
    struct kvlist l = {q, 2};
    struct aliyun_reply r = {0};
    int rc = ali_call(&t->c, "GetCertificate", &l, NULL, &r, err);
    const char *serial = json_string_value(json_object_get(json_object_get(r.json, "Result"), "SerialNumber"));

    if (rc == CP_OK && (!same_serial(serial, c->serial_hex) ||
                        !ali_same_leaf(json_string_value(json_object_get(r.json, "Certificate")), c)))
        rc = err_set(err, CP_EPROTO, WHAT ": site %s: certificate %s does not show serial %s after SetCertificate "
                     "(GetCertificate)", t->site, id, c->serial_hex);
    aliyun_reply_free(&r);
    return rc;
}

static int esa_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct esa_target *t = (struct esa_target *)base;
    struct scan s = {0};
    char *id = NULL;
    int rc = find_site(t, err);

    if (rc == CP_OK && (rc = scan(t, c, &s, err)) == CP_OK && s.serving != NULL) {
        log_info(t->c.log, WHAT ": site %s already serves serial %s (certificate %s)", t->site, c->serial_hex,
                 s.serving);
    } else if (rc == CP_OK && (rc = set_cert(t, c, s.ours, &id, err)) == CP_OK) {
        *changed = true;
        rc = verify(t, c, id, err);
    }
    scan_free(&s);
    free(id);
    return rc;
}

static void esa_free(struct deploy_target *base)
{
    struct esa_target *t = (struct esa_target *)base;

    if (t == NULL)
        return;
    aliyun_client_free(t->get);
    ali_conn_close(&t->c);
    free(t->site);
    free(t->site_id);
    free(t);
}

/* A GET client beside the conn's POST one, with its credentials and settings. */
static int open_get(struct esa_target *t, const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    const char *sig = kv_get(s, "signature"), *ca = kv_get(s, "ca_bundle");
    struct aliyun_client_opts co = {.product = WHAT, .version = ESA_VERSION, .method = "GET", .log = opts->log,
                                    .endpoint = t->c.endpoint, .creds = t->c.creds, .http = opts->http,
                                    .ca_bundle = ca != NULL ? ca : opts->ca_bundle};

    co.sig = sig != NULL && strcmp(sig, "v2") == 0 ? ALIYUN_SIG_V2 : ALIYUN_SIG_V3;
    if ((t->get = aliyun_client_new(&co, err)) == NULL)
        return err != NULL && err->code != CP_OK ? err->code : CP_EUSAGE;
    return CP_OK;
}

static int read_settings(struct esa_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    const char *site = kv_get(s, "site"), *region = kv_get(s, "region");
    char *one[1] = {(char *)site}, ep[64];
    int rc = kv_check_known(s, known, WHAT, err);

    if (rc == CP_OK && (site == NULL || *site == '\0'))
        rc = err_set(err, CP_EUSAGE, WHAT ": site is not set (the ESA site's name, or its SiteId)");
    if (rc == CP_OK && strspn(site, "0123456789") != strlen(site))
        rc = ali_check_domains(WHAT, one, 1, err);
    if (rc == CP_OK && region != NULL && strcmp(region, "cn-hangzhou") != 0 && strcmp(region, "ap-southeast-1") != 0)
        rc = err_set(err, CP_EUSAGE, WHAT ": region must be cn-hangzhou (Chinese mainland) or ap-southeast-1 "
                     "(outside it) for ESA, not \"%s\"", region);
    if (rc == CP_OK && (t->site = str_dup(site)) == NULL)
        rc = err_nomem(err);
    snprintf(ep, sizeof(ep), "esa.%s.aliyuncs.com", region != NULL ? region : ESA_REGION);
    if (rc == CP_OK)
        rc = ali_conn_open(&t->c, WHAT, ESA_VERSION, ep, s, opts, err);
    return rc == CP_OK ? open_get(t, s, opts, err) : rc;
}

static struct deploy_target *esa_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    struct esa_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = esa_run;
    t->base.free = esa_free;
    if (read_settings(t, s, opts, err) != CP_OK) {
        esa_free(&t->base);
        return NULL;
    }
    return &t->base;
}

const struct deploy_type deploy_aliesa_type = {WHAT, esa_new, "site", NULL, false};
