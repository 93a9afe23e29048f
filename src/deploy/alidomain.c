/*
 * deploy/alidomain — HTTPS on the accelerated domains of the Alibaba Cloud
 * products that take a certificate per domain the way CDN does, one row of
 * `products` each:
 *
 *   alicdn   CDN 2018-05-10               SetCdnDomainSSLCertificate, DescribeDomainCertificateInfo
 *   alidcdn  DCDN 2018-01-15              SetDcdnDomainSSLCertificate, DescribeDcdnDomainCertificateInfo
 *   alilive  ApsaraVideo Live 2016-11-01  SetLiveDomainCertificate, DescribeLiveDomainCertificateInfo
 *   alivod   ApsaraVideo VOD 2017-03-21   SetVodDomainCertificate, DescribeVodDomainCertificateInfo
 *
 * Every domain is asked first; one that already serves this version is left
 * alone. CDN, DCDN and Live file an uploaded certificate in the certificate
 * service under its CertName and refuse a second upload under the same name,
 * so the version is uploaded once (CertType upload: full chain and key) and
 * every other domain is pointed at the stored certificate (CertType cas: by
 * its CertId, taken from a domain that serves it, for CDN and DCDN; by
 * CertName for Live). VOD's call has no CertType: each domain is sent the
 * chain and key. Default names carry the product ("certpilot-cdn-...",
 * "certpilot-dcdn-..."), apart from alicas's and from each other's. After
 * each change the domain is asked again until it serves the new version.
 *
 * alicdn with delete_old: once the domains serve the new version, each
 * certificate they served before that is one of ours (an earlier upload of
 * this name prefix) and that no CDN domain shows any more
 * (DescribeCdnHttpsDomainList, every page) is deleted from the certificate
 * service (CAS 2020-04-07 DeleteUserCertificate); a failed delete is a
 * warning.
 *
 * Settings: domain (main, repeatable, or a comma list), verify_timeout
 * (seconds to wait for a domain to serve the new certificate, default 120,
 * 0: do not check); alivod: region (default cn-shanghai, endpoint
 * vod.<region>.aliyuncs.com); alicdn: delete_old (flag), cas_endpoint
 * (default cas.aliyuncs.com); and the common ones (deploy/aliyun.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/cert.h"
#include "cloud/aliyun/region.h"
#include "deploy/aliyun.h"
#include "deploy/common.h"
#include "util/clock.h"
#include "util/str.h"

#define VERIFY_TIMEOUT_S 120
#define VERIFY_INTERVAL_S 5
#define CAS_VERSION "2020-04-07"
#define CAS_ENDPOINT "cas.aliyuncs.com"
#define LIST_PAGE_SIZE "100"
#define DEFAULT_REGION "cn-shanghai"
#define LIST_MAX_PAGES 200

/* How the domains after the first upload are pointed at the stored certificate. */
enum reuse {
    REUSE_BY_ID,    /* CertType cas, CertId (and CertRegion) */
    REUSE_BY_NAME,  /* CertType cas, CertName */
    REUSE_NONE,     /* no CertType: every domain is sent the chain and key */
};

struct dom_product {
    const char *what, *label, *tag, *version;
    const char *endpoint;  /* the host, or with regional the host's first label ("vod": vod.<region>...) */
    bool regional;         /* a region setting (default cn-shanghai) picks the endpoint */
    const char *set_action, *describe_action;
    const char *status_field, *pem_field;  /* "on" in status_field; the PEM served in pem_field */
    enum reuse reuse;
    const char *const *known;
    const char *list_action;  /* who shows a certificate (delete_old), or NULL: no delete_old */
};

struct dom_target {
    struct deploy_target base;
    const struct dom_product *p;
    struct ali_conn conn, cas;  /* cas: opened with delete_old only */
    char **domains;
    size_t ndomains;
    long verify_timeout;
    bool delete_old;
};

/* A certificate a domain served before this run: its CertName and CertId, or NULLs. */
struct old_cert {
    char *name, *id;
};

/* One run: this version, its upload name and key as sent, and where the product keeps it once uploaded. */
struct dom_run {
    const struct deploy_cert *c;
    char *name;
    char *key;  /* secret */
    size_t key_len;
    char *cert_id, *cert_region;  /* REUSE_BY_ID: from a domain that serves this version; NULL until known */
    bool stored;                  /* REUSE_BY_NAME: the upload is stored under name */
    bool changed;
    struct old_cert *old;         /* per domain */
    int *state;                   /* per domain: 1 serves this version, 0 to do, -1 failed */
};

static void dom_run_free(struct dom_run *r, size_t n)
{
    secret_free(r->key, r->key_len);
    free(r->name);
    free(r->cert_id);
    free(r->cert_region);
    for (size_t i = 0; r->old != NULL && i < n; i++) {
        free(r->old[i].name);
        free(r->old[i].id);
    }
    free(r->old);
    free(r->state);
}

static bool str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static const char *field(const json_t *info, const char *name)
{
    return json_string_value(json_object_get(info, name));
}

/* The reply's entry for domain (CertInfos.CertInfo[]), or NULL. */
static json_t *cert_info(json_t *reply, const char *domain)
{
    json_t *list = json_object_get(json_object_get(reply, "CertInfos"), "CertInfo"), *it;
    size_t i;

    json_array_foreach(list, i, it) {
        const char *d = field(it, "DomainName");
        if (d == NULL || strcasecmp(d, domain) == 0)
            return it;
    }
    return NULL;
}

/* Is HTTPS on with this version? The PEM served decides; when it is missing or does not parse, the
 * CertName of this version (it carries the serial) does. */
static bool shows_version(const struct dom_product *p, json_t *info, const struct dom_run *r)
{
    const char *pem = field(info, p->pem_field);
    unsigned char *der = NULL;
    size_t len = 0;
    bool parses;

    if (info == NULL || !str_eq(field(info, p->status_field), "on"))
        return false;
    parses = pem != NULL && cert_pem_to_der(pem, strlen(pem), &der, &len, NULL) == CP_OK;
    free(der);
    if (parses)
        return ali_same_leaf(pem, r->c);
    return str_eq(field(info, "CertName"), r->name);
}

/* Keep where the stored upload of this version is, the first time a domain shows it. */
static int note_stored(const struct dom_product *p, struct dom_run *r, json_t *info, struct err *err)
{
    const char *region = field(info, "CertRegion");

    r->stored = true;
    if (p->reuse != REUSE_BY_ID || r->cert_id != NULL ||
        (r->cert_id = ali_id_text(json_object_get(info, "CertId"))) == NULL)
        return CP_OK;
    if (region != NULL && *region != '\0' && (r->cert_region = strdup(region)) == NULL)
        return err_nomem(err);
    return CP_OK;
}

/* What a domain served before (another version), for delete_old. */
static int note_old(json_t *info, struct old_cert *old, struct err *err)
{
    const char *name = field(info, "CertName");

    if (old == NULL || name == NULL || (old->id = ali_id_text(json_object_get(info, "CertId"))) == NULL)
        return CP_OK;
    return (old->name = strdup(name)) != NULL ? CP_OK : err_nomem(err);
}

/* Ask the domain what it serves; old (may be NULL) gets the certificate when it is not this version's. */
static int serves(struct dom_target *t, const char *domain, struct dom_run *r, bool *yes, struct old_cert *old,
                  struct err *err)
{
    struct kv p[] = {{"DomainName", domain}};
    struct kvlist l = {p, 1};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, t->p->describe_action, &l, r->key, &rep, err);
    json_t *info = rc == CP_OK ? cert_info(rep.json, domain) : NULL;
    bool ours = info != NULL && str_eq(field(info, "CertName"), r->name);

    *yes = rc == CP_OK && shows_version(t->p, info, r);
    if (*yes || ours)
        rc = note_stored(t->p, r, info, err);  /* this version, or our upload of it not yet live */
    else if (info != NULL && str_eq(field(info, t->p->status_field), "on"))
        rc = note_old(info, old, err);
    aliyun_reply_free(&rep);
    return rc;
}

/* The first upload: the whole chain as SSLPub and the key as SSLPri, in the form body. */
static int set_upload(struct dom_target *t, const char *domain, const struct dom_run *r, struct err *err)
{
    struct kv p[] = {{"DomainName", domain}, {"CertName", r->name}, {"SSLProtocol", "on"},
                     {"SSLPub", r->c->fullchain_pem}, {"SSLPri", r->key}, {"CertType", "upload"}};
    struct kvlist l = {p, t->p->reuse == REUSE_NONE ? 5 : 6};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, t->p->set_action, &l, r->key, &rep, err);

    aliyun_reply_free(&rep);
    return rc;
}

/* Every other domain: the certificate the product already stored (the key is not sent again). */
static int set_stored(struct dom_target *t, const char *domain, const struct dom_run *r, struct err *err)
{
    struct kv by_id[] = {{"DomainName", domain}, {"CertType", "cas"}, {"CertId", r->cert_id},
                         {"SSLProtocol", "on"}, {"CertRegion", r->cert_region}};
    struct kv by_name[] = {{"DomainName", domain}, {"CertType", "cas"}, {"CertName", r->name},
                           {"SSLProtocol", "on"}};
    struct kvlist l = {by_id, r->cert_region != NULL ? 5 : 4};
    struct aliyun_reply rep;
    int rc;

    if (t->p->reuse == REUSE_BY_NAME)
        l = (struct kvlist){by_name, 4};
    rc = ali_call(&t->conn, t->p->set_action, &l, r->key, &rep, err);
    aliyun_reply_free(&rep);
    return rc;
}

/* Ask until the domain shows the new version, for at most verify_timeout seconds. */
static int verify(struct dom_target *t, const char *domain, struct dom_run *r, struct err *err)
{
    long step = t->verify_timeout < VERIFY_INTERVAL_S ? t->verify_timeout : VERIFY_INTERVAL_S;
    bool yes = false;
    int rc = CP_OK;

    for (long waited = 0; rc == CP_OK; waited += step) {
        if ((rc = serves(t, domain, r, &yes, NULL, err)) != CP_OK || yes)
            break;
        if (waited + step > t->verify_timeout)
            return err_set(err, CP_EPROTO, "%s: %s does not serve serial %s %ld s after the change (%s)",
                           t->p->what, domain, r->c->serial_hex, t->verify_timeout, t->p->describe_action);
        clock_sleep_ms(step * 1000L);
    }
    return rc;
}

static bool can_reuse(const struct dom_target *t, const struct dom_run *r)
{
    return t->p->reuse == REUSE_BY_ID ? r->cert_id != NULL : t->p->reuse == REUSE_BY_NAME && r->stored;
}

static int install(struct dom_target *t, const char *domain, struct dom_run *r, struct err *err)
{
    bool stored = can_reuse(t, r), yes = false;
    int rc = stored ? set_stored(t, domain, r, err) : set_upload(t, domain, r, err);

    if (rc != CP_OK)
        return rc;
    r->changed = true;
    r->stored = true;
    if (stored)
        log_info(t->conn.log, "%s: %s: set the stored %s%s%s", t->p->what, domain, r->name,
                 r->cert_id != NULL ? ", CertId " : "", r->cert_id != NULL ? r->cert_id : "");
    else
        log_info(t->conn.log, "%s: %s: uploaded %s", t->p->what, domain, r->name);
    if (t->verify_timeout > 0)
        return verify(t, domain, r, err);
    /* not checking: still learn the upload's CertId for the next domains (a name is accepted once) */
    return stored || t->p->reuse != REUSE_BY_ID ? CP_OK : serves(t, domain, r, &yes, NULL, err);
}

/* Keep the first failure in err, log the later ones. */
static void keep_first(const struct dom_target *t, int rc, const struct err *e, int *first, struct err *err)
{
    if (*first == CP_OK)
        *first = err_set(err, rc, "%s", e->msg);
    else
        log_error(t->conn.log, "%s", e->msg);
}

/* Every domain is tried: first who serves what, then the changes. */
static int run_all(struct dom_target *t, struct dom_run *r, struct err *err)
{
    int first = CP_OK;

    for (size_t i = 0; i < t->ndomains; i++) {
        struct err e = {0};
        bool yes = false;
        int rc = serves(t, t->domains[i], r, &yes, &r->old[i], &e);
        r->state[i] = rc != CP_OK ? -1 : yes;
        if (rc != CP_OK)
            keep_first(t, rc, &e, &first, err);
        else if (yes)
            log_info(t->conn.log, "%s: %s already serves serial %s", t->p->what, t->domains[i], r->c->serial_hex);
    }
    for (size_t i = 0; i < t->ndomains; i++) {
        struct err e = {0};
        int rc = r->state[i] == 0 ? install(t, t->domains[i], r, &e) : CP_OK;
        if (rc != CP_OK) {
            r->state[i] = -1;
            keep_first(t, rc, &e, &first, err);
        }
    }
    return first;
}

/* Does a domain of the account still show the certificate called name? Every page of list_action. */
static int still_shown(struct dom_target *t, const char *name, bool *yes, struct err *err)
{
    char page[24];
    struct kv p[] = {{"PageNumber", page}, {"PageSize", LIST_PAGE_SIZE}};
    struct kvlist l = {p, 2};
    size_t seen = 0;
    int rc = CP_OK;

    *yes = false;
    for (int n = 1; rc == CP_OK && !*yes && n <= LIST_MAX_PAGES; n++) {
        struct aliyun_reply rep;
        json_t *list, *it;
        size_t i;
        snprintf(page, sizeof(page), "%d", n);
        if ((rc = ali_call(&t->conn, t->p->list_action, &l, NULL, &rep, err)) != CP_OK)
            break;
        list = json_object_get(json_object_get(rep.json, "CertInfos"), "CertInfo");
        json_array_foreach(list, i, it)
            *yes |= str_eq(field(it, "CertName"), name);
        seen += json_array_size(list);
        if (json_array_size(list) == 0 ||
            (json_int_t)seen >= json_integer_value(json_object_get(rep.json, "TotalCount")))
            n = LIST_MAX_PAGES;  /* the last page */
        aliyun_reply_free(&rep);
    }
    return rc;
}

/* Delete one earlier upload a domain served, when nothing shows it any more; failures are warnings. */
static void delete_one(struct dom_target *t, const struct old_cert *o, bool *changed)
{
    struct kv p[] = {{"CertId", o->id}};
    struct kvlist l = {p, 1};
    struct aliyun_reply rep = {0};
    struct err e = {0};
    bool shown = true;

    if (still_shown(t, o->name, &shown, &e) != CP_OK)
        log_warn(t->conn.log, "%s; the earlier upload %s stays", e.msg, o->name);
    else if (shown)
        log_info(t->conn.log, "%s: %s is still used by a domain; it stays", t->p->what, o->name);
    else if (ali_call(&t->cas, "DeleteUserCertificate", &l, NULL, &rep, &e) != CP_OK)
        log_warn(t->conn.log, "%s; the earlier upload %s stays", e.msg, o->name);
    else {
        log_info(t->conn.log, "%s: deleted the earlier upload %s (CertId %s)", t->p->what, o->name, o->id);
        *changed = true;
    }
    aliyun_reply_free(&rep);
}

/* Each distinct earlier upload of this prefix that a domain now on this version served. */
static void delete_old(struct dom_target *t, struct dom_run *r)
{
    char *prefix = ali_name_prefix(t->conn.prefix, t->conn.tag, r->c->name);

    for (size_t i = 0; prefix != NULL && i < t->ndomains; i++) {
        const struct old_cert *o = &r->old[i];
        bool seen = false;
        if (r->state[i] < 0 || o->name == NULL || str_eq(o->name, r->name) || !ali_is_upload_of(o->name, prefix))
            continue;
        for (size_t j = 0; j < i; j++)
            seen |= r->state[j] >= 0 && str_eq(r->old[j].id, o->id);
        if (!seen)
            delete_one(t, o, &r->changed);
    }
    free(prefix);
}

static int dom_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct dom_target *t = (struct dom_target *)base;
    struct dom_run r = {.c = c, .name = ali_cert_name(t->conn.prefix, t->conn.tag, c)};
    int rc;

    r.old = calloc(t->ndomains, sizeof(*r.old));
    r.state = calloc(t->ndomains, sizeof(*r.state));
    rc = r.name != NULL && r.old != NULL && r.state != NULL ? ali_key_pem(c, t->p->what, &r.key, &r.key_len, err)
                                                             : err_nomem(err);
    if (rc == CP_OK)
        rc = run_all(t, &r, err);
    if (rc == CP_OK && t->delete_old)
        delete_old(t, &r);

    *changed |= r.changed;
    dom_run_free(&r, t->ndomains);
    return rc;
}

static void dom_free(struct deploy_target *base)
{
    struct dom_target *t = (struct dom_target *)base;

    if (t == NULL)
        return;
    ali_conn_close(&t->conn);
    ali_conn_close(&t->cas);
    ali_list_free(t->domains, t->ndomains);
    free(t);
}

/* The certificate service's client: the common settings, with cas_endpoint as its endpoint. */
static int open_cas(struct dom_target *t, const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    const char *ep = kv_get(s, "cas_endpoint");
    struct kv *items = calloc(s->n + 1, sizeof(*items));
    struct kvlist l = {items, 0};
    int rc;

    if (items == NULL)
        return err_nomem(err);
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i].key, "endpoint") != 0)
            items[l.n++] = s->items[i];
    rc = ali_conn_open(&t->cas, t->p->what, CAS_VERSION, ep != NULL ? ep : CAS_ENDPOINT, &l, opts, err);
    free(items);
    return rc;
}

/* A regional product: the region's endpoint (vod.<region>.aliyuncs.com), the region checked first. */
static int endpoint_of(const struct dom_product *p, const struct kvlist *s, char **out, struct err *err)
{
    const char *region = kv_get(s, "region");
    int rc;

    if (!p->regional)
        return (*out = str_dup(p->endpoint)) != NULL ? CP_OK : err_nomem(err);
    if (region == NULL)
        region = DEFAULT_REGION;
    if ((rc = aliyun_region_check(p->what, region, err)) != CP_OK)
        return rc;
    *out = str_printf("%s.%s.aliyuncs.com", p->endpoint, region);
    return *out != NULL ? CP_OK : err_nomem(err);
}

static int read_settings(struct dom_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    const char *what = t->p->what;
    char *endpoint = NULL;
    int rc = kv_check_known(s, t->p->known, what, err);

    t->verify_timeout = VERIFY_TIMEOUT_S;
    if (rc == CP_OK)
        rc = kv_get_long(s, "verify_timeout", 0, 3600, &t->verify_timeout, what, err);
    if (rc == CP_OK)
        rc = deploy_get_bool(s, "delete_old", false, &t->delete_old, what, err);
    if (rc == CP_OK)
        rc = ali_get_list(s, "domain", &t->domains, &t->ndomains, err);
    if (rc == CP_OK)
        rc = ali_check_domains(what, t->domains, t->ndomains, err);
    if (rc == CP_OK && t->ndomains == 0)
        rc = err_set(err, CP_EUSAGE, "%s: domain is not set (the %s domain names to install on)", what, t->p->label);
    if (rc == CP_OK)
        rc = endpoint_of(t->p, s, &endpoint, err);
    if (rc == CP_OK)
        rc = ali_conn_open(&t->conn, what, t->p->version, endpoint, s, opts, err);
    if (rc == CP_OK && t->delete_old)
        rc = open_cas(t, s, opts, err);
    /* uploads are filed in the certificate service: names apart from alicas's and the other products' */
    t->conn.tag = t->cas.tag = t->p->tag;
    free(endpoint);
    return rc;
}

static struct deploy_target *dom_new(const struct dom_product *p, const struct kvlist *s,
                                     const struct deploy_opts *opts, struct err *err)
{
    struct dom_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = p->what;
    t->base.run = dom_run;
    t->base.free = dom_free;
    t->p = p;
    if (read_settings(t, s, opts, err) != CP_OK) {
        dom_free(&t->base);
        return NULL;
    }
    return &t->base;
}

#define COMMON "domain", "verify_timeout", ALI_COMMON_SETTINGS
static const char *const known_cdn[] = {COMMON, "delete_old", "cas_endpoint", NULL};
static const char *const known_plain[] = {COMMON, NULL};
static const char *const known_vod[] = {COMMON, "region", NULL};

/*
 * CDN: SetCdnDomainSSLCertificate, DescribeDomainCertificateInfo, DescribeCdnHttpsDomainList
 * (help.aliyun.com/document_detail/91095.html, 91182.html, 91198.html).
 */
static const struct dom_product cdn = {"alicdn", "CDN", "cdn", "2018-05-10", "cdn.aliyuncs.com", false,
                                       "SetCdnDomainSSLCertificate", "DescribeDomainCertificateInfo",
                                       "ServerCertificateStatus", "ServerCertificate", REUSE_BY_ID, known_cdn,
                                       "DescribeCdnHttpsDomainList"};
/*
 * DCDN: SetDcdnDomainSSLCertificate (DomainName, SSLProtocol, CertType upload|cas, CertName, SSLPub,
 * SSLPri, CertId, CertRegion), DescribeDcdnDomainCertificateInfo (CertInfos.CertInfo[]: SSLProtocol,
 * SSLPub, CertName, CertId, CertRegion) — help.aliyun.com/document_detail/130626.html, 130633.html,
 * and @alicloud/dcdn20180115's client.
 */
static const struct dom_product dcdn = {"alidcdn", "DCDN", "dcdn", "2018-01-15", "dcdn.aliyuncs.com", false,
                                        "SetDcdnDomainSSLCertificate", "DescribeDcdnDomainCertificateInfo",
                                        "SSLProtocol", "SSLPub", REUSE_BY_ID, known_plain, NULL};
/*
 * Live: SetLiveDomainCertificate (DomainName, SSLProtocol, CertName, CertType upload|cas, SSLPub,
 * SSLPri), DescribeLiveDomainCertificateInfo (CertInfos.CertInfo[]: SSLProtocol, SSLPub, CertName) —
 * help.aliyun.com/document_detail/85503.html, 85509.html.
 */
static const struct dom_product live = {"alilive", "Live", "live", "2016-11-01", "live.aliyuncs.com", false,
                                        "SetLiveDomainCertificate", "DescribeLiveDomainCertificateInfo",
                                        "SSLProtocol", "SSLPub", REUSE_BY_NAME, known_plain, NULL};
/*
 * VOD: SetVodDomainCertificate (DomainName, SSLProtocol, CertName, SSLPub, SSLPri; no CertType),
 * DescribeVodDomainCertificateInfo (CertInfos.CertInfo[]: SSLProtocol, SSLPub, CertName) —
 * help.aliyun.com/document_detail/120217.html, 120222.html.
 */
static const struct dom_product vod = {"alivod", "VOD", "vod", "2017-03-21", "vod", true,
                                       "SetVodDomainCertificate", "DescribeVodDomainCertificateInfo",
                                       "SSLProtocol", "SSLPub", REUSE_NONE, known_vod, NULL};

static struct deploy_target *cdn_new(const struct kvlist *s, const struct deploy_opts *o, struct err *err)
{
    return dom_new(&cdn, s, o, err);
}

static struct deploy_target *dcdn_new(const struct kvlist *s, const struct deploy_opts *o, struct err *err)
{
    return dom_new(&dcdn, s, o, err);
}

static struct deploy_target *live_new(const struct kvlist *s, const struct deploy_opts *o, struct err *err)
{
    return dom_new(&live, s, o, err);
}

static struct deploy_target *vod_new(const struct kvlist *s, const struct deploy_opts *o, struct err *err)
{
    return dom_new(&vod, s, o, err);
}

static const char *const cdn_flags[] = {"delete_old", NULL};

const struct deploy_type deploy_alicdn_type = {"alicdn", cdn_new, "domain", cdn_flags, true};
const struct deploy_type deploy_alidcdn_type = {"alidcdn", dcdn_new, "domain", NULL, true};
const struct deploy_type deploy_alilive_type = {"alilive", live_new, "domain", NULL, true};
const struct deploy_type deploy_alivod_type = {"alivod", vod_new, "domain", NULL, true};
