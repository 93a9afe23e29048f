/*
 * jose/jws — JSON Web Signatures in flattened JSON serialization
 * (RFC 7515 §7.2.2) as ACME uses them (RFC 8555 §6.2).
 *
 * The account key lives behind struct jws_signer: the ACME and HTTP code
 * hold a signer and never touch key material. No I/O.
 */
#ifndef CP_JOSE_JWS_H
#define CP_JOSE_JWS_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "util/err.h"

struct jws_signer;

/* Wrap key (EC P-256 → ES256, EC P-384 → ES384, RSA 2048/3072/4096 → RS256).
 * Takes its own reference on key (EVP_PKEY_up_ref); the caller keeps theirs.
 * CP_EINVALID for an unsupported key. Free with jws_signer_free. */
struct jws_signer *jws_signer_new(EVP_PKEY *key, struct err *err);
void jws_signer_free(struct jws_signer *s);

/* "ES256", "ES384" or "RS256". Owned by the signer. */
const char *jws_signer_alg(const struct jws_signer *s);
/* The public JWK (borrowed reference, lives as long as the signer). */
json_t *jws_signer_jwk(const struct jws_signer *s);
/* RFC 7638 thumbprint of the public JWK (owned by the signer). */
const char *jws_signer_thumbprint(const struct jws_signer *s);

/*
 * Sign payload with the protected header hdr (borrowed; the signer adds
 * "alg"; the caller puts url, nonce and either kid or jwk). A NULL payload
 * or payload_len 0 gives the empty payload of POST-as-GET (RFC 8555 §6.3).
 * ECDSA signatures are raw r||s, each padded to the curve size (RFC 7518 §3.4).
 * Returns {"protected","payload","signature"} as a new reference.
 */
json_t *jws_sign(const struct jws_signer *s, const json_t *hdr,
                 const void *payload, size_t payload_len, struct err *err);

/*
 * RFC 8555 §7.3.4 External Account Binding: a JWS over the account's public
 * JWK, protected {"alg":"HS256","kid":eab_kid,"url":url}, MAC'd with
 * HMAC-SHA256 under hmac_key (already base64url-decoded). New reference.
 */
json_t *jws_eab(const char *eab_kid, const unsigned char *hmac_key, size_t key_len,
                const json_t *account_jwk, const char *url, struct err *err);

#endif
