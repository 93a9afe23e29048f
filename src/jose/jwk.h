/*
 * jose/jwk — public JSON Web Keys (RFC 7517/7518) and their thumbprints
 * (RFC 7638). Supports EC P-256, EC P-384 and RSA keys. No I/O.
 */
#ifndef CP_JOSE_JWK_H
#define CP_JOSE_JWK_H

#include <jansson.h>
#include <openssl/evp.h>

#include "util/err.h"

/* The public JWK of key: {"kty":"EC","crv","x","y"} or {"kty":"RSA","n","e"}.
 * EC coordinates are padded to the curve size. New reference, caller json_decref()s. */
json_t *jwk_from_key(EVP_PKEY *key, struct err *err);

/* RFC 7638 thumbprint of a JWK object: base64url(SHA-256(required members,
 * sorted, no whitespace)). Caller frees. CP_EINVALID for an unknown kty or
 * a missing member. */
char *jwk_thumbprint_json(const json_t *jwk, struct err *err);

/* Thumbprint of a key's public JWK. Caller frees. */
char *jwk_thumbprint(EVP_PKEY *key, struct err *err);

/*
 * The private key of a private JWK (jose/jwkpriv.c), as certbot keeps its account
 * keys (private_key.json): RSA with n, e, d and the CRT members p, q, dp, dq, qi;
 * EC P-256 or P-384 with crv, x, y, d. Members are base64url without padding. The
 * key must be whole (public and private parts agree) and of a supported type
 * (crypto/key.h). what names the source in messages; CP_EINVALID "<what>: ...".
 * Caller EVP_PKEY_free()s; nothing of the key reaches a message.
 */
EVP_PKEY *jwk_private_key(const json_t *jwk, const char *what, struct err *err);

#endif
