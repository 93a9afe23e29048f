/*
 * jose/jwkpriv — a private JWK (RFC 7517 §4, RFC 7518 §6.2.2 and §6.3.2) as an
 * OpenSSL 3 key, built with EVP_PKEY_fromdata. Every buffer that held key
 * material is wiped before it is freed.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "crypto/key.h"
#include "jose/b64url.h"
#include "jose/jwk.h"
#include "util/str.h"

#define MAX_MEMBER 1024  /* bytes of one decoded member: RSA-8192 fits */

/* The decoded bytes of member name (*len of them); CP_EINVALID when missing or not base64url. */
static int member(const json_t *jwk, const char *name, const char *what, unsigned char **out, size_t *len,
                  struct err *err)
{
    const char *s = json_string_value(json_object_get(jwk, name));

    *out = NULL;
    if (s == NULL)
        return err_set(err, CP_EINVALID, "%s: member \"%s\" is missing or not a string", what, name);
    if (strlen(s) > MAX_MEMBER * 2 || b64url_decode(s, strlen(s), out, len) != CP_OK || *len == 0) {
        secret_free(*out, *out ? *len : 0);
        *out = NULL;
        return err_set(err, CP_EINVALID, "%s: member \"%s\" is not base64url", what, name);
    }
    return CP_OK;
}

static int push_bn(OSSL_PARAM_BLD *bld, const json_t *jwk, const char *name, const char *param,
                   const char *what, BIGNUM **keep, struct err *err)
{
    unsigned char *bin = NULL;
    size_t len = 0;
    int rc = member(jwk, name, what, &bin, &len, err);

    if (rc == CP_OK && (*keep = BN_secure_new()) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK && (BN_bin2bn(bin, (int)len, *keep) == NULL || !OSSL_PARAM_BLD_push_BN(bld, param, *keep)))
        rc = err_ssl(err, CP_ECRYPTO, "%s: cannot use member \"%s\"", what, name);
    secret_free(bin, len);
    return rc;
}

/* RFC 7518 §6.3.2: certbot (josepy) writes every member; without the CRT ones no check is possible. */
static int rsa_params(OSSL_PARAM_BLD *bld, const json_t *jwk, const char *what, BIGNUM **bn, struct err *err)
{
    static const char *const names[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
    static const char *const params[] = {
        OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
        OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    int rc = CP_OK;

    for (size_t i = 0; rc == CP_OK && i < 8; i++)
        rc = push_bn(bld, jwk, names[i], params[i], what, &bn[i], err);
    return rc;
}

/* RFC 7518 §6.2.2: the public point as an uncompressed octet string 04 || x || y. */
static int ec_point(OSSL_PARAM_BLD *bld, const json_t *jwk, size_t size, const char *what, unsigned char *pt,
                    struct err *err)
{
    unsigned char *x = NULL, *y = NULL;
    size_t xl = 0, yl = 0;
    int rc = member(jwk, "x", what, &x, &xl, err);

    if (rc == CP_OK)
        rc = member(jwk, "y", what, &y, &yl, err);
    if (rc == CP_OK && (xl != size || yl != size))
        rc = err_set(err, CP_EINVALID, "%s: x and y must be %zu bytes for its curve", what, size);
    if (rc == CP_OK) {
        pt[0] = 4;
        memcpy(pt + 1, x, size);
        memcpy(pt + 1 + size, y, size);
        if (!OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * size))
            rc = err_ssl(err, CP_ECRYPTO, "%s: cannot use the public point", what);
    }
    free(x);
    free(y);
    return rc;
}

static int ec_params(OSSL_PARAM_BLD *bld, const json_t *jwk, const char *what, unsigned char *pt, BIGNUM **bn,
                     struct err *err)
{
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    const char *group = crv == NULL ? NULL : strcmp(crv, "P-256") == 0 ? "prime256v1"
                                           : strcmp(crv, "P-384") == 0 ? "secp384r1" : NULL;
    int rc;

    if (group == NULL)
        return err_set(err, CP_EINVALID, "%s: curve \"%s\" is not supported (P-256 or P-384)", what,
                       crv ? crv : "(none)");
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0))
        return err_ssl(err, CP_ECRYPTO, "%s: cannot use curve %s", what, crv);
    if ((rc = ec_point(bld, jwk, strcmp(crv, "P-256") == 0 ? 32 : 48, what, pt, err)) != CP_OK)
        return rc;
    return push_bn(bld, jwk, "d", OSSL_PKEY_PARAM_PRIV_KEY, what, &bn[0], err);
}

/* The private part must belong to the public one: a JWK edited by hand or cut short is refused here. */
static int check_whole(EVP_PKEY *key, const char *what, struct err *err)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    enum key_type t;
    int ok = ctx != NULL && EVP_PKEY_pairwise_check(ctx) == 1;

    EVP_PKEY_CTX_free(ctx);
    if (!ok)
        return err_ssl(err, CP_EINVALID, "%s: the private and public parts do not belong together", what);
    if (key_type_of(key, &t, err) != CP_OK) {
        err_prefix(err, "%s: ", what);
        return err->code;
    }
    return CP_OK;
}

static int build(const json_t *jwk, const char *kty, const char *what, EVP_PKEY **key, struct err *err)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    BIGNUM *bn[8] = {NULL};
    unsigned char pt[1 + 2 * 48];
    bool ec = strcmp(kty, "EC") == 0;
    int rc = bld ? CP_OK : err_nomem(err);

    if (rc == CP_OK)
        rc = ec ? ec_params(bld, jwk, what, pt, bn, err) : rsa_params(bld, jwk, what, bn, err);
    if (rc == CP_OK && ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
                        (ctx = EVP_PKEY_CTX_new_from_name(NULL, kty, NULL)) == NULL ||
                        EVP_PKEY_fromdata_init(ctx) != 1 ||
                        EVP_PKEY_fromdata(ctx, key, EVP_PKEY_KEYPAIR, params) != 1))
        rc = err_ssl(err, CP_EINVALID, "%s: not a valid %s key", what, kty);
    if (rc == CP_OK)
        rc = check_whole(*key, what, err);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);  /* OpenSSL 3.0 has no OSSL_PARAM_clear_free (3.2 has) */
    OSSL_PARAM_BLD_free(bld);
    for (size_t i = 0; i < 8; i++)
        BN_clear_free(bn[i]);
    return rc;
}

EVP_PKEY *jwk_private_key(const json_t *jwk, const char *what, struct err *err)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    EVP_PKEY *key = NULL;

    if (!json_is_object(jwk)) {
        err_set(err, CP_EINVALID, "%s: not a JSON object", what);
        return NULL;
    }
    if (kty == NULL || (strcmp(kty, "RSA") != 0 && strcmp(kty, "EC") != 0)) {
        err_set(err, CP_EINVALID, "%s: key type \"%s\" is not supported (RSA or EC)", what, kty ? kty : "(none)");
        return NULL;
    }
    if (build(jwk, kty, what, &key, err) != CP_OK) {
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}
