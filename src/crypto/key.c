#include "crypto/key.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include "util/str.h"

static const struct {
    const char *name;
    enum key_type type;
} key_names[] = {
    {"ec256", KEY_EC_P256},     {"p256", KEY_EC_P256},      {"ecdsa", KEY_EC_P256},
    {"ec384", KEY_EC_P384},     {"p384", KEY_EC_P384},      {"rsa2048", KEY_RSA_2048},
    {"rsa", KEY_RSA_2048},      {"rsa3072", KEY_RSA_3072},  {"rsa4096", KEY_RSA_4096},
};

int key_type_parse(const char *s, enum key_type *out, struct err *err)
{
    for (size_t i = 0; s != NULL && i < sizeof(key_names) / sizeof(key_names[0]); i++) {
        if (strcmp(s, key_names[i].name) == 0) {
            *out = key_names[i].type;
            return CP_OK;
        }
    }
    return err_set(err, CP_EUSAGE,
                   "key type \"%s\" is not one of ec256, ec384, rsa2048, rsa3072, rsa4096",
                   s != NULL ? s : "");
}

const char *key_type_name(enum key_type t)
{
    switch (t) {
    case KEY_EC_P256:
        return "ec256";
    case KEY_EC_P384:
        return "ec384";
    case KEY_RSA_2048:
        return "rsa2048";
    case KEY_RSA_3072:
        return "rsa3072";
    case KEY_RSA_4096:
        return "rsa4096";
    default:
        return "unknown";
    }
}

static int ec_type_of(EVP_PKEY *key, enum key_type *out, struct err *err)
{
    char group[64];

    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof(group), NULL) != 1)
        return err_ssl(err, CP_EINVALID, "EC key without a named curve");
    if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
        *out = KEY_EC_P256;
    else if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
        *out = KEY_EC_P384;
    else
        return err_set(err, CP_EINVALID, "EC curve %s is not supported (P-256 or P-384)",
                       group);
    return CP_OK;
}

/* Only the sizes key_type names: a key we could not generate is not one we load. */
static int rsa_type_of(EVP_PKEY *key, enum key_type *out, struct err *err)
{
    int bits = EVP_PKEY_get_bits(key);

    if (bits == 2048)
        *out = KEY_RSA_2048;
    else if (bits == 3072)
        *out = KEY_RSA_3072;
    else if (bits == 4096)
        *out = KEY_RSA_4096;
    else
        return err_set(err, CP_EINVALID,
                       "RSA-%d key is not supported (2048, 3072 or 4096 bits)", bits);
    return CP_OK;
}

int key_type_of(EVP_PKEY *key, enum key_type *out, struct err *err)
{
    const char *name;

    if (key == NULL)
        return err_set(err, CP_EINVALID, "no key");
    /* EVP_PKEY_is_a(key, "RSA") is false for RSA-PSS keys, which RS256 cannot use. */
    if (EVP_PKEY_is_a(key, "EC"))
        return ec_type_of(key, out, err);
    if (EVP_PKEY_is_a(key, "RSA"))
        return rsa_type_of(key, out, err);
    name = EVP_PKEY_get0_type_name(key);
    return err_set(err, CP_EINVALID, "%s key is not supported (EC P-256/P-384 or RSA)",
                   name != NULL ? name : "unknown");
}

EVP_PKEY *key_generate(enum key_type t, struct err *err)
{
    OSSL_PARAM params[3];
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    size_t bits = t == KEY_RSA_4096 ? 4096 : t == KEY_RSA_3072 ? 3072 : 2048;
    unsigned int e = 65537; /* F4, the exponent every CA accepts */
    char *curve = t == KEY_EC_P384 ? "P-384" : "P-256";
    int is_ec = t == KEY_EC_P256 || t == KEY_EC_P384;

    if (strcmp(key_type_name(t), "unknown") == 0) {
        err_set(err, CP_EUSAGE, "unknown key type %d", (int)t);
        return NULL;
    }
    if (is_ec) {
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, curve, 0);
        params[1] = OSSL_PARAM_construct_end();
    } else {
        params[0] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits);
        params[1] = OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &e);
        params[2] = OSSL_PARAM_construct_end();
    }
    ctx = EVP_PKEY_CTX_new_from_name(NULL, is_ec ? "EC" : "RSA", NULL);
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
        EVP_PKEY_CTX_set_params(ctx, params) != 1 || EVP_PKEY_generate(ctx, &key) != 1) {
        err_ssl(err, CP_ECRYPTO, "cannot generate a %s key", key_type_name(t));
        EVP_PKEY_free(key);
        key = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* PEM of key in a wiped buffer, written by PKCS#8 or the traditional writer. */
static int key_pem_with(EVP_PKEY *key, bool traditional, char **out, size_t *len, struct err *err)
{
    BIO *bio = NULL;
    BUF_MEM *mem = NULL;
    int rc = CP_OK, ok;

    *out = NULL;
    *len = 0;
    /* A secure-memory BIO wipes its buffer when freed. */
    bio = BIO_new(BIO_s_secmem());
    /* PKCS#8 (BEGIN PRIVATE KEY) is what PEM_write_bio_PrivateKey emits. */
    ok = bio != NULL && (traditional ? PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL)
                                     : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) == 1;
    if (!ok || BIO_get_mem_ptr(bio, &mem) != 1) {
        rc = err_ssl(err, CP_ECRYPTO, "cannot encode the private key as PEM");
        goto out;
    }
    if ((*out = malloc(mem->length + 1)) == NULL) {
        rc = err_nomem(err);
        goto out;
    }
    memcpy(*out, mem->data, mem->length);
    (*out)[mem->length] = '\0';
    *len = mem->length;
out:
    BIO_free(bio);
    return rc;
}

int key_to_pem(EVP_PKEY *key, char **out, size_t *len, struct err *err)
{
    return key_pem_with(key, false, out, len, err);
}

int key_to_pem_traditional(EVP_PKEY *key, char **out, size_t *len, struct err *err)
{
    return key_pem_with(key, true, out, len, err);
}

/* Never prompt on the terminal for a passphrase: encrypted keys are refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

EVP_PKEY *key_from_pem(const char *pem, size_t len, const char *what, struct err *err)
{
    BIO *bio = NULL;
    EVP_PKEY *key = NULL;
    enum key_type t;

    if (what == NULL)
        what = "key";
    if (pem == NULL || len > INT_MAX) {
        err_set(err, CP_EINVALID, "%s: not a PEM private key", what);
        return NULL;
    }
    if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
        err_nomem(err);
        return NULL;
    }
    key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    if (key == NULL) {
        err_ssl(err, CP_EINVALID, "%s: not an unencrypted PEM private key", what);
        return NULL;
    }
    if (key_type_of(key, &t, err) != CP_OK) {
        err_prefix(err, "%s: ", what);
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}
