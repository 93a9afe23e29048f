/*
 * dns/aliesa.c — dns-01 TXT records through ESA's DNS records API
 * (ESA API reference, 2024-09-10, RPC style):
 *  - ListSites (GET): the sites of the account; the longest that holds the name;
 *  - ListRecords (GET): SiteId, RecordName, RecordMatchType exact, Type TXT,
 *    paged; Records[{RecordId, RecordName, RecordType, Data {Value}}];
 *  - CreateRecord (POST): SiteId, RecordName (the full name), Type TXT, Ttl,
 *    Data as a JSON text {"Value": ...} -> RecordId;
 *  - DeleteRecord (POST): RecordId.
 * A value a record of the name already holds (an earlier run) is reused.
 */
#include "dns/aliesa.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/aliyun/esa.h"
#include "util/str.h"

#define WHAT "aliesa"
#define DEFAULT_TTL 60

struct aliesa {
    struct dns_provider base;
    struct aliyun_creds *creds;
    struct aliyun_client *get, *post;  /* ESA's list actions are GETs, its changes POSTs */
    const struct logger *log;
    char *endpoint;
    long ttl;
    struct esa_site *sites;
    size_t nsites;
    bool sites_loaded;
};

static int load_sites(struct aliesa *p, struct err *err)
{
    int rc;

    if (p->sites_loaded)
        return CP_OK;
    if ((rc = esa_sites(p->get, NULL, &p->sites, &p->nsites, err)) == CP_OK)
        p->sites_loaded = true;
    return rc;
}

/* The longest site that is fqdn or one of its parents (label by label). */
static const struct esa_site *find_site(const struct aliesa *p, const char *fqdn)
{
    for (const char *s = fqdn; s != NULL && *s != '\0'; s = strchr(s, '.'), s = s ? s + 1 : NULL) {
        size_t len = strlen(s) - (s[strlen(s) - 1] == '.');
        for (size_t i = 0; i < p->nsites; i++)
            if (strlen(p->sites[i].name) == len && strncasecmp(p->sites[i].name, s, len) == 0)
                return &p->sites[i];
    }
    return NULL;
}

static char *no_dot(const char *fqdn)
{
    return strndup(fqdn, strlen(fqdn) - (fqdn[0] != '\0' && fqdn[strlen(fqdn) - 1] == '.'));
}

struct match {
    const char *name, *value;
    char *id;
};

static int match_value(const json_t *item, void *ud, struct err *err)
{
    struct match *m = ud;
    const char *type = json_string_value(json_object_get(item, "RecordType"));
    const char *name = json_string_value(json_object_get(item, "RecordName"));
    const char *value = json_string_value(json_object_get(json_object_get(item, "Data"), "Value"));

    if (type == NULL || name == NULL || value == NULL || strcasecmp(type, "TXT") != 0 ||
        strcasecmp(name, m->name) != 0 || strcmp(value, m->value) != 0)
        return 0;
    if ((m->id = esa_id_text(json_object_get(item, "RecordId"))) == NULL)
        return err_set(err, CP_EPROTO, WHAT ": ListRecords: a record without RecordId");
    return 1;
}

/* The RecordId of the TXT record of r->fqdn in site that holds r->value, or *id NULL when none does. */
static int find_value(struct aliesa *p, const struct esa_site *site, const struct dns_txt *r, char **id,
                      struct err *err)
{
    char *name = no_dot(r->fqdn);
    struct kv q[] = {{"SiteId", site->id}, {"RecordName", name}, {"RecordMatchType", "exact"}, {"Type", "TXT"}};
    struct kvlist l = {q, 4};
    struct match m = {name, r->value, NULL};
    int rc;

    *id = NULL;
    if (name == NULL)
        return err_nomem(err);
    rc = esa_paginate(p->get, "ListRecords", &l, "Records", match_value, &m, err);
    free(name);
    *id = m.id;
    return rc < 0 ? rc : CP_OK;
}

static int create_record(struct aliesa *p, const struct esa_site *site, const struct dns_txt *rec, char **id,
                         struct err *err)
{
    char *name = no_dot(rec->fqdn), ttl[24], *data = NULL;
    json_t *d = json_pack("{s:s}", "Value", rec->value);
    struct kv q[] = {{"SiteId", site->id}, {"RecordName", name}, {"Type", "TXT"}, {"Ttl", ttl}, {"Data", NULL}};
    struct kvlist l = {q, 5};
    struct aliyun_reply r = {0};
    int rc = CP_OK;

    snprintf(ttl, sizeof(ttl), "%ld", p->ttl);
    if (name == NULL || d == NULL || (q[4].value = data = json_dumps(d, JSON_COMPACT)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK && (rc = aliyun_call(p->post, "CreateRecord", &l, &r, err)) == CP_OK &&
        (*id = esa_id_text(json_object_get(r.json, "RecordId"))) == NULL)
        rc = err_set(err, CP_EPROTO, WHAT ": CreateRecord: the reply has no RecordId");
    aliyun_reply_free(&r);
    json_decref(d);
    free(data);
    free(name);
    return rc;
}

static int add_one(struct aliesa *p, struct dns_txt *rec, struct err *err)
{
    const struct esa_site *site = find_site(p, rec->fqdn);
    char *id = NULL;
    int rc;

    if (site == NULL)
        return err_set(err, CP_ENOTFOUND, WHAT ": no ESA site of this account holds %s (%zu sites listed)",
                       rec->fqdn, p->nsites);
    if ((rc = find_value(p, site, rec, &id, err)) == CP_OK && id != NULL)
        log_info(p->log, WHAT ": %s already holds this value; reusing its record", rec->fqdn);
    else if (rc == CP_OK)
        rc = create_record(p, site, rec, &id, err);
    if (rc != CP_OK)
        return rc;
    free(rec->zone);
    free(rec->id);
    rec->id = id;
    if ((rec->zone = str_printf("%s.", site->name)) == NULL)
        return err_nomem(err);  /* id is kept: remove() finds the site again from the name */
    rec->added = true;
    log_info(p->log, WHAT ": added TXT %s (RecordId %s)", rec->fqdn, id);
    return CP_OK;
}

static int aliesa_add(struct dns_provider *base, struct dns_txt *recs, size_t n, struct err *err)
{
    struct aliesa *p = (struct aliesa *)base;
    int rc = load_sites(p, err);

    for (size_t i = 0; rc == CP_OK && i < n; i++)
        if (!recs[i].added)
            rc = add_one(p, &recs[i], err);
    return rc;
}

/* A RecordId is deleted only while it is the TXT record we added: our name and value. An id from a
 * corrupted journal, or one ESA has since given to another record, is refused. *ours false: no
 * record holds our value any more (already gone). */
static int check_ours(struct aliesa *p, const struct dns_txt *rec, bool *ours, struct err *err)
{
    const struct esa_site *site = NULL;
    char *id = NULL;
    int rc = load_sites(p, err);

    *ours = false;
    if (rc == CP_OK && (site = find_site(p, rec->zone != NULL ? rec->zone : rec->fqdn)) == NULL)
        rc = err_set(err, CP_ENOTFOUND, WHAT ": no ESA site of this account holds %s", rec->fqdn);
    if (rc == CP_OK)
        rc = find_value(p, site, rec, &id, err);
    *ours = rc == CP_OK && id != NULL;
    if (*ours && strcmp(id, rec->id) != 0)
        rc = err_set(err, CP_EINVALID, WHAT ": RecordId %s is not the TXT record %s with our value (that "
                     "is RecordId %s); not deleting it", rec->id, rec->fqdn, id);
    free(id);
    return rc;
}

static int remove_one(struct aliesa *p, struct dns_txt *rec, struct err *err)
{
    struct kv q[] = {{"RecordId", rec->id}};
    struct kvlist l = {q, 1};
    struct aliyun_reply r = {0};
    bool ours = false;
    int rc;

    if (rec->id == NULL)
        return err_set(err, CP_EUSAGE, WHAT ": %s: no RecordId to delete", rec->fqdn);
    if ((rc = check_ours(p, rec, &ours, err)) != CP_OK)
        return rc;
    if (ours && (rc = aliyun_call(p->post, "DeleteRecord", &l, &r, err)) == CP_OK)
        log_info(p->log, WHAT ": deleted TXT %s (RecordId %s)", rec->fqdn, rec->id);
    else if (!ours)
        log_info(p->log, WHAT ": record %s of %s was already gone", rec->id, rec->fqdn);
    aliyun_reply_free(&r);
    if (rc == CP_OK)
        rec->added = false;
    return rc;
}

/* Delete every record we added, even after a failure; the first error is reported. */
static int aliesa_remove(struct dns_provider *base, struct dns_txt *recs, size_t n, struct err *err)
{
    struct aliesa *p = (struct aliesa *)base;
    int first = CP_OK;

    for (size_t i = 0; i < n; i++) {
        struct err e;
        int rc;

        err_clear(&e);
        if (!recs[i].added || (rc = remove_one(p, &recs[i], &e)) == CP_OK)
            continue;
        if (first == CP_OK) {
            first = rc;
            err_set(err, rc, "%s", e.msg);
        } else {
            log_error(p->log, "%s", e.msg);
        }
    }
    return first;
}

static void aliesa_free(struct dns_provider *base)
{
    struct aliesa *p = (struct aliesa *)base;

    if (p == NULL)
        return;
    aliyun_client_free(p->get);
    aliyun_client_free(p->post);
    aliyun_creds_free(p->creds);
    esa_sites_free(p->sites, p->nsites);
    free(p->endpoint);
    free(p);
}

static const char *const known_settings[] = {"endpoint", "region", "signature", "ttl", "access_key_id",
                                             "ca_bundle", NULL};

static int parse_settings(struct aliesa *p, const struct kvlist *s, enum aliyun_sigver *sig, struct err *err)
{
    const char *v = kv_get(s, "signature"), *ep = kv_get(s, "endpoint"), *region = kv_get(s, "region");
    int rc;

    p->ttl = DEFAULT_TTL;
    if ((rc = kv_check_known(s, known_settings, WHAT, err)) != CP_OK ||
        (rc = kv_get_long(s, "ttl", 1, 86400, &p->ttl, WHAT, err)) != CP_OK)
        return rc;
    if (v != NULL && strcmp(v, "v3") != 0 && strcmp(v, "v2") != 0)
        return err_set(err, CP_EUSAGE, WHAT ": signature must be v3 or v2, not \"%s\"", v);
    if (region != NULL && (*region == '\0' || strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
                                                  strlen(region)))
        return err_set(err, CP_EUSAGE, WHAT ": region \"%s\" is not a region id such as cn-hangzhou", region);
    *sig = v != NULL && strcmp(v, "v2") == 0 ? ALIYUN_SIG_V2 : ALIYUN_SIG_V3;
    p->endpoint = ep != NULL ? str_dup(ep) : str_printf("esa.%s.aliyuncs.com", region ? region : ESA_REGION);
    return p->endpoint != NULL ? CP_OK : err_nomem(err);
}

static int open_clients(struct aliesa *p, const struct dns_provider_opts *opts, struct aliyun_client_opts *co,
                        struct err *err)
{
    co->endpoint = p->endpoint;
    co->creds = p->creds;
    co->ca_bundle = kv_get(opts->settings, "ca_bundle");
    co->method = "GET";
    if ((p->get = aliyun_client_new(co, err)) == NULL)
        return err->code != CP_OK ? err->code : CP_EUSAGE;
    co->method = "POST";
    if ((p->post = aliyun_client_new(co, err)) == NULL)
        return err->code != CP_OK ? err->code : CP_EUSAGE;
    return CP_OK;
}

struct dns_provider *dns_aliesa_new(const struct dns_provider_opts *opts, struct err *err)
{
    struct aliesa *p = calloc(1, sizeof(*p));
    struct aliyun_client_opts co = {.product = WHAT, .version = ESA_VERSION, .log = opts->log};
    struct err local;

    err_clear(&local);
    if (err == NULL)
        err = &local;
    if (p == NULL) {
        err_nomem(err);
        return NULL;
    }
    p->base = (struct dns_provider){WHAT, aliesa_add, aliesa_remove, aliesa_free};
    p->log = opts->log;
    if (parse_settings(p, opts->settings, &co.sig, err) != CP_OK ||
        aliyun_creds_load(aliyun_process_env, NULL, kv_get(opts->settings, "access_key_id"), &p->creds,
                          err) != CP_OK ||
        open_clients(p, opts, &co, err) != CP_OK) {
        if (!str_has_prefix(err->msg, WHAT))
            err_prefix(err, WHAT ": ");
        aliesa_free(&p->base);
        return NULL;
    }
    return &p->base;
}
