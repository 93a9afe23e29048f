/*
 * cloud/aliyun/osscname — OSS's custom domain (CNAME) documents: the
 * PutCname request body with its CertificateConfiguration, and the
 * ListCname reply (each domain with the certificate it serves).
 * Every returned pointer belongs to the caller.
 */
#ifndef CP_CLOUD_ALIYUN_OSSCNAME_H
#define CP_CLOUD_ALIYUN_OSSCNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* What PutCname binds to a domain: a certificate and key, or a CAS certificate id ("<id>-<region>"). */
struct oss_cname_cert {
    const char *domain;
    const char *cert_id;           /* NULL: certificate and private_key are sent */
    const char *certificate;       /* PEM, the full chain */
    const char *private_key;       /* PEM (secret) */
    const char *previous_cert_id;  /* the certificate bound now (OSS refuses if it changed meanwhile); NULL: */
    bool force;                    /* replace whatever is bound (needed when previous_cert_id is NULL) */
};

/* The BucketCnameConfiguration XML, every value escaped. malloc'd; a secret when it holds the key
 * (secret_free); NULL without memory. */
char *oss_cname_body(const struct oss_cname_cert *c);

/* One domain of ListCname: every field malloc'd, NULL when the reply has none. */
struct oss_cname {
    char *domain, *status;
    char *cert_type, *cert_id, *cert_status, *fingerprint, *valid_end;
};

struct oss_cnames {
    struct oss_cname *v;
    size_t n;
};

/* A ListCname reply (<ListCnameResult>) into *out (empty first; oss_cnames_free also after a failure).
 * CP_EPROTO "<what>: ..." for anything else or a Cname without its Domain. */
int oss_cnames_parse(const char *xml, size_t len, const char *what, struct oss_cnames *out,
                     struct err *err) CP_WUR;
void oss_cnames_free(struct oss_cnames *l);

/* The entry for domain (case-insensitive), or NULL (borrowed). */
const struct oss_cname *oss_cnames_find(const struct oss_cnames *l, const char *domain);

/* Is fingerprint (hex, any case, ':' between bytes or not) the SHA-1 or SHA-256 of der? */
bool oss_fingerprint_matches(const char *fingerprint, const unsigned char *der, size_t der_len);

#endif
