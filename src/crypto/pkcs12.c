#include "crypto/pkcs12.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "crypto/key.h"
#include "util/str.h"

/* Key derivation rounds for the encryption and the MAC: OpenSSL's and
 * Windows' own defaults are of this size (2048 and 2000). */
#define P12_ITER 2048

/* Every certificate of a PEM text (possibly none). NULL when one does not parse. */
static STACK_OF(X509) *read_certs(const char *pem, const char *what, struct err *err)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    size_t len = strlen(pem);
    BIO *bio = len <= INT_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
    X509 *x = NULL;

    if (sk == NULL || bio == NULL) {
        sk_X509_free(sk);
        BIO_free(bio);
        err_nomem(err);
        return NULL;
    }
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (sk_X509_push(sk, x) <= 0) {
            X509_free(x);
            break;
        }
    }
    /* The loop ends at the end of the text (PEM "no start line") or at a bad block. */
    if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE) {
        err_ssl(err, CP_EINVALID, "%s: a certificate does not parse", what);
        sk_X509_pop_free(sk, X509_free);
        sk = NULL;
    }
    ERR_clear_error();
    BIO_free(bio);
    return sk;
}

/* The first certificate of a PEM text, or NULL with err. */
static X509 *read_leaf(const char *pem, struct err *err)
{
    STACK_OF(X509) *sk = read_certs(pem, "certificate", err);
    X509 *x = NULL;

    if (sk != NULL && sk_X509_num(sk) > 0)
        x = sk_X509_shift(sk);
    else if (sk != NULL)
        err_set(err, CP_EINVALID, "certificate: no PEM certificate");
    sk_X509_pop_free(sk, X509_free);
    return x;
}

/* RFC 7292 §5 and §4: encrypt the bags, then add the integrity MAC. */
static PKCS12 *make_p12(const struct pkcs12_input *in, EVP_PKEY *key, X509 *cert,
                        STACK_OF(X509) *ca, struct err *err)
{
    /* RFC 8018 §6.2 (PBES2 with PBKDF2) in the modern form; RFC 7292
     * Appendix C's pbeWithSHAAnd3-KeyTripleDES-CBC in the legacy one. */
    int nid = in->legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_aes_256_cbc;
    const EVP_MD *md = in->legacy ? EVP_sha1() : EVP_sha256();
    PKCS12 *p12;

    /* mac_iter -1: no MAC yet, so its digest can be chosen below */
    p12 = PKCS12_create_ex(in->password, in->friendly_name, key, cert, ca, nid, nid, P12_ITER, -1,
                           0, NULL, NULL);
    if (p12 == NULL) {
        err_ssl(err, CP_ECRYPTO, "cannot build the PKCS#12 file");
        return NULL;
    }
    if (PKCS12_set_mac(p12, in->password, -1, NULL, 0, P12_ITER, md) != 1) {
        err_ssl(err, CP_ECRYPTO, "cannot add the PKCS#12 MAC");
        PKCS12_free(p12);
        return NULL;
    }
    return p12;
}

static int to_der(PKCS12 *p12, unsigned char **der, size_t *len, struct err *err)
{
    unsigned char *tmp = NULL;
    int n = i2d_PKCS12(p12, &tmp);

    if (n <= 0)
        return err_ssl(err, CP_ECRYPTO, "cannot encode the PKCS#12 file");
    *der = malloc((size_t)n);
    if (*der != NULL)
        memcpy(*der, tmp, (size_t)n);
    OPENSSL_clear_free(tmp, (size_t)n);
    if (*der == NULL)
        return err_nomem(err);
    *len = (size_t)n;
    return CP_OK;
}

int pkcs12_build(const struct pkcs12_input *in, unsigned char **der, size_t *len,
                 struct err *err)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    PKCS12 *p12 = NULL;
    int rc = CP_EINVALID;

    *der = NULL;
    *len = 0;
    if ((key = key_from_pem(in->key_pem, in->key_len, "private key", err)) == NULL)
        goto out;
    if ((cert = read_leaf(in->cert_pem, err)) == NULL || (ca = read_certs(in->chain_pem, "chain", err)) == NULL)
        goto out;
    if (X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        rc = err_set(err, CP_EINVALID, "the private key is not the certificate's key");
        goto out;
    }
    if ((p12 = make_p12(in, key, cert, ca, err)) == NULL) {
        rc = CP_ECRYPTO;
        goto out;
    }
    rc = to_der(p12, der, len, err);
out:
    PKCS12_free(p12);
    sk_X509_pop_free(ca, X509_free);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

/* The MAC digest tells our two forms apart: SHA-256 modern, SHA-1 legacy. */
static bool same_form(const PKCS12 *p12, bool legacy)
{
    const X509_ALGOR *alg = NULL;
    const ASN1_OBJECT *oid = NULL;

    PKCS12_get0_mac(NULL, &alg, NULL, NULL, p12);
    if (alg == NULL)
        return false;
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    return OBJ_obj2nid(oid) == (legacy ? NID_sha1 : NID_sha256);
}

static int64_t count_of(const ASN1_INTEGER *a)
{
    int64_t v = 0;

    return a != NULL && ASN1_INTEGER_get_int64(&v, a) == 1 && v > 0 ? v : 0;
}

/* RFC 8018 §A.4 and §A.2: PBES2's key derivation must be PBKDF2 (not scrypt); its count. */
static int64_t pbes2_count(const ASN1_STRING *params)
{
    const unsigned char *p = ASN1_STRING_get0_data(params);
    PBE2PARAM *pbe2 = d2i_PBE2PARAM(NULL, &p, ASN1_STRING_length(params));
    PBKDF2PARAM *kdf = NULL;
    int64_t n = 0;

    if (pbe2 != NULL && pbe2->keyfunc != NULL && OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2)
        kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
    if (kdf != NULL)
        n = count_of(kdf->iter);
    PBKDF2PARAM_free(kdf);
    PBE2PARAM_free(pbe2);
    return n;
}

/* The iteration count of one of the two encryptions certpilot writes (PBES2 with PBKDF2, RFC 7292
 * Appendix C's pbeWithSHAAnd3-KeyTripleDES-CBC); 0 for any other or one that does not parse. */
static int64_t pbe_count(const X509_ALGOR *alg)
{
    const ASN1_OBJECT *oid = NULL;
    const void *params = NULL;
    const unsigned char *p;
    PBEPARAM *pbe = NULL;
    int64_t n = 0;
    int type = 0;

    if (alg == NULL)
        return 0;
    X509_ALGOR_get0(&oid, &type, &params, alg);
    if (type != V_ASN1_SEQUENCE)
        return 0;
    if (OBJ_obj2nid(oid) == NID_pbes2)
        return pbes2_count(params);
    if (OBJ_obj2nid(oid) != NID_pbe_WithSHA1And3_Key_TripleDES_CBC)
        return 0;
    p = ASN1_STRING_get0_data(params);
    if ((pbe = d2i_PBEPARAM(NULL, &p, ASN1_STRING_length(params))) != NULL)
        n = count_of(pbe->iter);
    PBEPARAM_free(pbe);
    return n;
}

/* A key derivation the parse would run costs no more than ours: a hostile file's count could keep a
 * run busy for minutes, deaf to SIGTERM inside OpenSSL. */
static int check_count(int64_t n, const char *what, struct err *why)
{
    if (n == 0)
        return err_set(why, CP_EINVALID, "%s: not an encryption certpilot writes (PBES2 with PBKDF2, or "
                       "PKCS#12 3DES); not opened", what);
    if (n > P12_ITER)
        return err_set(why, CP_EINVALID, "%s: %lld iterations, above the %d certpilot writes; not opened", what,
                       (long long)n, P12_ITER);
    return CP_OK;
}

/* RFC 7292 §4: the MAC's count; absent means 1. */
static int check_mac(const PKCS12 *p12, struct err *why)
{
    const ASN1_INTEGER *iter = NULL;

    PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
    return check_count(iter != NULL ? count_of(iter) : 1, "the MAC", why);
}

/* RFC 7292 §4.2: only the bags certpilot writes, at most one (shrouded) key. */
static int check_bags(const STACK_OF(PKCS12_SAFEBAG) *bags, int *keys, struct err *why)
{
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
        const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
        const X509_ALGOR *alg = NULL;
        int rc;
        if (PKCS12_SAFEBAG_get_nid(bag) == NID_certBag)
            continue;
        if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag || ++*keys > 1)
            return err_set(why, CP_EINVALID, "holds a bag certpilot does not write; not opened");
        X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
        if ((rc = check_count(pbe_count(alg), "the key's encryption", why)) != CP_OK)
            return rc;
    }
    return CP_OK;
}

/* The bags of an encrypted part; "" is tried both ways, as PKCS12_parse tries it. */
static STACK_OF(PKCS12_SAFEBAG) *decrypt_bags(PKCS7 *p7, const char *pass)
{
    STACK_OF(PKCS12_SAFEBAG) *bags = PKCS12_unpack_p7encdata(p7, pass, -1);

    if (bags == NULL && *pass == '\0')
        bags = PKCS12_unpack_p7encdata(p7, NULL, 0);
    return bags;
}

/* One part of the file: a plain one's bags, or an encrypted one's count, then (decrypted) its bags. */
static int check_safe(PKCS7 *p7, const char *pass, int *keys, struct err *why)
{
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    int rc = CP_OK;

    if (PKCS7_type_is_data(p7)) {
        bags = PKCS12_unpack_p7data(p7);
    } else if (PKCS7_type_is_encrypted(p7) && p7->d.encrypted != NULL && p7->d.encrypted->enc_data != NULL) {
        rc = check_count(pbe_count(p7->d.encrypted->enc_data->algorithm), "the certificates' encryption", why);
        bags = rc == CP_OK ? decrypt_bags(p7, pass) : NULL;
    }
    if (rc == CP_OK && bags == NULL)
        rc = err_set(why, CP_EINVALID, "does not open with the password");
    if (rc == CP_OK)
        rc = check_bags(bags, keys, why);
    sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    return rc;
}

/* Everything PKCS12_parse would derive a key for, before it does: the MAC, each part, each key. */
static int check_costs(const PKCS12 *p12, const char *pass, struct err *why)
{
    STACK_OF(PKCS7) *safes = NULL;
    int rc = check_mac(p12, why), keys = 0;

    if (rc != CP_OK)
        return rc;
    if ((safes = PKCS12_unpack_authsafes(p12)) == NULL || sk_PKCS7_num(safes) > 2)
        rc = err_set(why, CP_EINVALID, "not in a form certpilot writes; not opened");
    for (int i = 0; rc == CP_OK && i < sk_PKCS7_num(safes); i++)
        rc = check_safe(sk_PKCS7_value(safes, i), pass, &keys, why);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    return rc;
}

static bool same_alias(X509 *cert, const char *name)
{
    int len = 0;
    const unsigned char *alias = X509_alias_get0(cert, &len);

    if (name == NULL)
        return alias == NULL;
    return alias != NULL && (size_t)len == strlen(name) && memcmp(alias, name, (size_t)len) == 0;
}

static bool same_certs(STACK_OF(X509) *a, STACK_OF(X509) *b)
{
    if (sk_X509_num(a) != sk_X509_num(b))
        return false;
    for (int i = 0; i < sk_X509_num(a); i++)
        if (X509_cmp(sk_X509_value(a, i), sk_X509_value(b, i)) != 0)
            return false;
    return true;
}

/* Does the parsed content equal what in asks for? */
static bool same_content(const struct pkcs12_input *in, EVP_PKEY *key, X509 *cert,
                         STACK_OF(X509) *ca)
{
    EVP_PKEY *want_key = key_from_pem(in->key_pem, in->key_len, "private key", NULL);
    X509 *want_cert = read_leaf(in->cert_pem, NULL);
    STACK_OF(X509) *want_ca = read_certs(in->chain_pem, "chain", NULL);
    STACK_OF(X509) *got_ca = ca != NULL ? ca : sk_X509_new_null();
    bool same = want_key != NULL && want_cert != NULL && want_ca != NULL && got_ca != NULL &&
                EVP_PKEY_eq(key, want_key) == 1 && X509_cmp(cert, want_cert) == 0 &&
                same_alias(cert, in->friendly_name) && same_certs(got_ca, want_ca);

    if (got_ca != ca)
        sk_X509_free(got_ca);
    sk_X509_pop_free(want_ca, X509_free);
    X509_free(want_cert);
    EVP_PKEY_free(want_key);
    return same;
}

/* The checks in order, the costly parse last; 0 when the file matches, else why. */
static int compare(PKCS12 *p12, const struct pkcs12_input *in, struct err *why)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    int rc = CP_OK;

    if (p12 == NULL)
        return err_set(why, CP_EINVALID, "not a PKCS#12 file");
    if (!same_form(p12, in->legacy))
        return err_set(why, CP_EINVALID, "%s", in->legacy ? "not in the legacy form (3DES, SHA-1 MAC)"
                                                         : "not in the modern form (AES-256, SHA-256 MAC)");
    if ((rc = check_costs(p12, in->password, why)) != CP_OK)
        return rc;
    if (PKCS12_parse(p12, in->password, &key, &cert, &ca) != 1 || key == NULL || cert == NULL)
        rc = err_set(why, CP_EINVALID, "does not open with the password");
    else if (!same_content(in, key, cert, ca))
        rc = err_set(why, CP_EINVALID, "holds another key, certificate, chain or friendly name");
    sk_X509_pop_free(ca, X509_free);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

bool pkcs12_matches(const unsigned char *der, size_t len, const struct pkcs12_input *in, struct err *why)
{
    const unsigned char *p = der;
    PKCS12 *p12 = len <= LONG_MAX ? d2i_PKCS12(NULL, &p, (long)len) : NULL;
    int rc = compare(p12, in, why);

    PKCS12_free(p12);
    ERR_clear_error();
    return rc == CP_OK;
}
