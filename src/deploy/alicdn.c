/*
 * deploy/alicdn — Alibaba Cloud CDN (API 2018-05-10): the full chain and
 * key uploaded to each configured accelerated domain with
 * SetCdnDomainSSLCertificate (CertType upload, HTTPS on), skipped when
 * DescribeDomainCertificateInfo already shows this version, and checked
 * with it afterwards until the domain serves the new certificate.
 *
 * Settings: domain (main, repeatable, or a comma list), verify_timeout
 * (seconds to wait for the domain to serve the new certificate, default
 * 120, 0: do not check), and the common ones (deploy/aliyun.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto/cert.h"
#include "deploy/aliyun.h"
#include "deploy/common.h"

#define WHAT "alicdn"
#define CDN_VERSION "2018-05-10"
#define CDN_ENDPOINT "cdn.aliyuncs.com"
#define VERIFY_TIMEOUT_S 120
#define VERIFY_INTERVAL_S 5

static const char *const known[] = {"domain", "verify_timeout", ALI_COMMON_SETTINGS, NULL};

struct cdn_target {
    struct deploy_target base;
    struct ali_conn conn;
    char **domains;
    size_t ndomains;
    long verify_timeout;
};

/* The reply's entry for domain (CertInfos.CertInfo[]), or NULL. */
static json_t *cert_info(json_t *reply, const char *domain)
{
    json_t *list = json_object_get(json_object_get(reply, "CertInfos"), "CertInfo"), *it;
    size_t i;

    json_array_foreach(list, i, it) {
        const char *d = json_string_value(json_object_get(it, "DomainName"));
        if (d == NULL || strcasecmp(d, domain) == 0)
            return it;
    }
    return NULL;
}

/*
 * Is HTTPS on with this version? ServerCertificate is the PEM the domain
 * serves; when it is missing or does not parse, the CertName of this
 * version (it carries the serial) decides.
 */
static bool shows_version(json_t *info, const struct deploy_cert *c, const char *name)
{
    const char *on = json_string_value(json_object_get(info, "ServerCertificateStatus"));
    const char *pem = json_string_value(json_object_get(info, "ServerCertificate"));
    const char *cn = json_string_value(json_object_get(info, "CertName"));
    unsigned char *der = NULL;
    size_t len = 0;
    bool parses;

    if (info == NULL || on == NULL || strcmp(on, "on") != 0)
        return false;
    parses = pem != NULL && cert_pem_to_der(pem, strlen(pem), &der, &len, NULL) == CP_OK;
    free(der);
    if (parses)
        return ali_same_leaf(pem, c);
    return cn != NULL && strcmp(cn, name) == 0;
}

static int serves(struct cdn_target *t, const char *domain, const struct deploy_cert *c, const char *name,
                  bool *yes, struct err *err)
{
    struct kv p[] = {{"DomainName", domain}};
    struct kvlist l = {p, 1};
    struct aliyun_reply r;
    int rc = ali_call(&t->conn, "DescribeDomainCertificateInfo", &l, c, &r, err);

    *yes = rc == CP_OK && shows_version(cert_info(r.json, domain), c, name);
    aliyun_reply_free(&r);
    return rc;
}

/* The API takes the whole chain as SSLPub and the key as SSLPri, in the form body. */
static int upload(struct cdn_target *t, const char *domain, const struct deploy_cert *c, const char *name,
                  struct err *err)
{
    struct kv p[] = {{"DomainName", domain}, {"CertName", name}, {"CertType", "upload"},
                     {"SSLProtocol", "on"}, {"SSLPub", c->fullchain_pem}, {"SSLPri", c->key_pem}};
    struct kvlist l = {p, sizeof(p) / sizeof(p[0])};
    struct aliyun_reply r;
    int rc = ali_call(&t->conn, "SetCdnDomainSSLCertificate", &l, c, &r, err);

    aliyun_reply_free(&r);
    return rc;
}

static void sleep_s(long s)
{
    struct timespec ts = {s, 0};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Ask until the domain shows the new version, for at most verify_timeout seconds. */
static int verify(struct cdn_target *t, const char *domain, const struct deploy_cert *c, const char *name,
                  struct err *err)
{
    long step = t->verify_timeout < VERIFY_INTERVAL_S ? t->verify_timeout : VERIFY_INTERVAL_S;
    bool yes = false;
    int rc = CP_OK;

    for (long waited = 0; rc == CP_OK; waited += step) {
        if ((rc = serves(t, domain, c, name, &yes, err)) != CP_OK || yes)
            break;
        if (waited + step > t->verify_timeout)
            return err_set(err, CP_EPROTO, WHAT ": %s does not serve serial %s %ld s after the upload "
                           "(DescribeDomainCertificateInfo)", domain, c->serial_hex, t->verify_timeout);
        sleep_s(step);
    }
    return rc;
}

static int deploy_one(struct cdn_target *t, const char *domain, const struct deploy_cert *c, const char *name,
                      bool *changed, struct err *err)
{
    bool yes = false;
    int rc = serves(t, domain, c, name, &yes, err);

    if (rc != CP_OK || yes) {
        if (yes)
            log_info(t->conn.log, WHAT ": %s already serves serial %s", domain, c->serial_hex);
        return rc;
    }
    if ((rc = upload(t, domain, c, name, err)) != CP_OK)
        return rc;
    *changed = true;
    log_info(t->conn.log, WHAT ": %s: uploaded %s", domain, name);
    return t->verify_timeout > 0 ? verify(t, domain, c, name, err) : CP_OK;
}

/* Every domain is tried; the first failure is returned, the others are logged. */
static int cdn_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct cdn_target *t = (struct cdn_target *)base;
    char *name = ali_cert_name(t->conn.prefix, c);
    int first = CP_OK;

    if (name == NULL)
        return err_nomem(err);
    for (size_t i = 0; i < t->ndomains; i++) {
        struct err e = {0};
        int rc = deploy_one(t, t->domains[i], c, name, changed, &e);
        if (rc == CP_OK)
            continue;
        if (first == CP_OK)
            first = err_set(err, rc, "%s", e.msg);
        else
            log_error(t->conn.log, "%s", e.msg);
    }
    free(name);
    return first;
}

static void cdn_free(struct deploy_target *base)
{
    struct cdn_target *t = (struct cdn_target *)base;

    if (t == NULL)
        return;
    ali_conn_close(&t->conn);
    ali_list_free(t->domains, t->ndomains);
    free(t);
}

static int read_settings(struct cdn_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    int rc = kv_check_known(s, known, WHAT, err);

    t->verify_timeout = VERIFY_TIMEOUT_S;
    if (rc == CP_OK)
        rc = kv_get_long(s, "verify_timeout", 0, 3600, &t->verify_timeout, WHAT, err);
    if (rc == CP_OK)
        rc = ali_get_list(s, "domain", &t->domains, &t->ndomains, err);
    if (rc == CP_OK && t->ndomains == 0)
        rc = err_set(err, CP_EUSAGE, WHAT ": domain is not set (the CDN domain names to install on)");
    if (rc == CP_OK)
        rc = ali_conn_open(&t->conn, WHAT, CDN_VERSION, CDN_ENDPOINT, s, opts, err);
    return rc;
}

static struct deploy_target *cdn_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    struct cdn_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = cdn_run;
    t->base.free = cdn_free;
    if (read_settings(t, s, opts, err) != CP_OK) {
        cdn_free(&t->base);
        return NULL;
    }
    return &t->base;
}

const struct deploy_type deploy_alicdn_type = {WHAT, cdn_new, "domain", NULL, true};
