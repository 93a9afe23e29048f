/*
 * dns/provider — dns-01 providers behind one interface: publish TXT values
 * and remove exactly those values again. A provider knows its API (Alibaba
 * Cloud DNS, RFC 2136 UPDATE, ...) and nothing about ACME.
 *
 * Adding a provider is one new file: it implements struct dns_provider and
 * adds one line to the table in dns/registry.c (name -> constructor).
 *
 * Records are handed over in batches so a provider that can (RFC 2136: one
 * UPDATE message) publishes all of an order's records at once; others loop.
 */
#ifndef CP_DNS_PROVIDER_H
#define CP_DNS_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"
#include "util/kv.h"
#include "util/log.h"

/* One TXT value at one name. The caller owns fqdn and value; the provider
 * owns (and frees in remove() or dns_txt_clear) what it fills in. */
struct dns_txt {
    const char *fqdn;   /* absolute, lower case, with the trailing dot:
                           "_acme-challenge.example.com." (after CNAME following) */
    const char *value;  /* the TXT value (base64url, 43 characters for dns-01) */
    /* filled by the provider: */
    char *zone;         /* the zone the record went into, "example.com." */
    char *id;           /* the provider's handle for exactly this record (Alidns RecordId), or NULL */
    bool added;         /* true once the record is known to be published */
};

struct dns_provider {
    const char *name;  /* "rfc2136", "alidns", ... */
    /* Publish every record. On failure the records already published have
     * added == true, so the caller can remove() them. */
    int (*add)(struct dns_provider *p, struct dns_txt *recs, size_t n, struct err *err);
    /* Remove exactly these values (only those with added == true; others are
     * skipped). A record that is already gone is not an error. Clears added. */
    int (*remove)(struct dns_provider *p, struct dns_txt *recs, size_t n, struct err *err);
    void (*free)(struct dns_provider *p);
};

/* What every provider constructor receives. */
struct dns_provider_opts {
    const struct kvlist *settings;  /* provider settings (borrowed); never secrets on argv */
    const struct logger *log;       /* borrowed, may be NULL */
    const char *resolver;           /* "ADDR[:PORT]" used for lookups (zone, SOA, CNAME); NULL: system */
    const char *state_dir;          /* a directory the provider may keep small state in; may be NULL */
};

/* Build the provider called name. CP_EUSAGE names an unknown provider or a
 * bad setting; the list of known names is in the message. */
struct dns_provider *dns_provider_new(const char *name, const struct dns_provider_opts *opts,
                                      struct err *err);

/* The i-th name dns_provider_new knows, or NULL past the last. */
const char *dns_provider_name(size_t i);

static inline void dns_provider_free(struct dns_provider *p)
{
    if (p != NULL)
        p->free(p);
}

/* Free what a provider filled into r (zone, id) and reset those fields. */
void dns_txt_clear(struct dns_txt *r);

#endif
