/*
 * crypto/key — private keys: generation (OpenSSL 3 EVP), PEM (PKCS#8)
 * encoding and loading, key types. Knows nothing about ACME or files:
 * callers read and write the bytes (store/ does the atomic 0600 writes).
 */
#ifndef CP_CRYPTO_KEY_H
#define CP_CRYPTO_KEY_H

#include <stddef.h>

#include <openssl/evp.h>

#include "util/err.h"

enum key_type {
    KEY_EC_P256 = 0,  /* default, ES256 */
    KEY_EC_P384,      /* ES384 */
    KEY_RSA_2048,     /* RS256 */
    KEY_RSA_3072,
    KEY_RSA_4096,
};

/* Parse a user's key type: "ec256" (alias "p256", "ecdsa"), "ec384" ("p384"),
 * "rsa2048" ("rsa"), "rsa3072", "rsa4096". CP_EUSAGE names the bad value. */
int key_type_parse(const char *s, enum key_type *out, struct err *err) CP_WUR;
/* Canonical name: "ec256", "ec384", "rsa2048", "rsa3072", "rsa4096". */
const char *key_type_name(enum key_type t);
/* Type of an existing key; CP_EINVALID for anything else (RSA < 2048, other curves, Ed25519...). */
int key_type_of(EVP_PKEY *key, enum key_type *out, struct err *err) CP_WUR;

/* Fresh key of type t. Caller EVP_PKEY_free()s. */
EVP_PKEY *key_generate(enum key_type t, struct err *err);

/* Unencrypted PKCS#8 PEM of the private key. *out is malloc'd; free it
 * with secret_free(*out, *len) (util/str.h) so the bytes are wiped. */
int key_to_pem(EVP_PKEY *key, char **out, size_t *len, struct err *err) CP_WUR;

/* The same key in the traditional PEM form ("BEGIN RSA PRIVATE KEY",
 * PKCS#1; "BEGIN EC PRIVATE KEY", SEC 1), which some cloud APIs insist on.
 * Free with secret_free as above. */
int key_to_pem_traditional(EVP_PKEY *key, char **out, size_t *len, struct err *err) CP_WUR;

/* Parse a PEM private key (PKCS#8, or traditional EC/RSA). what names the
 * source for messages ("account key /path/key.pem"). Only supported types
 * are accepted. Caller EVP_PKEY_free()s. */
EVP_PKEY *key_from_pem(const char *pem, size_t len, const char *what, struct err *err);

#endif
