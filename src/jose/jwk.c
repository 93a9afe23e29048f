#include "jose/jwk.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "crypto/key.h"
#include "jose/b64url.h"

/* base64url of a big-endian number, left-padded with zeros to pad bytes
 * (pad 0: minimal length, no leading zero bytes). */
static char *bn_b64url(const BIGNUM *bn, int pad)
{
    unsigned char *bin = NULL;
    char *out = NULL;
    int len = pad > 0 ? pad : BN_num_bytes(bn);

    bin = malloc(len > 0 ? (size_t)len : 1);
    if (bin == NULL)
        return NULL;
    if (BN_bn2binpad(bn, bin, len) == len)
        out = b64url_encode(bin, (size_t)len);
    free(bin);
    return out;
}

/* Fetch a BIGNUM key parameter and encode it; NULL on any failure. */
static char *param_b64url(EVP_PKEY *key, const char *name, int pad)
{
    BIGNUM *bn = NULL;
    char *out = NULL;

    if (EVP_PKEY_get_bn_param(key, name, &bn) == 1)
        out = bn_b64url(bn, pad);
    BN_free(bn);
    return out;
}

/* RFC 7518 §6.2.1: crv names the curve; x and y are the full coordinate
 * length of the curve, leading zeros kept. */
static json_t *jwk_ec(EVP_PKEY *key, struct err *err)
{
    enum key_type t;
    const char *crv;
    char *x = NULL, *y = NULL;
    json_t *jwk = NULL;
    int size;

    if (key_type_of(key, &t, err) != CP_OK)
        return NULL;
    crv = t == KEY_EC_P384 ? "P-384" : "P-256";
    size = t == KEY_EC_P384 ? 48 : 32;
    x = param_b64url(key, OSSL_PKEY_PARAM_EC_PUB_X, size);
    y = param_b64url(key, OSSL_PKEY_PARAM_EC_PUB_Y, size);
    if (x == NULL || y == NULL)
        err_ssl(err, CP_ECRYPTO, "cannot read the EC public point");
    else if ((jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", crv,
                              "x", x, "y", y)) == NULL)
        err_nomem(err);
    free(x);
    free(y);
    return jwk;
}

/* RFC 7518 §6.3.1: n and e as unsigned big-endian, no leading zero octets. */
static json_t *jwk_rsa(EVP_PKEY *key, struct err *err)
{
    char *n = param_b64url(key, OSSL_PKEY_PARAM_RSA_N, 0);
    char *e = param_b64url(key, OSSL_PKEY_PARAM_RSA_E, 0);
    json_t *jwk = NULL;

    if (n == NULL || e == NULL)
        err_ssl(err, CP_ECRYPTO, "cannot read the RSA public key");
    else if ((jwk = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", n, "e", e)) == NULL)
        err_nomem(err);
    free(n);
    free(e);
    return jwk;
}

json_t *jwk_from_key(EVP_PKEY *key, struct err *err)
{
    if (key == NULL) {
        err_set(err, CP_EINVALID, "no key");
        return NULL;
    }
    if (EVP_PKEY_is_a(key, "EC"))
        return jwk_ec(key, err);
    if (EVP_PKEY_is_a(key, "RSA"))
        return jwk_rsa(key, err);
    err_set(err, CP_EINVALID, "%s keys are not supported (EC or RSA)",
            EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown");
    return NULL;
}

/* RFC 7638 §3.2: the required members of each key type. */
static const char *const *required_members(const char *kty)
{
    static const char *const ec[] = {"crv", "kty", "x", "y", NULL};
    static const char *const rsa[] = {"e", "kty", "n", NULL};

    if (kty != NULL && strcmp(kty, "EC") == 0)
        return ec;
    if (kty != NULL && strcmp(kty, "RSA") == 0)
        return rsa;
    return NULL;
}

/* RFC 7638 §3: only the required members, lexicographic order, no whitespace. */
static char *thumbprint_input(const json_t *jwk, struct err *err)
{
    const char *const *req;
    json_t *canon = NULL;
    char *text = NULL;

    req = required_members(json_string_value(json_object_get(jwk, "kty")));
    if (req == NULL) {
        err_set(err, CP_EINVALID, "JWK has no supported kty (EC or RSA)");
        return NULL;
    }
    if ((canon = json_object()) == NULL) {
        err_nomem(err);
        return NULL;
    }
    for (; *req != NULL; req++) {
        json_t *v = json_object_get(jwk, *req);
        if (!json_is_string(v)) {
            err_set(err, CP_EINVALID, "JWK member \"%s\" is missing or not a string", *req);
            goto out;
        }
        if (json_object_set_new(canon, *req, json_string(json_string_value(v))) != 0) {
            err_nomem(err);
            goto out;
        }
    }
    if ((text = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
        err_nomem(err);
out:
    json_decref(canon);
    return text;
}

char *jwk_thumbprint_json(const json_t *jwk, struct err *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char *text = NULL, *out = NULL;

    if (!json_is_object(jwk)) {
        err_set(err, CP_EINVALID, "JWK is not a JSON object");
        return NULL;
    }
    if ((text = thumbprint_input(jwk, err)) == NULL)
        return NULL;
    /* RFC 8555 §8.1: ACME uses SHA-256 as the thumbprint hash. */
    if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL) != 1)
        err_ssl(err, CP_ECRYPTO, "SHA-256 of the JWK failed");
    else if ((out = b64url_encode(md, mdlen)) == NULL)
        err_nomem(err);
    free(text);
    return out;
}

char *jwk_thumbprint(EVP_PKEY *key, struct err *err)
{
    json_t *jwk = jwk_from_key(key, err);
    char *out;

    if (jwk == NULL)
        return NULL;
    out = jwk_thumbprint_json(jwk, err);
    json_decref(jwk);
    return out;
}
