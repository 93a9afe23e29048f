/*
 * dns/journal — read and write the crash journal of dns-01 records.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dns/journal.h"
#include "util/fsio.h"
#include "util/str.h"

#define JOURNAL_MAX (1024 * 1024)

/* An optional member: absent when value is NULL. */
static int set_opt(json_t *o, const char *key, const char *value)
{
    return value == NULL ? 0 : json_object_set_new(o, key, json_string(value));
}

static json_t *record_json(const struct dns_txt *r)
{
    json_t *o = json_pack("{s:s, s:s}", "fqdn", r->fqdn, "value", r->value);

    /* zone and id are known only after the provider published the record */
    if (o != NULL && (set_opt(o, "zone", r->zone) != 0 || set_opt(o, "id", r->id) != 0)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

char *dns_journal_format(const char *provider, long pid, const struct dns_txt *recs, size_t n)
{
    json_t *list = json_array(), *root = NULL;
    char *text = NULL;

    for (size_t i = 0; list != NULL && i < n; i++) {
        if (json_array_append_new(list, record_json(&recs[i])) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    if (list != NULL)
        root = json_pack("{s:s, s:I, s:o}", "provider", provider, "pid", (json_int_t)pid, "records", list);
    if (root != NULL)
        text = json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    return text;
}

int dns_journal_write(const char *path, const char *provider, long pid, const struct dns_txt *recs,
                      size_t n, struct err *err)
{
    char *text = dns_journal_format(provider, pid, recs, n);
    int rc = text == NULL ? err_nomem(err) : fs_write_atomic(path, text, strlen(text), 0600, err);

    free(text);
    return rc;
}

static const char *opt_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int read_record(const json_t *o, struct dns_journal *j, size_t i, struct err *err)
{
    const char *fqdn = NULL, *value = NULL;
    struct dns_txt *r = &j->recs[i];

    if (json_unpack((json_t *)o, "{s:s, s:s}", "fqdn", &fqdn, "value", &value) != 0)
        return err_set(err, CP_EINVALID, "record %zu lacks fqdn or value", i + 1);
    j->strs[2 * i] = strdup(fqdn);
    j->strs[2 * i + 1] = strdup(value);
    r->fqdn = j->strs[2 * i];
    r->value = j->strs[2 * i + 1];
    r->zone = str_dup(opt_str(o, "zone"));
    r->id = str_dup(opt_str(o, "id"));
    r->added = true;
    if (!r->fqdn || !r->value || (opt_str(o, "zone") && !r->zone) || (opt_str(o, "id") && !r->id))
        return err_nomem(err);
    return CP_OK;
}

static int from_json(json_t *root, struct dns_journal *j, struct err *err)
{
    const char *provider = NULL;
    json_int_t pid = 0;
    json_t *list = NULL;
    int rc = CP_OK;

    if (json_unpack(root, "{s:s, s:I, s:o}", "provider", &provider, "pid", &pid, "records", &list) != 0 ||
        !json_is_array(list))
        return err_set(err, CP_EINVALID, "expected provider, pid and records");
    j->pid = (long)pid;
    j->n = json_array_size(list);
    j->provider = strdup(provider);
    j->recs = calloc(j->n ? j->n : 1, sizeof(*j->recs));
    j->strs = calloc(j->n ? 2 * j->n : 1, sizeof(*j->strs));
    if (!j->provider || !j->recs || !j->strs)
        return err_nomem(err);
    for (size_t i = 0; rc == CP_OK && i < j->n; i++)
        rc = read_record(json_array_get(list, i), j, i, err);
    return rc;
}

int dns_journal_read(const char *path, struct dns_journal *j, struct err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    *j = (struct dns_journal){NULL, 0, NULL, 0, NULL};
    if ((rc = fs_read(path, JOURNAL_MAX, &text, &len, err)) != CP_OK)
        return rc;
    rc = dns_journal_parse(text, len, path, j, err);
    free(text);
    return rc;
}

int dns_journal_parse(const char *text, size_t len, const char *path, struct dns_journal *j, struct err *err)
{
    json_error_t jerr;
    json_t *root = NULL;
    int rc;

    *j = (struct dns_journal){NULL, 0, NULL, 0, NULL};
    if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
        rc = err_set(err, CP_EINVALID, "DNS journal %s: not JSON (line %d: %s)", path, jerr.line, jerr.text);
    else if ((rc = from_json(root, j, err)) != CP_OK)
        err_prefix(err, "DNS journal %s: ", path);
    if (rc != CP_OK)
        dns_journal_clear(j);
    json_decref(root);
    return rc;
}

void dns_journal_clear(struct dns_journal *j)
{
    for (size_t i = 0; j->recs != NULL && i < j->n; i++)
        dns_txt_clear(&j->recs[i]);
    for (size_t i = 0; j->strs != NULL && i < 2 * j->n; i++)
        free(j->strs[i]);
    free(j->recs);
    free(j->strs);
    free(j->provider);
    *j = (struct dns_journal){NULL, 0, NULL, 0, NULL};
}
