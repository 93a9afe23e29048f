/*
 * deploy/alioss — an OSS bucket's custom domains (CNAME) serve this
 * version: OSS's own XML API, signed V4 (cloud/aliyun/oss.h), on the
 * bucket's host <bucket>.oss-<region>.aliyuncs.com.
 *
 * OSS API reference:
 *  - ListCname (GET /?cname): every domain bound to the bucket with its
 *    Certificate {Type, CertId, Fingerprint, ...}; a domain whose
 *    certificate's fingerprint is this leaf's is skipped, and after
 *    PutCname the list is read again to verify.
 *  - PutCname (POST /?cname&comp=add): BucketCnameConfiguration with a
 *    CertificateConfiguration holding the full chain and the key;
 *    PreviousCertId names the certificate bound now (OSS refuses if it
 *    changed meanwhile), Force=true when none is bound yet.
 * A domain must be bound to the bucket already (its ownership verified
 * through a CNAME token): the target sets certificates, it binds no domain.
 *
 * Settings: bucket (main), domain (one or more), region (the bucket's),
 * endpoint (tests: host:port to connect to), access_key_id, ca_bundle.
 */
#include <stdlib.h>
#include <string.h>

#include "cloud/aliyun/oss.h"
#include "cloud/aliyun/osscname.h"
#include "crypto/cert.h"
#include "cloud/aliyun/region.h"
#include "deploy/aliyun.h"
#include "deploy/common.h"
#include "util/str.h"

#define WHAT "alioss"

static const char *const known[] = {"bucket", "domain", "region", "endpoint", "access_key_id", "ca_bundle", NULL};

struct oss_target {
    struct deploy_target base;
    struct aliyun_creds *creds;
    struct oss_client *cli;
    const struct logger *log;
    char *bucket;
    char **domains;
    size_t ndomains;
};

/* One run's view: the leaf's DER (for fingerprints), the key as sent (secret). */
struct oss_run {
    unsigned char *der;
    size_t der_len;
    char *key;
    size_t key_len;
};

static int list_cnames(struct oss_target *t, const char *key, struct oss_cnames *l, struct err *err)
{
    struct kv q[] = {{"cname", NULL}};
    struct kvlist ql = {q, 1};
    struct oss_request r = {"ListCname", "GET", &ql, NULL, NULL};
    struct oss_reply out;
    int rc = oss_call(t->cli, &r, &out, err);

    memset(l, 0, sizeof(*l));
    if (rc == CP_OK)
        rc = oss_cnames_parse(out.body.data, out.body.len, WHAT ": ListCname", l, err);
    if (rc != CP_OK)
        ali_scrub(err, WHAT, key);  /* a reply may quote the key of an earlier call */
    oss_reply_free(&out);
    return rc;
}

static int put_cname(struct oss_target *t, const struct deploy_cert *c, const struct oss_run *run,
                     const struct oss_cname *now, struct err *err)
{
    const char *prev = now->cert_id != NULL && *now->cert_id != '\0' ? now->cert_id : NULL;
    struct oss_cname_cert cc = {now->domain, NULL, c->fullchain_pem, run->key, prev, prev == NULL};
    struct kv q[] = {{"cname", NULL}, {"comp", "add"}};
    struct kvlist ql = {q, 2};
    char *body = oss_cname_body(&cc);
    struct oss_request r = {"PutCname", "POST", &ql, body, run->key};
    struct oss_reply out = {0};
    int rc = body != NULL ? oss_call(t->cli, &r, &out, err) : err_nomem(err);

    if (rc != CP_OK)
        ali_scrub(err, WHAT, run->key);
    else
        log_info(t->log, WHAT ": %s: %s now serves serial %s", t->bucket, now->domain, c->serial_hex);
    secret_free(body, body != NULL ? strlen(body) : 0);
    oss_reply_free(&out);
    return rc;
}

/* The domain's entry in l; CP_EUSAGE when it is not bound to the bucket. */
static int bound(const struct oss_target *t, const struct oss_cnames *l, const char *d, const struct oss_cname **e,
                 struct err *err)
{
    if ((*e = oss_cnames_find(l, d)) == NULL)
        return err_set(err, CP_EUSAGE, WHAT ": %s is not a custom domain of bucket %s (ListCname): bind it "
                       "first (OSS console or PutCname after its CNAME token is verified)", d, t->bucket);
    return CP_OK;
}

static bool serves(const struct oss_cname *e, const struct oss_run *run)
{
    return oss_fingerprint_matches(e->fingerprint, run->der, run->der_len);
}

static int verify(struct oss_target *t, const struct oss_run *run, struct err *err)
{
    struct oss_cnames l;
    const struct oss_cname *e = NULL;
    int rc = list_cnames(t, run->key, &l, err);

    for (size_t i = 0; rc == CP_OK && i < t->ndomains; i++)
        if ((rc = bound(t, &l, t->domains[i], &e, err)) == CP_OK && !serves(e, run))
            rc = err_set(err, CP_EPROTO, WHAT ": %s does not serve the new certificate after PutCname "
                         "(ListCname shows fingerprint %.100s)", e->domain, e->fingerprint ? e->fingerprint : "none");
    oss_cnames_free(&l);
    return rc;
}

static int install(struct oss_target *t, const struct deploy_cert *c, const struct oss_run *run, bool *changed,
                   struct err *err)
{
    struct oss_cnames l;
    const struct oss_cname *e = NULL;
    int rc = list_cnames(t, run->key, &l, err);

    for (size_t i = 0; rc == CP_OK && i < t->ndomains; i++) {
        if ((rc = bound(t, &l, t->domains[i], &e, err)) != CP_OK)
            break;
        if (serves(e, run)) {
            log_info(t->log, WHAT ": %s: %s already serves serial %s", t->bucket, e->domain, c->serial_hex);
            continue;
        }
        if ((rc = put_cname(t, c, run, e, err)) == CP_OK)
            *changed = true;
    }
    oss_cnames_free(&l);
    return rc == CP_OK && *changed ? verify(t, run, err) : rc;
}

static int oss_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed, struct err *err)
{
    struct oss_target *t = (struct oss_target *)base;
    struct oss_run run = {0};
    int rc = cert_pem_to_der(c->cert_pem, strlen(c->cert_pem), &run.der, &run.der_len, err);

    if (rc != CP_OK)
        err_prefix(err, WHAT ": ");
    if (rc == CP_OK)
        rc = ali_key_pem(c, WHAT, &run.key, &run.key_len, err);
    if (rc == CP_OK)
        rc = install(t, c, &run, changed, err);
    free(run.der);
    secret_free(run.key, run.key_len);
    return rc;
}

static void oss_free(struct deploy_target *base)
{
    struct oss_target *t = (struct oss_target *)base;

    if (t == NULL)
        return;
    oss_client_free(t->cli);
    aliyun_creds_free(t->creds);
    ali_list_free(t->domains, t->ndomains);
    free(t->bucket);
    free(t);
}

static int open_client(struct oss_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                       struct err *err)
{
    const char *ca = kv_get(s, "ca_bundle");
    struct oss_client_opts o = {WHAT, t->bucket, kv_get(s, "region"), kv_get(s, "endpoint"), NULL,
                                ca != NULL ? ca : opts->ca_bundle, opts->log, opts->http};
    int rc = aliyun_creds_load(aliyun_process_env, NULL, kv_get(s, "access_key_id"), &t->creds, err);

    if (rc != CP_OK) {
        err_prefix(err, WHAT ": ");
        return rc;
    }
    o.creds = t->creds;
    if ((t->cli = oss_client_new(&o, err)) == NULL)
        return err != NULL && err->code != CP_OK ? err->code : CP_EUSAGE;
    return CP_OK;
}

static int read_settings(struct oss_target *t, const struct kvlist *s, const struct deploy_opts *opts,
                         struct err *err)
{
    const char *bucket = kv_get(s, "bucket"), *region = kv_get(s, "region");
    int rc = kv_check_known(s, known, WHAT, err);

    if (rc == CP_OK && bucket == NULL)
        rc = err_set(err, CP_EUSAGE, WHAT ": bucket is not set (the OSS bucket the domains belong to)");
    if (rc == CP_OK && region == NULL)
        rc = err_set(err, CP_EUSAGE, WHAT ": region is not set (the bucket's region, such as cn-hangzhou)");
    if (rc == CP_OK)
        rc = aliyun_region_check(WHAT, region, err);
    if (rc == CP_OK && (rc = ali_get_list(s, "domain", &t->domains, &t->ndomains, err)) == CP_OK &&
        t->ndomains == 0)
        rc = err_set(err, CP_EUSAGE, WHAT ": domain is not set (the bucket's custom domains to serve this "
                     "certificate)");
    if (rc == CP_OK)
        rc = ali_check_domains(WHAT, t->domains, t->ndomains, err);
    if (rc == CP_OK && (t->bucket = str_dup(bucket)) == NULL)
        rc = err_nomem(err);
    return rc == CP_OK ? open_client(t, s, opts, err) : rc;
}

static struct deploy_target *oss_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    struct oss_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = oss_run;
    t->base.free = oss_free;
    t->log = opts->log;
    if (read_settings(t, s, opts, err) != CP_OK) {
        oss_free(&t->base);
        return NULL;
    }
    return &t->base;
}

const struct deploy_type deploy_alioss_type = {WHAT, oss_new, "bucket", NULL, false};
