/*
 * crypto/pkcs12 — PKCS#12 (RFC 7292) files: a private key with its
 * certificate and issuer chain in one password-protected file, as IIS,
 * the Windows certificate store and Java key stores import them.
 * Knows nothing about files or targets: it returns the DER bytes.
 */
#ifndef CP_CRYPTO_PKCS12_H
#define CP_CRYPTO_PKCS12_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct pkcs12_input {
    const char *key_pem;        /* the private key (secret) */
    size_t key_len;
    const char *cert_pem;       /* the leaf */
    const char *chain_pem;      /* issuer certificates, may be "" */
    const char *friendly_name;  /* shown by Windows and IIS; may be NULL */
    const char *password;       /* may be "" (never NULL); secret */
    /* false: AES-256-CBC with PBKDF2 (HMAC-SHA-256) for the key and the
     *        certificates, an HMAC-SHA-256 MAC (what OpenSSL 3 and Windows
     *        Server 2019+ read);
     * true:  PBE-SHA1-3DES for both and an HMAC-SHA-1 MAC, for Windows
     *        Server 2016 and older, which cannot read the modern form. */
    bool legacy;
};

/* The .pfx bytes in *der (malloc'd; free with secret_free(*der, *len): with
 * an empty password the key inside is readable). CP_EINVALID names the key
 * or certificate that does not parse, or a key that is not the
 * certificate's; CP_ECRYPTO when OpenSSL cannot build the file. */
int pkcs12_build(const struct pkcs12_input *in, unsigned char **der, size_t *len,
                 struct err *err) CP_WUR;

/* Does der (an existing .pfx) open with in->password and hold exactly in's
 * key, certificate, chain and friendly name, in the form in->legacy asks
 * for? Lets a target leave an up-to-date file alone (a new file would
 * differ in every byte: salts and IVs are random). A file is not opened
 * (no key derived from the password) when any of its key derivations (the
 * MAC, the certificates' and the key's encryption) would take more
 * iterations than certpilot writes, or uses another algorithm. When the
 * answer is false, why (may be NULL) holds the reason, CP_EINVALID. */
bool pkcs12_matches(const unsigned char *der, size_t len, const struct pkcs12_input *in, struct err *why);

#endif
