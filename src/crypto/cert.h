/*
 * crypto/cert — what certpilot needs to know about X.509 certificates:
 * names, validity, serial, ARI identifier; splitting a PEM chain.
 */
#ifndef CP_CRYPTO_CERT_H
#define CP_CRYPTO_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "util/err.h"

struct cert_info {
    char **names;       /* subjectAltName dNSNames and iPAddresses (canonical text, RFC 8738) in
                           certificate order (malloc'd array of malloc'd strings) */
    size_t nnames;
    time_t not_before;  /* UTC */
    time_t not_after;   /* UTC */
    char *serial_hex;   /* upper-case hex, no separators */
    char *issuer;       /* one-line issuer DN (RFC 2253 form) */
    char *ari_id;       /* RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial DER bytes);
                           NULL when the certificate has no AKI */
};

/* Parse the first certificate of a PEM text. CP_EINVALID when there is none
 * or it does not parse. Free with cert_info_free. */
int cert_info_from_pem(const char *pem, size_t len, struct cert_info *out, struct err *err) CP_WUR;
void cert_info_free(struct cert_info *ci);

/*
 * Split the PEM chain a CA returns (RFC 8555 §7.4.2, application/pem-certificate-chain)
 * into the end-entity certificate and the rest. Every block must parse as
 * X.509 and there must be at least one; anything but whitespace between blocks
 * is rejected. *leaf and *chain are malloc'd PEM text (chain may be "" when the CA
 * sent only the leaf). Returns 0 or CP_EINVALID.
 */
int cert_chain_split(const char *pem, size_t len, char **leaf, char **chain, struct err *err) CP_WUR;

/* Does the PEM chain lead to a root whose common name is name (the issuer of
 * its topmost certificate), or hold a certificate with that common name? */
bool cert_chain_has_issuer(const char *pem, size_t len, const char *name);

/* The DER bytes of the first certificate of a PEM text (RFC 8555 §7.6 sends
 * them in revokeCert). *der is malloc'd. CP_EINVALID when there is none. */
int cert_pem_to_der(const char *pem, size_t len, unsigned char **der, size_t *der_len,
                    struct err *err) CP_WUR;

/* 0 when the certificate's public key is key's public key, CP_EINVALID otherwise. */
int cert_matches_key(const char *leaf_pem, size_t len, EVP_PKEY *key, struct err *err) CP_WUR;

#endif
