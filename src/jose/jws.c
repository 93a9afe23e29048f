#include "jose/jws.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>

#include "crypto/key.h"
#include "jose/b64url.h"
#include "jose/jwk.h"
#include "util/str.h"

struct jws_signer {
    EVP_PKEY *key;
    const char *alg;
    const EVP_MD *md;
    int coord_len; /* ECDSA: bytes per r and s; 0 for RSA */
    json_t *jwk;
    char *thumbprint;
};

/* The pieces of a flattened JWS before its signature (RFC 7515 §5.1). */
struct jws_parts {
    char *protected_b64;
    char *payload_b64;
    char *input; /* ASCII(b64(protected) "." b64(payload)) */
};

/* RFC 7518 §3.1: the JWS alg each supported key type signs with. */
static int signer_alg(struct jws_signer *s, struct err *err)
{
    enum key_type t;
    int rc = key_type_of(s->key, &t, err);

    if (rc != CP_OK)
        return rc;
    switch (t) {
    case KEY_EC_P256:
        s->alg = "ES256";
        s->md = EVP_sha256();
        s->coord_len = 32;
        break;
    case KEY_EC_P384:
        s->alg = "ES384";
        s->md = EVP_sha384();
        s->coord_len = 48;
        break;
    default:
        s->alg = "RS256";
        s->md = EVP_sha256();
        s->coord_len = 0;
        break;
    }
    return CP_OK;
}

struct jws_signer *jws_signer_new(EVP_PKEY *key, struct err *err)
{
    struct jws_signer *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        err_nomem(err);
        return NULL;
    }
    if (key == NULL || EVP_PKEY_up_ref(key) != 1) {
        err_set(err, CP_EINVALID, "no account key");
        free(s);
        return NULL;
    }
    s->key = key;
    if (signer_alg(s, err) != CP_OK || (s->jwk = jwk_from_key(key, err)) == NULL ||
        (s->thumbprint = jwk_thumbprint_json(s->jwk, err)) == NULL) {
        jws_signer_free(s);
        return NULL;
    }
    return s;
}

void jws_signer_free(struct jws_signer *s)
{
    if (s == NULL)
        return;
    EVP_PKEY_free(s->key);
    json_decref(s->jwk);
    free(s->thumbprint);
    free(s);
}

const char *jws_signer_alg(const struct jws_signer *s)
{
    return s->alg;
}

json_t *jws_signer_jwk(const struct jws_signer *s)
{
    return s->jwk;
}

const char *jws_signer_thumbprint(const struct jws_signer *s)
{
    return s->thumbprint;
}

static void parts_free(struct jws_parts *p)
{
    free(p->protected_b64);
    free(p->payload_b64);
    free(p->input);
    memset(p, 0, sizeof(*p));
}

/* RFC 7515 §5.1 steps 2-8: encode header and payload and join them. An empty
 * payload encodes to "", which RFC 8555 §6.3 uses for POST-as-GET. */
static int parts_build(struct jws_parts *p, const json_t *protected_hdr,
                       const void *payload, size_t payload_len, struct err *err)
{
    char *text = json_dumps(protected_hdr, JSON_COMPACT | JSON_SORT_KEYS);

    memset(p, 0, sizeof(*p));
    if (text == NULL)
        return err_nomem(err);
    p->protected_b64 = b64url_encode(text, strlen(text));
    free(text);
    p->payload_b64 = payload == NULL ? str_dup("") : b64url_encode(payload, payload_len);
    if (p->protected_b64 != NULL && p->payload_b64 != NULL)
        p->input = str_printf("%s.%s", p->protected_b64, p->payload_b64);
    if (p->input == NULL) {
        parts_free(p);
        return err_nomem(err);
    }
    return CP_OK;
}

/* RFC 7515 §7.2.2: the flattened JSON serialization. */
static json_t *parts_finish(const struct jws_parts *p, const unsigned char *sig,
                            size_t sig_len, struct err *err)
{
    char *sig_b64 = b64url_encode(sig, sig_len);
    json_t *jws = NULL;

    if (sig_b64 != NULL)
        jws = json_pack("{s:s, s:s, s:s}", "protected", p->protected_b64,
                        "payload", p->payload_b64, "signature", sig_b64);
    if (jws == NULL)
        err_nomem(err);
    free(sig_b64);
    return jws;
}

/* RFC 7518 §3.4: ECDSA signatures are R and S as fixed-width big-endian
 * octets, not the DER SEQUENCE OpenSSL produces. *raw is malloc'd. */
static int ecdsa_der_to_raw(const unsigned char *der, size_t der_len, int coord_len,
                            unsigned char **raw)
{
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    const BIGNUM *r = NULL, *s = NULL;
    int rc = CP_ECRYPTO;

    *raw = NULL;
    if (es == NULL)
        return CP_ECRYPTO;
    ECDSA_SIG_get0(es, &r, &s);
    if ((*raw = malloc((size_t)coord_len * 2)) == NULL)
        rc = CP_ENOMEM;
    else if (BN_bn2binpad(r, *raw, coord_len) == coord_len &&
             BN_bn2binpad(s, *raw + coord_len, coord_len) == coord_len)
        rc = CP_OK;
    if (rc != CP_OK) {
        free(*raw);
        *raw = NULL;
    }
    ECDSA_SIG_free(es);
    return rc;
}

/* EVP_DigestSign over input; *sig is malloc'd. For RSA keys this is
 * RSASSA-PKCS1-v1_5 (RFC 7518 §3.3), OpenSSL's default padding. */
static int digest_sign(const struct jws_signer *s, const char *input,
                       unsigned char **sig, size_t *sig_len, struct err *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const unsigned char *in = (const unsigned char *)input;
    size_t len = 0;
    int rc = CP_OK;

    *sig = NULL;
    if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, s->md, NULL, s->key) != 1 ||
        EVP_DigestSign(ctx, NULL, &len, in, strlen(input)) != 1) {
        rc = err_ssl(err, CP_ECRYPTO, "cannot sign with the %s account key", s->alg);
        goto out;
    }
    if ((*sig = malloc(len)) == NULL) {
        rc = err_nomem(err);
        goto out;
    }
    if (EVP_DigestSign(ctx, *sig, &len, in, strlen(input)) != 1) {
        rc = err_ssl(err, CP_ECRYPTO, "%s signature failed", s->alg);
        free(*sig);
        *sig = NULL;
        goto out;
    }
    *sig_len = len;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* The JWS signature bytes over input (RFC 7515 §5.1 step 5); *sig is malloc'd. */
static int sign_input(const struct jws_signer *s, const char *input,
                      unsigned char **sig, size_t *sig_len, struct err *err)
{
    unsigned char *der = NULL;
    size_t der_len = 0;
    int rc = digest_sign(s, input, &der, &der_len, err);

    if (rc != CP_OK || s->coord_len == 0) {
        *sig = der;
        *sig_len = der_len;
        return rc;
    }
    rc = ecdsa_der_to_raw(der, der_len, s->coord_len, sig);
    free(der);
    if (rc == CP_ENOMEM)
        return err_nomem(err);
    if (rc != CP_OK)
        return err_set(err, CP_ECRYPTO, "%s signature has an unexpected form", s->alg);
    *sig_len = (size_t)s->coord_len * 2;
    return CP_OK;
}

json_t *jws_sign(const struct jws_signer *s, const json_t *hdr,
                 const void *payload, size_t payload_len, struct err *err)
{
    struct jws_parts parts = {NULL, NULL, NULL};
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    json_t *prot = NULL, *jws = NULL;

    if (!json_is_object(hdr)) {
        err_set(err, CP_EUSAGE, "JWS protected header is not an object");
        return NULL;
    }
    /* RFC 8555 §6.2: alg comes from the key, whatever the caller passed. */
    if ((prot = json_deep_copy(hdr)) == NULL ||
        json_object_set_new(prot, "alg", json_string(s->alg)) != 0) {
        err_nomem(err);
        goto out;
    }
    if (parts_build(&parts, prot, payload_len == 0 ? NULL : payload, payload_len, err) !=
            CP_OK ||
        sign_input(s, parts.input, &sig, &sig_len, err) != CP_OK)
        goto out;
    jws = parts_finish(&parts, sig, sig_len, err);
out:
    free(sig);
    parts_free(&parts);
    json_decref(prot);
    return jws;
}

/* RFC 8555 §7.3.4: the EAB JWS is MAC'd with HS256 (RFC 7518 §3.2). */
static int hs256(const unsigned char *key, size_t key_len, const char *input,
                 unsigned char *mac, size_t *mac_len, struct err *err)
{
    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len,
                  (const unsigned char *)input, strlen(input), mac, EVP_MAX_MD_SIZE,
                  mac_len) == NULL)
        return err_ssl(err, CP_ECRYPTO, "HMAC-SHA256 of the EAB JWS failed");
    return CP_OK;
}

json_t *jws_eab(const char *eab_kid, const unsigned char *hmac_key, size_t key_len,
                const json_t *account_jwk, const char *url, struct err *err)
{
    struct jws_parts parts = {NULL, NULL, NULL};
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    char *payload = NULL;
    json_t *prot = NULL, *jws = NULL;

    if (eab_kid == NULL || *eab_kid == '\0' || hmac_key == NULL || key_len == 0) {
        err_set(err, CP_EUSAGE, "external account binding needs a key id and an HMAC key");
        return NULL;
    }
    if (!json_is_object(account_jwk) || url == NULL) {
        err_set(err, CP_EUSAGE, "external account binding needs the account JWK and a URL");
        return NULL;
    }
    prot = json_pack("{s:s, s:s, s:s}", "alg", "HS256", "kid", eab_kid, "url", url);
    payload = json_dumps(account_jwk, JSON_COMPACT | JSON_SORT_KEYS);
    if (prot == NULL || payload == NULL) {
        err_nomem(err);
        goto out;
    }
    if (parts_build(&parts, prot, payload, strlen(payload), err) != CP_OK ||
        hs256(hmac_key, key_len, parts.input, mac, &mac_len, err) != CP_OK)
        goto out;
    jws = parts_finish(&parts, mac, mac_len, err);
out:
    OPENSSL_cleanse(mac, sizeof(mac));
    free(payload);
    parts_free(&parts);
    json_decref(prot);
    return jws;
}
