#include "crypto/verify.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Every certificate of a PEM text, in order. CP_EINVALID when one does not
 * parse or (need_one) there is none. */
static int read_all(const char *pem, bool need_one, STACK_OF(X509) **out, struct err *err)
{
    size_t len = pem != NULL ? strlen(pem) : 0;
    BIO *bio = len > 0 && len <= INT_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
    X509 *x = NULL;

    *out = sk_X509_new_null();
    if (*out == NULL || (len > 0 && bio == NULL)) {
        BIO_free(bio);
        return err_nomem(err);
    }
    while (bio != NULL && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (sk_X509_push(*out, x) <= 0) {
            X509_free(x);
            BIO_free(bio);
            return err_nomem(err);
        }
    }
    BIO_free(bio);
    /* the loop ends on "no start line"; anything else is a broken block */
    if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE && ERR_peek_last_error() != 0)
        return err_ssl(err, CP_EINVALID, "a certificate does not parse");
    ERR_clear_error();
    if (need_one && sk_X509_num(*out) == 0)
        return err_set(err, CP_EINVALID, "no certificate found");
    return CP_OK;
}

static bool in_list(const char *name, size_t len, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0)
            return true;
    return false;
}

/* Is names[i] one of the leaf's dNSNames? */
static bool in_sans(const GENERAL_NAMES *gens, const char *name)
{
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type == GEN_DNS && (size_t)ASN1_STRING_length(g->d.dNSName) == strlen(name) &&
            strncasecmp((const char *)ASN1_STRING_get0_data(g->d.dNSName), name, strlen(name)) == 0)
            return true;
    }
    return false;
}

/* RFC 8555 §7.4: the SAN set equals the order's identifiers. */
static int check_names(X509 *leaf, const char *const *names, size_t n, struct err *err)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    int rc = CP_OK;

    for (int i = 0; rc == CP_OK && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const ASN1_IA5STRING *s = g->type == GEN_DNS ? g->d.dNSName : NULL;
        if (s == NULL)
            rc = err_set(err, CP_EPROTO, "certificate holds a subjectAltName that is not a DNS name");
        else if (!in_list((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s), names, n))
            rc = err_set(err, CP_EPROTO, "certificate holds the name %.*s, which was not ordered",
                         ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
    }
    for (size_t i = 0; rc == CP_OK && i < n; i++)
        if (!in_sans(gens, names[i]))
            rc = err_set(err, CP_EPROTO, "certificate lacks the name %s", names[i]);
    GENERAL_NAMES_free(gens);
    return rc;
}

/* RFC 5280 §4.1.2.5: notBefore <= now < notAfter. */
static int check_validity(X509 *leaf, time_t now, struct err *err)
{
    time_t t = now;

    if (X509_cmp_time(X509_get0_notBefore(leaf), &t) != -1)
        return err_set(err, CP_EPROTO, "certificate is not valid yet");
    if (X509_cmp_time(X509_get0_notAfter(leaf), &t) != 1)
        return err_set(err, CP_EPROTO, "certificate has already expired");
    return CP_OK;
}

static int check_leaf(X509 *leaf, const char *const *names, size_t n, EVP_PKEY *key, time_t now,
                      struct err *err)
{
    int rc = check_names(leaf, names, n, err);

    if (rc != CP_OK)
        return rc;
    /* EVP_PKEY_eq compares the public components only */
    if (key == NULL || EVP_PKEY_eq(X509_get0_pubkey(leaf), key) != 1)
        return err_set(err, CP_EPROTO, "certificate is not for our key");
    /* RFC 5280 §4.2.1.9: an end-entity certificate must not be a CA */
    if (X509_get_extension_flags(leaf) & EXFLAG_CA)
        return err_set(err, CP_EPROTO, "certificate is a CA certificate (basicConstraints CA:TRUE)");
    return check_validity(leaf, now, err);
}

/* Each certificate issued and signed the one before it (RFC 5280 §6.1). */
static int check_links(X509 *leaf, STACK_OF(X509) *chain, struct err *err)
{
    X509 *child = leaf;

    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *parent = sk_X509_value(chain, i);
        EVP_PKEY *pub = X509_get0_pubkey(parent);
        if (X509_check_issued(parent, child) != X509_V_OK || pub == NULL || X509_verify(child, pub) != 1) {
            ERR_clear_error();
            return err_set(err, CP_EPROTO, "chain certificate %d did not issue the certificate before it",
                           i + 1);
        }
        child = parent;
    }
    return CP_OK;
}

int cert_verify_issued(const char *leaf_pem, const char *chain_pem, const char *const *names, size_t n,
                       EVP_PKEY *key, time_t now, struct err *err)
{
    STACK_OF(X509) *leafs = NULL, *chain = NULL;
    int rc = read_all(leaf_pem, true, &leafs, err);

    if (rc == CP_OK)
        rc = read_all(chain_pem, false, &chain, err);
    if (rc == CP_OK)
        rc = check_leaf(sk_X509_value(leafs, 0), names, n, key, now, err);
    if (rc == CP_OK)
        rc = check_links(sk_X509_value(leafs, 0), chain, err);
    sk_X509_pop_free(leafs, X509_free);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}
