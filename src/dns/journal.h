/*
 * dns/journal — the crash journal of dns-01 records: which provider
 * published which value at which name (zone and provider id when known), so
 * a run that died before its cleanup can be cleaned up by the next one.
 * JSON, written atomically (util/fsio); never holds secrets.
 *   {"provider": "rfc2136", "pid": 1234,
 *    "records": [{"fqdn": "_acme-challenge.example.com.", "value": "...",
 *                 "zone": "example.com.", "id": "..."}]}
 */
#ifndef CP_DNS_JOURNAL_H
#define CP_DNS_JOURNAL_H

#include <stddef.h>

#include "dns/provider.h"
#include "util/err.h"

/* A journal read back. recs[i].fqdn and .value point into strs, owned here;
 * zone and id are owned by recs[i] as a provider would own them. */
struct dns_journal {
    char *provider;
    long pid;
    struct dns_txt *recs;
    size_t n;
    char **strs;  /* 2 * n: fqdn, value, fqdn, value, ... */
};

/* Write (replace) the journal at path listing recs (fqdn, value, zone, id). */
int dns_journal_write(const char *path, const char *provider, long pid, const struct dns_txt *recs,
                      size_t n, struct err *err) CP_WUR;

/* The text dns_journal_write writes (malloc'd), or NULL when out of memory. */
char *dns_journal_format(const char *provider, long pid, const struct dns_txt *recs, size_t n);

/* Read the journal at path into j (recs with added == true). CP_EINVALID names
 * a malformed journal; CP_ENOTFOUND a missing one. */
int dns_journal_read(const char *path, struct dns_journal *j, struct err *err) CP_WUR;

/* The same from len bytes of text (dns_journal_read's parser); path names it in errors. */
int dns_journal_parse(const char *text, size_t len, const char *path, struct dns_journal *j,
                      struct err *err) CP_WUR;

void dns_journal_clear(struct dns_journal *j);

#endif
