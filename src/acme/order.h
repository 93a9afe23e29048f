/*
 * acme/order — RFC 8555 §7.1.3 / §7.4 order objects: create for a set of
 * DNS names and IP addresses, read back, finalize with a CSR, download the certificate
 * chain (with the alternate chains the CA links to).
 */
#ifndef CP_ACME_ORDER_H
#define CP_ACME_ORDER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "acme/client.h"

struct acme_order {
    char *url;
    char *status;       /* pending, ready, processing, valid, invalid */
    char **authz;       /* authorization URLs */
    size_t nauthz;
    char *finalize;
    char *certificate;  /* set once valid */
    json_t *object;
};

/* newOrder for names (type "dns"; "ip" for an address in canonical text, RFC 8738).
 * profile may be NULL (draft-aaron-acme-profiles).
 * replaces, when not NULL, is the RFC 9773 §4.1 identifier of the certificate
 * this order renews (RFC 9773 §5); CAs without ARI ignore it. */
int acme_order_create(struct acme_client *c, const char *const *names, size_t n,
                      const char *profile, const char *replaces, struct acme_order *out,
                      struct err *err) CP_WUR;

/* Refresh o from its URL (POST-as-GET). Retry-After seconds, if sent, in *retry_after_s (else -1). */
int acme_order_refresh(struct acme_client *c, struct acme_order *o, long *retry_after_s,
                       struct err *err) CP_WUR;

/* §7.4: POST the CSR (DER) to the finalize URL; o is updated from the reply.
 * When the CA answers orderNotReady (the order is not "ready" yet), *not_ready
 * (may be NULL) is set besides the CP_EACME. */
int acme_order_finalize(struct acme_client *c, struct acme_order *o, const unsigned char *csr,
                        size_t csr_len, bool *not_ready, struct err *err) CP_WUR;

/* §7.4.2: download the PEM chain at url. Alternate chain URLs (Link
 * rel="alternate") are returned in *alternates (malloc'd array of
 * malloc'd strings; may be NULL when alternates is NULL). */
int acme_cert_download(struct acme_client *c, const char *url, char **pem,
                       char ***alternates, size_t *nalternates, struct err *err) CP_WUR;

void acme_order_free(struct acme_order *o);

#endif
