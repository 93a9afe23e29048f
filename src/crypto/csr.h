/*
 * crypto/csr — PKCS#10 certificate signing requests for ACME finalize.
 */
#ifndef CP_CRYPTO_CSR_H
#define CP_CRYPTO_CSR_H

#include <stddef.h>

#include <openssl/evp.h>

#include "util/err.h"

/*
 * RFC 8555 §7.4: a CSR carrying every name as a subjectAltName dNSName
 * (wildcards as given, "*.example.com"), an IP address (RFC 8738 §3) as an
 * iPAddress; the subject CN is the first DNS name when it fits in 64
 * characters (none: an empty subject), so no name appears only in the CN.
 * Signed with key (SHA-256). *der is malloc'd, caller frees.
 * CP_EUSAGE for zero names or an empty name.
 */
int csr_build(EVP_PKEY *key, const char *const *names, size_t n,
              unsigned char **der, size_t *der_len, struct err *err) CP_WUR;

#endif
