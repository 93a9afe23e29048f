/*
 * deploy/alicdn — Alibaba Cloud CDN (API 2018-05-10): HTTPS on every
 * configured accelerated domain with this certificate version, through
 * SetCdnDomainSSLCertificate.
 *
 * Every domain is asked first (DescribeDomainCertificateInfo); one that
 * already serves this version is left alone. CDN files an uploaded
 * certificate in the certificate service under its CertName, and refuses
 * a second upload under the same name, so the version is uploaded once
 * (CertType upload: full chain and key) and every other domain is pointed
 * at that stored certificate (CertType cas with its CertId, taken from a
 * domain that serves it). Default names are "certpilot-cdn-...", apart
 * from alicas's; two alicdn targets of one certificate need their own
 * name settings. After each change the domain is asked again until it
 * serves the new certificate.
 *
 * Settings: domain (main, repeatable, or a comma list), verify_timeout
 * (seconds to wait for a domain to serve the new certificate, default
 * 120, 0: do not check), and the common ones (deploy/aliyun.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto/cert.h"
#include "util/clock.h"
#include "deploy/aliyun.h"
#include "deploy/common.h"
#include "util/str.h"

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

/* One run: this version, its upload name and key as sent, and where CDN keeps it once uploaded. */
struct cdn_run {
    const struct deploy_cert *c;
    char *name;
    char *key;  /* secret */
    size_t key_len;
    char *cert_id, *cert_region;  /* from a domain that serves this version; NULL until known */
    bool changed;
};

static void cdn_run_free(struct cdn_run *r)
{
    secret_free(r->key, r->key_len);
    free(r->name);
    free(r->cert_id);
    free(r->cert_region);
}

static bool str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

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
static bool shows_version(json_t *info, const struct cdn_run *r)
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
        return ali_same_leaf(pem, r->c);
    return str_eq(cn, r->name);
}

/* Keep the CertId (and CertRegion) of the stored certificate a domain serves, the first time one is seen. */
static int note_cert_id(struct cdn_run *r, json_t *info, struct err *err)
{
    const char *region = json_string_value(json_object_get(info, "CertRegion"));

    if (r->cert_id != NULL || (r->cert_id = ali_id_text(json_object_get(info, "CertId"))) == NULL)
        return CP_OK;
    if (region != NULL && *region != '\0' && (r->cert_region = strdup(region)) == NULL)
        return err_nomem(err);
    return CP_OK;
}

static int serves(struct cdn_target *t, const char *domain, struct cdn_run *r, bool *yes, struct err *err)
{
    struct kv p[] = {{"DomainName", domain}};
    struct kvlist l = {p, 1};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, "DescribeDomainCertificateInfo", &l, r->key, &rep, err);
    json_t *info = rc == CP_OK ? cert_info(rep.json, domain) : NULL;

    *yes = rc == CP_OK && shows_version(info, r);
    if (*yes || (info != NULL && str_eq(json_string_value(json_object_get(info, "CertName")), r->name)))
        rc = note_cert_id(r, info, err);  /* this version, or our upload of it not yet live */
    aliyun_reply_free(&rep);
    return rc;
}

/* The first upload: the whole chain as SSLPub and the key as SSLPri, in the form body. */
static int set_upload(struct cdn_target *t, const char *domain, const struct cdn_run *r, struct err *err)
{
    struct kv p[] = {{"DomainName", domain}, {"CertName", r->name}, {"CertType", "upload"},
                     {"SSLProtocol", "on"}, {"SSLPub", r->c->fullchain_pem}, {"SSLPri", r->key}};
    struct kvlist l = {p, sizeof(p) / sizeof(p[0])};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, "SetCdnDomainSSLCertificate", &l, r->key, &rep, err);

    aliyun_reply_free(&rep);
    return rc;
}

/* Every other domain: the certificate CDN already stored (the key is not sent again). */
static int set_stored(struct cdn_target *t, const char *domain, const struct cdn_run *r, struct err *err)
{
    struct kv p[] = {{"DomainName", domain}, {"CertType", "cas"}, {"CertId", r->cert_id},
                     {"SSLProtocol", "on"}, {"CertRegion", r->cert_region}};
    struct kvlist l = {p, r->cert_region != NULL ? 5 : 4};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, "SetCdnDomainSSLCertificate", &l, r->key, &rep, err);

    aliyun_reply_free(&rep);
    return rc;
}

/* Ask until the domain shows the new version, for at most verify_timeout seconds. */
static int verify(struct cdn_target *t, const char *domain, struct cdn_run *r, struct err *err)
{
    long step = t->verify_timeout < VERIFY_INTERVAL_S ? t->verify_timeout : VERIFY_INTERVAL_S;
    bool yes = false;
    int rc = CP_OK;

    for (long waited = 0; rc == CP_OK; waited += step) {
        if ((rc = serves(t, domain, r, &yes, err)) != CP_OK || yes)
            break;
        if (waited + step > t->verify_timeout)
            return err_set(err, CP_EPROTO, WHAT ": %s does not serve serial %s %ld s after the change "
                           "(DescribeDomainCertificateInfo)", domain, r->c->serial_hex, t->verify_timeout);
        clock_sleep_ms(step * 1000L);
    }
    return rc;
}

static int install(struct cdn_target *t, const char *domain, struct cdn_run *r, struct err *err)
{
    bool stored = r->cert_id != NULL, yes = false;
    int rc = stored ? set_stored(t, domain, r, err) : set_upload(t, domain, r, err);

    if (rc != CP_OK)
        return rc;
    r->changed = true;
    if (stored)
        log_info(t->conn.log, WHAT ": %s: set CertId %s (%s)", domain, r->cert_id, r->name);
    else
        log_info(t->conn.log, WHAT ": %s: uploaded %s", domain, r->name);
    if (t->verify_timeout > 0)
        return verify(t, domain, r, err);
    /* not checking: still learn the upload's CertId for the next domains (a name is accepted once) */
    return stored ? CP_OK : serves(t, domain, r, &yes, err);
}

/* Keep the first failure in err, log the later ones. */
static void keep_first(const struct cdn_target *t, int rc, const struct err *e, int *first, struct err *err)
{
    if (*first == CP_OK)
        *first = err_set(err, rc, "%s", e->msg);
    else
        log_error(t->conn.log, "%s", e->msg);
}

/* Every domain is tried: first who serves what, then the changes. */
static int run_all(struct cdn_target *t, struct cdn_run *r, int *state, struct err *err)
{
    int first = CP_OK;

    for (size_t i = 0; i < t->ndomains; i++) {  /* state: 1 serves this version, 0 to do, -1 failed */
        struct err e = {0};
        bool yes = false;
        int rc = serves(t, t->domains[i], r, &yes, &e);
        state[i] = rc != CP_OK ? -1 : yes;
        if (rc != CP_OK)
            keep_first(t, rc, &e, &first, err);
        else if (yes)
            log_info(t->conn.log, WHAT ": %s already serves serial %s", t->domains[i], r->c->serial_hex);
    }
    for (size_t i = 0; i < t->ndomains; i++) {
        struct err e = {0};
        int rc = state[i] == 0 ? install(t, t->domains[i], r, &e) : CP_OK;
        if (rc != CP_OK)
            keep_first(t, rc, &e, &first, err);
    }
    return first;
}

static int cdn_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct cdn_target *t = (struct cdn_target *)base;
    struct cdn_run r = {c, ali_cert_name(t->conn.prefix, t->conn.tag, c), NULL, 0, NULL, NULL, false};
    int *state = calloc(t->ndomains, sizeof(*state));
    int rc = r.name != NULL && state != NULL ? ali_key_pem(c, WHAT, &r.key, &r.key_len, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = run_all(t, &r, state, err);

    *changed |= r.changed;
    free(state);
    cdn_run_free(&r);
    return rc;
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
    if (rc == CP_OK)
        rc = ali_check_domains(WHAT, t->domains, t->ndomains, err);
    if (rc == CP_OK && t->ndomains == 0)
        rc = err_set(err, CP_EUSAGE, WHAT ": domain is not set (the CDN domain names to install on)");
    if (rc == CP_OK)
        rc = ali_conn_open(&t->conn, WHAT, CDN_VERSION, CDN_ENDPOINT, s, opts, err);
    /* CDN files its uploads in the certificate service: names apart from alicas's own uploads */
    t->conn.tag = "cdn";
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
