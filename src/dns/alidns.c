/*
 * dns/alidns.c — dns-01 TXT records through the Alidns API (2015-01-09):
 * DescribeDomains finds the zone, AddDomainRecord publishes, the RecordId
 * it returns is what DeleteDomainRecord removes later, once
 * DescribeSubDomainRecords shows it still holds our name and value.
 */
#include "dns/alidns.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/aliyun/client.h"
#include "cloud/aliyun/region.h"
#include "util/str.h"

#define ALIDNS_VERSION "2015-01-09"
#define ALIDNS_ENDPOINT "alidns.aliyuncs.com"
#define DEFAULT_TTL 600  /* the free edition's minimum, accepted by every edition */
#define PAGE_SIZE "100"
#define MAX_PAGES 1000

struct zone {
    char *name;    /* lower case, no trailing dot: "example.com" */
    long min_ttl;  /* from DescribeDomainInfo; 0 until asked */
};

struct alidns {
    struct dns_provider base;
    struct aliyun_creds *creds;
    struct aliyun_client *cli;
    const struct logger *log;
    char *endpoint;
    long ttl;  /* the ttl setting, or 0: the zone's minimum */
    struct zone *zones;
    size_t nzones;
    bool zones_loaded;
};

/* One page callback: 0 go on, 1 found what it wanted (stop), < 0 error. */
typedef int (*page_fn)(struct alidns *p, json_t *item, void *ud, struct err *err);

struct paged {
    const char *action;
    const char *list, *item;  /* the reply's list: Domains.Domain, DomainRecords.Record */
    struct kv params[8];      /* the action's own parameters; paging is added */
    size_t n;
};

static int page_items(struct alidns *p, const struct paged *q, json_t *reply, page_fn fn, void *ud,
                      size_t *seen, struct err *err)
{
    json_t *items = json_object_get(json_object_get(reply, q->list), q->item), *it;
    size_t i;
    int rc = 0;

    if (!json_is_array(items))
        return err_set(err, CP_EPROTO, "alidns: %s: the reply has no %s.%s list", q->action, q->list, q->item);
    json_array_foreach(items, i, it) {
        if ((rc = fn(p, it, ud, err)) != 0)
            return rc;
    }
    *seen += json_array_size(items);
    return json_array_size(items) == 0 ? 2 : 0;  /* an empty page ends the walk */
}

/* Alidns paging: PageNumber from 1, PageSize up to 100 (the server may give fewer), TotalCount in each reply. */
static int paginate(struct alidns *p, const struct paged *q, page_fn fn, void *ud, struct err *err)
{
    struct kv params[10];
    char page[24];
    size_t seen = 0;
    int rc = 0;

    memcpy(params, q->params, q->n * sizeof(params[0]));
    params[q->n] = (struct kv){"PageNumber", page};
    params[q->n + 1] = (struct kv){"PageSize", PAGE_SIZE};
    for (int n = 1; rc == 0 && n <= MAX_PAGES; n++) {
        struct kvlist l = {params, q->n + 2};
        struct aliyun_reply r;
        json_int_t total;

        snprintf(page, sizeof(page), "%d", n);
        if ((rc = aliyun_call(p->cli, q->action, &l, &r, err)) != CP_OK)
            return rc;
        rc = page_items(p, q, r.json, fn, ud, &seen, err);
        total = json_integer_value(json_object_get(r.json, "TotalCount"));
        aliyun_reply_free(&r);
        if (rc == 0 && (json_int_t)seen >= total)
            rc = 2;
    }
    return rc < 0 ? rc : rc == 1;
}

static int collect_zone(struct alidns *p, json_t *item, void *ud, struct err *err)
{
    const char *name = json_string_value(json_object_get(item, "DomainName"));
    struct zone *z;

    (void)ud;
    if (name == NULL)
        return 0;
    if ((z = realloc(p->zones, (p->nzones + 1) * sizeof(*z))) == NULL)
        return err_nomem(err);
    p->zones = z;
    z[p->nzones] = (struct zone){str_dup(name), 0};
    if (z[p->nzones].name == NULL)
        return err_nomem(err);
    for (char *c = z[p->nzones].name; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    p->nzones++;
    return 0;
}

static int load_zones(struct alidns *p, struct err *err)
{
    struct paged q = {"DescribeDomains", "Domains", "Domain", {{0}}, 0};
    int rc;

    if (p->zones_loaded)
        return CP_OK;
    if ((rc = paginate(p, &q, collect_zone, NULL, err)) < 0)
        return rc;
    p->zones_loaded = true;
    return CP_OK;
}

/* The longest account domain that is fqdn or one of its parents (label by label). */
static struct zone *find_zone(struct alidns *p, const char *fqdn)
{
    for (const char *s = fqdn; s != NULL && *s != '\0'; s = strchr(s, '.'), s = s ? s + 1 : NULL) {
        size_t len = strlen(s) - (s[strlen(s) - 1] == '.');
        for (size_t i = 0; i < p->nzones; i++)
            if (strlen(p->zones[i].name) == len && strncasecmp(p->zones[i].name, s, len) == 0)
                return &p->zones[i];
    }
    return NULL;
}

/* The record's host part relative to the zone: "_acme-challenge.www", or "@" at the apex. */
static char *rr_of(const char *fqdn, const char *zone)
{
    size_t len = strlen(fqdn) - (fqdn[strlen(fqdn) - 1] == '.'), zlen = strlen(zone);

    if (len == zlen)
        return strdup("@");
    return strndup(fqdn, len - zlen - 1);
}

/* DescribeDomainInfo's MinTtl: the lowest TTL this domain's edition accepts. */
static long zone_min_ttl(struct alidns *p, struct zone *z)
{
    struct kv params[] = {{"DomainName", z->name}};
    struct kvlist l = {params, 1};
    struct aliyun_reply r;
    struct err e;

    err_clear(&e);
    if (z->min_ttl > 0)
        return z->min_ttl;
    z->min_ttl = DEFAULT_TTL;
    if (aliyun_call(p->cli, "DescribeDomainInfo", &l, &r, &e) != CP_OK) {
        log_warn(p->log, "%s; using TTL %d", e.msg, DEFAULT_TTL);
        return z->min_ttl;
    }
    json_int_t t = json_integer_value(json_object_get(r.json, "MinTtl"));
    if (t > 0 && t <= 86400)
        z->min_ttl = (long)t;
    aliyun_reply_free(&r);
    return z->min_ttl;
}

/* RecordId is a string in Alidns replies; accept a number too. */
static char *record_id(const json_t *j)
{
    const json_t *id = json_object_get(j, "RecordId");

    if (json_is_string(id))
        return str_dup(json_string_value(id));
    if (json_is_integer(id))
        return str_printf("%lld", (long long)json_integer_value(id));
    return NULL;
}

struct match {
    const char *value;
    char *id;
};

static int match_value(struct alidns *p, json_t *item, void *ud, struct err *err)
{
    struct match *m = ud;
    const char *type = json_string_value(json_object_get(item, "Type"));
    const char *value = json_string_value(json_object_get(item, "Value"));

    (void)p;
    if (type == NULL || value == NULL || strcasecmp(type, "TXT") != 0 || strcmp(value, m->value) != 0)
        return 0;
    if ((m->id = record_id(item)) == NULL)
        return err_set(err, CP_EPROTO, "alidns: DescribeSubDomainRecords: a record without RecordId");
    return 1;
}

/* The RecordId of the TXT record of r->fqdn in zone that holds r->value, or *id NULL when
 * none does (Alidns keeps one record per name, type and value). */
static int find_value(struct alidns *p, const char *zone, const struct dns_txt *r, char **id, struct err *err)
{
    char *sub = strndup(r->fqdn, strlen(r->fqdn) - (r->fqdn[strlen(r->fqdn) - 1] == '.'));
    struct paged q = {"DescribeSubDomainRecords", "DomainRecords", "Record",
                      {{"SubDomain", sub}, {"DomainName", zone}, {"Type", "TXT"}}, 3};
    struct match m = {r->value, NULL};
    int rc;

    *id = NULL;
    if (sub == NULL)
        return err_nomem(err);
    rc = paginate(p, &q, match_value, &m, err);
    free(sub);
    *id = m.id;
    return rc < 0 ? rc : CP_OK;
}

/* After DomainRecordDuplicate (an earlier run left the value): the existing record's id. */
static int find_existing(struct alidns *p, const char *zone, const struct dns_txt *r, char **id,
                         struct err *err)
{
    int rc = find_value(p, zone, r, id, err);

    if (rc == CP_OK && *id == NULL)
        return err_set(err, CP_EPROTO, "alidns: AddDomainRecord said DomainRecordDuplicate for %s, but "
                       "DescribeSubDomainRecords does not list that value", r->fqdn);
    return rc;
}

static int add_domain_record(struct alidns *p, const char *zone, const char *rr, const struct dns_txt *rec,
                             long ttl, struct aliyun_reply *r, struct err *err)
{
    char t[24];
    struct kv params[] = {{"DomainName", zone}, {"RR", rr}, {"Type", "TXT"}, {"Value", rec->value}, {"TTL", t}};
    struct kvlist l = {params, sizeof(params) / sizeof(params[0])};

    snprintf(t, sizeof(t), "%ld", ttl);
    return aliyun_call(p->cli, "AddDomainRecord", &l, r, err);
}

/* Publish one value: its id from AddDomainRecord, or from the record an earlier run left. */
static int add_in_zone(struct alidns *p, struct zone *z, const char *rr, struct dns_txt *rec, char **id,
                       struct err *err)
{
    long ttl = p->ttl > 0 ? p->ttl : zone_min_ttl(p, z);
    struct aliyun_reply r;
    int rc = add_domain_record(p, z->name, rr, rec, ttl, &r, err);

    /* a TTL below what the domain's edition allows: fall back to the domain's minimum, once */
    if (rc != CP_OK && strcmp(r.code, "QuotaExceeded.TTL") == 0 && zone_min_ttl(p, z) != ttl) {
        log_warn(p->log, "alidns: TTL %ld is below the minimum of %s; using %ld", ttl, z->name, z->min_ttl);
        rc = add_domain_record(p, z->name, rr, rec, z->min_ttl, &r, err);
    }
    if (rc != CP_OK && strcmp(r.code, "DomainRecordDuplicate") == 0) {
        err_clear(err);
        log_info(p->log, "alidns: %s already holds this value; reusing its record", rec->fqdn);
        return find_existing(p, z->name, rec, id, err);
    }
    if (rc == CP_OK && (*id = record_id(r.json)) == NULL)
        rc = err_set(err, CP_EPROTO, "alidns: AddDomainRecord: the reply has no RecordId");
    aliyun_reply_free(&r);
    return rc;
}

static int add_one(struct alidns *p, struct dns_txt *rec, struct err *err)
{
    struct zone *z = find_zone(p, rec->fqdn);
    char *rr = NULL, *id = NULL;
    int rc;

    if (z == NULL)
        return err_set(err, CP_ENOTFOUND, "alidns: no domain of this account holds %s (%zu domains listed)",
                       rec->fqdn, p->nzones);
    if ((rr = rr_of(rec->fqdn, z->name)) == NULL)
        return err_nomem(err);
    rc = add_in_zone(p, z, rr, rec, &id, err);
    free(rr);
    if (rc != CP_OK)
        return rc;
    free(rec->zone);
    free(rec->id);
    rec->id = id;
    if ((rec->zone = str_printf("%s.", z->name)) == NULL)
        return err_nomem(err);  /* id is kept: remove() needs only the id */
    rec->added = true;
    log_info(p->log, "alidns: added TXT %s (RecordId %s)", rec->fqdn, id);
    return CP_OK;
}

static int alidns_add(struct dns_provider *base, struct dns_txt *recs, size_t n, struct err *err)
{
    struct alidns *p = (struct alidns *)base;
    int rc = load_zones(p, err);

    for (size_t i = 0; rc == CP_OK && i < n; i++)
        if (!recs[i].added)
            rc = add_one(p, &recs[i], err);
    return rc;
}

/* Codes that mean the record is already gone (deleted by hand, or by an earlier run). */
static bool gone(const char *code)
{
    return strcmp(code, "DomainRecordNotBelongToUser") == 0 || strcmp(code, "InvalidRecordId.NotFound") == 0;
}

/* The zone of a record: the one add() found, else (a record from elsewhere) the account's. */
static int zone_name(struct alidns *p, const struct dns_txt *rec, char **out, struct err *err)
{
    const struct zone *z;
    int rc;

    if (rec->zone != NULL)
        *out = strndup(rec->zone, strlen(rec->zone) - (rec->zone[0] && rec->zone[strlen(rec->zone) - 1] == '.'));
    else if ((rc = load_zones(p, err)) != CP_OK)
        return rc;
    else if ((z = find_zone(p, rec->fqdn)) == NULL)
        return err_set(err, CP_ENOTFOUND, "alidns: no domain of this account holds %s", rec->fqdn);
    else
        *out = strdup(z->name);
    return *out != NULL ? CP_OK : err_nomem(err);
}

/* A RecordId is deleted only while it is the TXT record we added: the name and value we
 * recorded. An id from a journal that was corrupted or edited on disk, or one Alidns has
 * since given to another record, is refused, so it cannot delete someone else's record.
 * *ours false: no record holds our value any more (already gone). */
static int check_ours(struct alidns *p, const struct dns_txt *rec, bool *ours, struct err *err)
{
    char *zone = NULL, *id = NULL;
    int rc = zone_name(p, rec, &zone, err);

    if (rc == CP_OK)
        rc = find_value(p, zone, rec, &id, err);
    *ours = rc == CP_OK && id != NULL;
    if (*ours && strcmp(id, rec->id) != 0)
        rc = err_set(err, CP_EINVALID, "alidns: RecordId %s is not the TXT record %s with our value (that "
                     "is RecordId %s); not deleting it", rec->id, rec->fqdn, id);
    free(zone);
    free(id);
    return rc;
}

static int remove_one(struct alidns *p, struct dns_txt *rec, struct err *err)
{
    struct kv params[] = {{"RecordId", rec->id}};
    struct kvlist l = {params, 1};
    struct aliyun_reply r;
    bool ours = false;
    int rc;

    if (rec->id == NULL)
        return err_set(err, CP_EUSAGE, "alidns: %s: no RecordId to delete", rec->fqdn);
    if ((rc = check_ours(p, rec, &ours, err)) != CP_OK)
        return rc;
    rc = ours ? aliyun_call(p->cli, "DeleteDomainRecord", &l, &r, err) : CP_OK;
    if (!ours || (rc != CP_OK && gone(r.code))) {
        log_info(p->log, "alidns: record %s of %s was already gone", rec->id, rec->fqdn);
        err_clear(err);
        rc = CP_OK;
    }
    if (ours)
        aliyun_reply_free(&r);
    if (rc == CP_OK)
        rec->added = false;
    return rc;
}

/* Delete every record we added, even after a failure; the first error is reported. */
static int alidns_remove(struct dns_provider *base, struct dns_txt *recs, size_t n, struct err *err)
{
    struct alidns *p = (struct alidns *)base;
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

static void alidns_free(struct dns_provider *base)
{
    struct alidns *p = (struct alidns *)base;

    if (p == NULL)
        return;
    aliyun_client_free(p->cli);
    aliyun_creds_free(p->creds);
    for (size_t i = 0; i < p->nzones; i++)
        free(p->zones[i].name);
    free(p->zones);
    free(p->endpoint);
    free(p);
}

static const char *const known_settings[] = {"endpoint", "region", "signature", "ttl", "access_key_id",
                                             "ca_bundle", "sts_endpoint", "metadata_endpoint", NULL};

/* Alidns endpoints: alidns.<region>.aliyuncs.com, or the global alidns.aliyuncs.com. */
static int parse_settings(struct alidns *p, const struct kvlist *s, enum aliyun_sigver *sig, struct err *err)
{
    static const struct aliyun_endpoint_rule rule = {"alidns", ALIDNS_ENDPOINT};
    struct aliyun_settings as = {0};
    int rc;

    if ((rc = kv_check_known(s, known_settings, "alidns", err)) != CP_OK ||
        (rc = kv_get_long(s, "ttl", 1, 86400, &p->ttl, "alidns", err)) != CP_OK)
        return rc;
    rc = aliyun_settings_parse(s, "alidns", &rule, &as, err);
    *sig = as.sig;
    p->endpoint = as.endpoint;
    free(as.region);
    return rc;
}

static int open_creds(struct alidns *p, const struct dns_provider_opts *opts, struct err *err)
{
    const struct kvlist *s = opts->settings;
    struct aliyun_creds_opts ko = {.key_id_override = kv_get(s, "access_key_id"), .ca_bundle = kv_get(s, "ca_bundle"),
                                   .sts_endpoint = kv_get(s, "sts_endpoint"), .log = opts->log,
                                   .metadata_endpoint = kv_get(s, "metadata_endpoint")};

    return aliyun_creds_open(&ko, &p->creds, err);
}

struct dns_provider *dns_alidns_new(const struct dns_provider_opts *opts, struct err *err)
{
    struct alidns *p = calloc(1, sizeof(*p));
    struct aliyun_client_opts co = {.product = "alidns", .version = ALIDNS_VERSION, .log = opts->log};

    if (p == NULL) {
        err_nomem(err);
        return NULL;
    }
    p->base = (struct dns_provider){"alidns", alidns_add, alidns_remove, alidns_free};
    p->log = opts->log;
    if (parse_settings(p, opts->settings, &co.sig, err) != CP_OK ||
        open_creds(p, opts, err) != CP_OK)
        goto fail;
    co.endpoint = p->endpoint;
    co.creds = p->creds;
    co.ca_bundle = kv_get(opts->settings, "ca_bundle");
    if ((p->cli = aliyun_client_new(&co, err)) == NULL)
        goto fail;
    return &p->base;
fail:
    if (err != NULL && !str_has_prefix(err->msg, "alidns"))
        err_prefix(err, "alidns: ");
    alidns_free(&p->base);
    return NULL;
}
