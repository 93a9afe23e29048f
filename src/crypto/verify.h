/*
 * crypto/verify — is the certificate a CA issued the one we ordered? RFC 8555
 * §7.4.2 hands us a chain and trusts us to check it: before anything is
 * stored, the leaf must name exactly our identifiers, carry our key, not be a
 * CA, be valid now, and each certificate of the chain must issue the one
 * before it.
 */
#ifndef CP_CRYPTO_VERIFY_H
#define CP_CRYPTO_VERIFY_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "util/err.h"

/*
 * leaf_pem: the end-entity certificate; chain_pem: the rest, leaf's issuer
 * first ("" allowed: no chain). names: the order's identifiers (DNS names,
 * wildcards as "*.example.com"; IP addresses, RFC 8738). The leaf's
 * subjectAltName must hold exactly these: each DNS name as a dNSName (compared
 * case-insensitively), each address as an iPAddress (compared by octets),
 * repeats ignored, nothing of another type;
 * its public key must be key's; its basicConstraints must not say CA; now
 * must lie in [notBefore, notAfter). Each chain certificate must be the issuer
 * (X509_check_issued) and signer (X509_verify) of the one before it.
 * 0, or CP_EPROTO with one line naming what is wrong (CP_EINVALID when a
 * certificate does not parse).
 */
int cert_verify_issued(const char *leaf_pem, const char *chain_pem, const char *const *names, size_t n,
                       EVP_PKEY *key, time_t now, struct err *err) CP_WUR;

#endif
