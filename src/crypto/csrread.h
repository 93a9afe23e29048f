/*
 * crypto/csrread — reading a PKCS#10 CSR that someone else made (the
 * CSRFile of the seed articles' acme.ini, `issue --csr FILE`): its names,
 * its key type, and proof that whoever made it holds its key. The CSR is
 * then sent to the CA as it is; certpilot never sees its private key.
 */
#ifndef CP_CRYPTO_CSRREAD_H
#define CP_CRYPTO_CSRREAD_H

#include <stddef.h>

#include <openssl/evp.h>

#include "crypto/key.h"
#include "util/err.h"

struct csr_info {
    char **names;            /* the names: subjectAltName dNSNames and iPAddresses (as
                                canonical text, RFC 8738) in order, then the subject CN
                                when no SAN repeats it */
    size_t n;
    unsigned char *der;      /* the CSR as DER, ready for finalize */
    size_t der_len;
    enum key_type key_type;  /* of the CSR's public key */
};

/* Parse a CSR in PEM ("CERTIFICATE REQUEST") or DER form, check its
 * self-signature and that it names only DNS names and IP addresses. what
 * names the source in messages ("CSR /etc/ssl/example.com.csr"). CP_EINVALID
 * for a malformed CSR, a bad signature, a key type certpilot does not
 * support, or names other than DNS names and IP addresses. *out is filled; free it with csr_info_free. */
int csr_read(const char *data, size_t len, const char *what, struct csr_info *out,
             struct err *err) CP_WUR;

/* The CSR's public key (to check the issued certificate against); caller
 * EVP_PKEY_free()s. NULL with err set when the DER does not parse. */
EVP_PKEY *csr_public_key(const struct csr_info *ci, struct err *err);

/* Free what csr_read filled in and zero *ci (accepts NULL and a zeroed struct). */
void csr_info_free(struct csr_info *ci);

#endif
