/*
 * deploy/aliclb — Alibaba Cloud Classic Load Balancer (SLB API 2014-05-15):
 * this version as the server certificate of one HTTPS listener, or of one
 * SNI domain extension of it.
 *
 * Server certificates belong to a region and a listener takes only one of
 * its own region's, so everything happens in the load balancer's region
 * (RegionId in every call, endpoint slb.<region>.aliyuncs.com); a region
 * that does not exist is refused before any call. The listener (or the
 * extension) is read first: when the certificate it serves has this leaf's
 * fingerprint nothing is done. Otherwise this version is uploaded
 * (UploadServerCertificate, named certpilot-<name>-<serial>; an upload of
 * that name and fingerprint already in the region is used instead), set,
 * and read back. The listener is set with
 * SetLoadBalancerHTTPSListenerAttribute, which wants its other attributes
 * too: those the Describe call showed are sent back unchanged. With
 * delete_old the certificate served before is deleted
 * (DeleteServerCertificate) when it is one of ours (an upload of this name
 * prefix) and no HTTPS listener or domain extension of the region uses it
 * any more (DescribeLoadBalancerListeners, DescribeDomainExtensions); a
 * failed delete is a warning.
 *
 * Settings: load_balancer (main: the LoadBalancerId), region (required),
 * port (the HTTPS listener's, required), domain (an SNI domain extension
 * of that listener), delete_old (flag), and the common ones
 * (deploy/aliyun.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "crypto/cert.h"
#include "cloud/aliyun/region.h"
#include "deploy/aliyun.h"
#include "deploy/common.h"
#include "util/str.h"

#define WHAT "aliclb"
#define SLB_VERSION "2014-05-15"
#define LISTENERS_PAGE "100"
#define MAX_PAGES 200
#define MAX_ECHOED 28

static const char *const known[] = {"load_balancer", "region", "port", "domain", "delete_old",
                                    ALI_COMMON_SETTINGS, NULL};

/* SetLoadBalancerHTTPSListenerAttribute's parameters that DescribeLoadBalancerHTTPSListenerAttribute shows
 * (help.aliyun.com/document_detail/27603.html, 27604.html): sent back as they are. */
static const char *const echoed[] = {
    "Bandwidth", "Scheduler", "StickySession", "StickySessionType", "CookieTimeout", "Cookie", "HealthCheck",
    "HealthCheckMethod", "HealthCheckDomain", "HealthCheckURI", "HealthyThreshold", "UnhealthyThreshold",
    "HealthCheckTimeout", "HealthCheckInterval", "HealthCheckConnectPort", "HealthCheckHttpCode",
    "XForwardedFor", "Gzip", "IdleTimeout", "RequestTimeout", "EnableHttp2", "TLSCipherPolicy",
    "CACertificateId", "AclStatus", "AclType", "AclId", "Description", NULL,
};

struct clb_target {
    struct deploy_target base;
    struct ali_conn conn;
    char *region, *lb, *domain;  /* domain: NULL for the listener itself */
    char port[8];
    bool delete_old;
};

/* One run: this version, its name, key and fingerprint, and what the listener or extension holds. */
struct clb_run {
    const struct deploy_cert *c;
    char *name;
    char *key;  /* secret */
    size_t key_len;
    char fp[2 * SHA_DIGEST_LENGTH + 1];  /* the leaf's SHA-1, lower-case hex */
    json_t *listener;                    /* the listener's attributes (no domain setting) */
    char *ext_id;                        /* the domain extension's id (domain setting) */
    char *old_id, *new_id;               /* the server certificate before and after */
    json_t *certs;                       /* the region's server certificates */
};

static void clb_run_free(struct clb_run *r)
{
    secret_free(r->key, r->key_len);
    free(r->name);
    json_decref(r->listener);
    free(r->ext_id);
    free(r->old_id);
    free(r->new_id);
    json_decref(r->certs);
}

static const char *field(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

static bool str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* SLB shows fingerprints as "ae:7e:..."; equal to our hex, ignoring ':' and case? */
static bool fp_eq(const char *shown, const char *ours)
{
    if (shown == NULL)
        return false;
    for (; *shown != '\0'; shown++) {
        if (*shown == ':')
            continue;
        if (*ours == '\0' || tolower((unsigned char)*shown) != *ours++)
            return false;
    }
    return *ours == '\0';
}

static int leaf_fp(const struct deploy_cert *c, char out[2 * SHA_DIGEST_LENGTH + 1], struct err *err)
{
    unsigned char *der = NULL, md[SHA_DIGEST_LENGTH];
    size_t len = 0;
    int rc = cert_pem_to_der(c->cert_pem, strlen(c->cert_pem), &der, &len, err);

    if (rc != CP_OK) {
        err_prefix(err, WHAT ": ");
        return rc;
    }
    SHA1(der, len, md);
    for (size_t i = 0; i < sizeof(md); i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    free(der);
    return CP_OK;
}

/* The listener's attributes: DescribeLoadBalancerHTTPSListenerAttribute (document_detail/27604.html). */
static int read_listener(struct clb_target *t, const char *key, json_t **out, char **cert_id, struct err *err)
{
    struct kv p[] = {{"RegionId", t->region}, {"LoadBalancerId", t->lb}, {"ListenerPort", t->port}};
    struct kvlist l = {p, 3};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, "DescribeLoadBalancerHTTPSListenerAttribute", &l, key, &rep, err);

    if (rc == CP_OK) {
        *cert_id = ali_id_text(json_object_get(rep.json, "ServerCertificateId"));
        if (out != NULL)
            *out = json_incref(rep.json);
    }
    aliyun_reply_free(&rep);
    return rc;
}

/* The extension of domain on a listener: DescribeDomainExtensions (document_detail/51434.html). */
static int read_extension(struct clb_target *t, const char *key, char **ext_id, char **cert_id, struct err *err)
{
    struct kv p[] = {{"RegionId", t->region}, {"LoadBalancerId", t->lb}, {"ListenerPort", t->port}};
    struct kvlist l = {p, 3};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, "DescribeDomainExtensions", &l, key, &rep, err);
    json_t *list = json_object_get(json_object_get(rep.json, "DomainExtensions"), "DomainExtension"), *it;
    size_t i;

    json_array_foreach(list, i, it) {
        const char *d = field(it, "Domain");
        if (d == NULL || strcasecmp(d, t->domain) != 0)
            continue;
        *cert_id = ali_id_text(json_object_get(it, "ServerCertificateId"));
        if (ext_id != NULL && (*ext_id = ali_id_text(json_object_get(it, "DomainExtensionId"))) == NULL)
            rc = err_set(err, CP_EPROTO, WHAT ": DescribeDomainExtensions: %s has no DomainExtensionId", d);
        break;
    }
    if (rc == CP_OK && i == json_array_size(list))
        rc = err_set(err, CP_ENOTFOUND, WHAT ": listener %s of %s has no domain extension for %s "
                     "(DescribeDomainExtensions)", t->port, t->lb, t->domain);
    aliyun_reply_free(&rep);
    return rc;
}

/* What the listener (or the extension) serves now; r's listener and ext_id are kept from the first read. */
static int read_current(struct clb_target *t, struct clb_run *r, bool keep, char **cert_id, struct err *err)
{
    *cert_id = NULL;
    if (t->domain == NULL)
        return read_listener(t, r->key, keep ? &r->listener : NULL, cert_id, err);
    return read_extension(t, r->key, keep ? &r->ext_id : NULL, cert_id, err);
}

/* The region's server certificates: DescribeServerCertificates (document_detail/27599.html). */
static int list_certs(struct clb_target *t, struct clb_run *r, struct err *err)
{
    struct kv p[] = {{"RegionId", t->region}};
    struct kvlist l = {p, 1};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, "DescribeServerCertificates", &l, r->key, &rep, err);
    json_t *list = json_object_get(json_object_get(rep.json, "ServerCertificates"), "ServerCertificate");

    if (rc == CP_OK && !json_is_array(list))
        rc = err_set(err, CP_EPROTO, WHAT ": DescribeServerCertificates: the reply has no ServerCertificates");
    if (rc == CP_OK)
        r->certs = json_incref(list);
    aliyun_reply_free(&rep);
    return rc;
}

/* The region's certificate with this id, or (id NULL) called name with fingerprint fp; NULL: none. */
static json_t *cert_find(const json_t *certs, const char *id, const char *name, const char *fp)
{
    json_t *it;
    size_t i;

    json_array_foreach(certs, i, it) {
        char *cid = ali_id_text(json_object_get(it, "ServerCertificateId"));
        bool hit = id != NULL ? str_eq(cid, id)
                              : str_eq(field(it, "ServerCertificateName"), name) && fp_eq(field(it, "Fingerprint"), fp);
        free(cid);
        if (hit)
            return it;
    }
    return NULL;
}

/* UploadServerCertificate (document_detail/27597.html): the full chain and the key, in this region. */
static int upload(struct clb_target *t, struct clb_run *r, struct err *err)
{
    struct kv p[] = {{"RegionId", t->region}, {"ServerCertificate", r->c->fullchain_pem}, {"PrivateKey", r->key},
                     {"ServerCertificateName", r->name}};
    struct kvlist l = {p, 4};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, "UploadServerCertificate", &l, r->key, &rep, err);

    if (rc == CP_OK && (r->new_id = ali_id_text(json_object_get(rep.json, "ServerCertificateId"))) == NULL)
        rc = err_set(err, CP_EPROTO, WHAT ": UploadServerCertificate: the reply has no ServerCertificateId");
    if (rc == CP_OK)
        log_info(t->conn.log, WHAT ": uploaded %s in %s (ServerCertificateId %s)", r->name, t->region, r->new_id);
    aliyun_reply_free(&rep);
    return rc;
}

/* SetLoadBalancerHTTPSListenerAttribute (document_detail/27603.html): the new certificate, every other
 * attribute the listener showed as it was. */
static int set_listener(struct clb_target *t, struct clb_run *r, struct err *err)
{
    struct kv p[4 + MAX_ECHOED] = {{"RegionId", t->region}, {"LoadBalancerId", t->lb}, {"ListenerPort", t->port},
                                   {"ServerCertificateId", r->new_id}};
    char *text[MAX_ECHOED] = {NULL};
    struct kvlist l = {p, 4};
    struct aliyun_reply rep = {0};
    size_t nt = 0;
    int rc = CP_OK;

    for (size_t i = 0; echoed[i] != NULL && rc == CP_OK; i++) {
        json_t *v = json_object_get(r->listener, echoed[i]);
        if (v == NULL || json_is_null(v))
            continue;
        if ((text[nt] = ali_id_text(v)) == NULL)
            rc = err_set(err, CP_EPROTO, WHAT ": DescribeLoadBalancerHTTPSListenerAttribute: %s is not a value",
                         echoed[i]);
        else
            p[l.n++] = (struct kv){echoed[i], text[nt++]};
    }
    if (rc == CP_OK)
        rc = ali_call(&t->conn, "SetLoadBalancerHTTPSListenerAttribute", &l, r->key, &rep, err);
    aliyun_reply_free(&rep);
    for (size_t i = 0; i < nt; i++)
        free(text[i]);
    return rc;
}

/* SetDomainExtensionAttribute (document_detail/51433.html). */
static int set_extension(struct clb_target *t, struct clb_run *r, struct err *err)
{
    struct kv p[] = {{"RegionId", t->region}, {"DomainExtensionId", r->ext_id}, {"ServerCertificateId", r->new_id}};
    struct kvlist l = {p, 3};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, "SetDomainExtensionAttribute", &l, r->key, &rep, err);

    aliyun_reply_free(&rep);
    return rc;
}

/* Set, then read back: the listener (or extension) must show the new certificate. */
static int set_and_verify(struct clb_target *t, struct clb_run *r, struct err *err)
{
    char *now = NULL;
    int rc = t->domain == NULL ? set_listener(t, r, err) : set_extension(t, r, err);

    if (rc == CP_OK)
        rc = read_current(t, r, false, &now, err);
    if (rc == CP_OK && !str_eq(now, r->new_id))
        rc = err_set(err, CP_EPROTO, WHAT ": %s%s%s does not show ServerCertificateId %s after %s", t->lb,
                     t->domain != NULL ? " " : "", t->domain != NULL ? t->domain : "", r->new_id,
                     t->domain != NULL ? "SetDomainExtensionAttribute" : "SetLoadBalancerHTTPSListenerAttribute");
    free(now);
    return rc;
}

/* Does a domain extension of one listener use id? */
static int ext_uses(struct clb_target *t, const char *lb, const char *port, const char *id, bool *yes,
                    struct err *err)
{
    struct kv p[] = {{"RegionId", t->region}, {"LoadBalancerId", lb}, {"ListenerPort", port}};
    struct kvlist l = {p, 3};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, "DescribeDomainExtensions", &l, NULL, &rep, err);
    json_t *list = json_object_get(json_object_get(rep.json, "DomainExtensions"), "DomainExtension"), *it;
    size_t i;

    json_array_foreach(list, i, it) {
        char *cid = ali_id_text(json_object_get(it, "ServerCertificateId"));
        *yes |= str_eq(cid, id);
        free(cid);
    }
    aliyun_reply_free(&rep);
    return rc;
}

/* One page of the region's HTTPS listeners (DescribeLoadBalancerListeners, document_detail/206262.html):
 * does one, or one of its domain extensions, use id? *next: the NextToken, or NULL on the last page. */
static int listeners_use(struct clb_target *t, const char *id, char **next, bool *yes, struct err *err)
{
    struct kv p[] = {{"RegionId", t->region}, {"ListenerProtocol", "https"}, {"MaxResults", LISTENERS_PAGE},
                     {"NextToken", *next}};
    struct kvlist l = {p, *next != NULL ? 4 : 3};
    struct aliyun_reply rep;
    int rc = ali_call(&t->conn, "DescribeLoadBalancerListeners", &l, NULL, &rep, err);
    json_t *it;
    size_t i;

    free(*next);
    *next = NULL;
    json_array_foreach(json_object_get(rep.json, "Listeners"), i, it) {
        char *cid = ali_id_text(json_object_get(json_object_get(it, "HTTPSListenerConfig"), "ServerCertificateId"));
        char *port = ali_id_text(json_object_get(it, "ListenerPort"));
        *yes |= str_eq(cid, id);
        if (rc == CP_OK && !*yes && port != NULL)
            rc = ext_uses(t, field(it, "LoadBalancerId"), port, id, yes, err);
        free(cid);
        free(port);
    }
    if (rc == CP_OK && field(rep.json, "NextToken") != NULL && *field(rep.json, "NextToken") != '\0' &&
        (*next = str_dup(field(rep.json, "NextToken"))) == NULL)
        rc = err_nomem(err);
    aliyun_reply_free(&rep);
    return rc;
}

static int in_use(struct clb_target *t, const char *id, bool *yes, struct err *err)
{
    char *next = NULL;
    int rc = CP_OK;

    *yes = false;
    for (int n = 0; rc == CP_OK && !*yes && n < MAX_PAGES && (n == 0 || next != NULL); n++)
        rc = listeners_use(t, id, &next, yes, err);
    free(next);
    return rc;
}

/* The certificate served before, when it is an earlier upload of ours and nothing uses it; warnings only. */
static void delete_old(struct clb_target *t, struct clb_run *r, bool *changed)
{
    json_t *old = r->old_id != NULL ? cert_find(r->certs, r->old_id, NULL, NULL) : NULL;
    const char *name = field(old, "ServerCertificateName");
    char *prefix = ali_name_prefix(t->conn.prefix, t->conn.tag, r->c->name);
    struct kv p[] = {{"RegionId", t->region}, {"ServerCertificateId", r->old_id}};
    struct kvlist l = {p, 2};
    struct aliyun_reply rep = {0};
    struct err e = {0};
    bool used = true;

    if (prefix == NULL || name == NULL || str_eq(r->old_id, r->new_id) || !ali_is_upload_of(name, prefix))
        goto out;  /* not ours: never deleted */
    if (in_use(t, r->old_id, &used, &e) != CP_OK)
        log_warn(t->conn.log, "%s; the earlier upload %s stays", e.msg, name);
    else if (used)
        log_info(t->conn.log, WHAT ": %s is still in use; it stays", name);
    else if (ali_call(&t->conn, "DeleteServerCertificate", &l, NULL, &rep, &e) != CP_OK)  /* 27601.html */
        log_warn(t->conn.log, "%s; the earlier upload %s stays", e.msg, name);
    else {
        log_info(t->conn.log, WHAT ": deleted the earlier upload %s (ServerCertificateId %s)", name, r->old_id);
        *changed = true;
    }
out:
    aliyun_reply_free(&rep);
    free(prefix);
}

/* The server certificate to set: an upload of this version already in the region, or a new one. */
static int pick_or_upload(struct clb_target *t, struct clb_run *r, struct err *err)
{
    json_t *there = cert_find(r->certs, NULL, r->name, r->fp);

    if (there == NULL)
        return upload(t, r, err);
    if ((r->new_id = ali_id_text(json_object_get(there, "ServerCertificateId"))) == NULL)
        return err_nomem(err);
    log_info(t->conn.log, WHAT ": %s is already uploaded in %s", r->name, t->region);
    return CP_OK;
}

static int clb_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct clb_target *t = (struct clb_target *)base;
    struct clb_run r = {.c = c, .name = ali_cert_name(t->conn.prefix, t->conn.tag, c)};
    int rc = r.name != NULL ? ali_key_pem(c, WHAT, &r.key, &r.key_len, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = leaf_fp(c, r.fp, err);
    if (rc == CP_OK)
        rc = read_current(t, &r, true, &r.old_id, err);
    if (rc == CP_OK)
        rc = list_certs(t, &r, err);
    if (rc == CP_OK && r.old_id != NULL &&
        fp_eq(field(cert_find(r.certs, r.old_id, NULL, NULL), "Fingerprint"), r.fp)) {
        log_info(t->conn.log, WHAT ": %s already serves serial %s", t->domain != NULL ? t->domain : t->lb,
                 c->serial_hex);
        goto out;
    }
    if (rc == CP_OK)
        rc = pick_or_upload(t, &r, err);
    if (rc == CP_OK && (rc = set_and_verify(t, &r, err)) == CP_OK) {
        *changed = true;
        log_info(t->conn.log, WHAT ": %s%s%s: set ServerCertificateId %s", t->lb, t->domain != NULL ? " " : "",
                 t->domain != NULL ? t->domain : "", r.new_id);
    }
    if (rc == CP_OK && t->delete_old)
        delete_old(t, &r, changed);
out:
    clb_run_free(&r);
    return rc;
}

static void clb_free(struct deploy_target *base)
{
    struct clb_target *t = (struct clb_target *)base;

    if (t == NULL)
        return;
    ali_conn_close(&t->conn);
    free(t->region);
    free(t->lb);
    free(t->domain);
    free(t);
}

/* LoadBalancerId: "lb-" and lower-case letters and digits. */
static int read_ids(struct clb_target *t, const struct kvlist *s, struct err *err)
{
    const char *lb = kv_get(s, "load_balancer"), *region = kv_get(s, "region"), *domain = kv_get(s, "domain");
    long port = 0;
    int rc;

    if (lb == NULL)
        return err_set(err, CP_EUSAGE, WHAT ": load_balancer is not set (the LoadBalancerId, lb-...)");
    if (!str_has_prefix(lb, "lb-") || strlen(lb) > 64 ||
        strspn(lb + 3, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(lb + 3) || lb[3] == '\0')
        return err_set(err, CP_EUSAGE, WHAT ": load_balancer \"%s\" is not a LoadBalancerId (lb-...)", lb);
    if (region == NULL)
        return err_set(err, CP_EUSAGE, WHAT ": region is not set (the load balancer's region, such as cn-hangzhou)");
    if ((rc = aliyun_region_check(WHAT, region, err)) != CP_OK)
        return rc;
    if (kv_get(s, "port") == NULL)
        return err_set(err, CP_EUSAGE, WHAT ": port is not set (the HTTPS listener's port)");
    if ((rc = kv_get_long(s, "port", 1, 65535, &port, WHAT, err)) != CP_OK)
        return rc;
    if (domain != NULL && (rc = ali_check_domains(WHAT, (char *const *)&domain, 1, err)) != CP_OK)
        return rc;
    snprintf(t->port, sizeof(t->port), "%ld", port);
    t->lb = str_dup(lb);
    t->region = str_dup(region);
    t->domain = domain != NULL ? str_dup(domain) : NULL;
    return t->lb != NULL && t->region != NULL && (domain == NULL || t->domain != NULL) ? CP_OK : err_nomem(err);
}

static int read_settings(struct clb_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    char *endpoint = NULL;
    int rc = kv_check_known(s, known, WHAT, err);

    if (rc == CP_OK)
        rc = deploy_get_bool(s, "delete_old", false, &t->delete_old, WHAT, err);
    if (rc == CP_OK)
        rc = read_ids(t, s, err);
    if (rc == CP_OK && (endpoint = str_printf("slb.%s.aliyuncs.com", t->region)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = ali_conn_open(&t->conn, WHAT, SLB_VERSION, endpoint, s, opts, err);
    free(endpoint);
    return rc;
}

static struct deploy_target *clb_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    struct clb_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = clb_run;
    t->base.free = clb_free;
    if (read_settings(t, s, opts, err) != CP_OK) {
        clb_free(&t->base);
        return NULL;
    }
    return &t->base;
}

static const char *const flags[] = {"delete_old", NULL};

const struct deploy_type deploy_aliclb_type = {WHAT, clb_new, "load_balancer", flags, false};
