#include "crypto/verify.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/ident.h"

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

/* Is the SAN entry g the order's name, of its type? A dNSName matches a DNS
 * name (case-insensitively), an iPAddress an address (RFC 8738 §3, by its
 * octets): a dNSName "192.0.2.1" never stands for the address. */
static bool san_is(const GENERAL_NAME *g, const char *name)
{
    struct ident_ip ip;
    bool is_ip = ident_ip_parse(name, &ip);
    const ASN1_STRING *s = g->type == GEN_IPADD ? g->d.iPAddress : g->type == GEN_DNS ? g->d.dNSName : NULL;
    size_t len = s != NULL ? (size_t)ASN1_STRING_length(s) : 0;

    if (s == NULL || is_ip != (g->type == GEN_IPADD))
        return false;
    if (is_ip)
        return len == ip.len && memcmp(ASN1_STRING_get0_data(s), ip.addr, len) == 0;
    return len == strlen(name) && strncasecmp((const char *)ASN1_STRING_get0_data(s), name, len) == 0;
}

static bool in_list(const GENERAL_NAME *g, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (san_is(g, names[i]))
            return true;
    return false;
}

static bool in_sans(const GENERAL_NAMES *gens, const char *name)
{
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++)
        if (san_is(sk_GENERAL_NAME_value(gens, i), name))
            return true;
    return false;
}

/* The SAN entry g was not ordered: say which, as text. */
static int not_ordered(const GENERAL_NAME *g, struct err *err)
{
    const ASN1_STRING *s = g->type == GEN_IPADD ? g->d.iPAddress : g->d.dNSName;
    char text[IDENT_IP_TEXT_MAX];

    if (g->type == GEN_DNS)
        return err_set(err, CP_EPROTO, "certificate holds the name %.*s, which was not ordered",
                       ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
    if (!ident_ip_format(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s), text))
        return err_set(err, CP_EPROTO, "certificate holds an IP address of %d octets", ASN1_STRING_length(s));
    return err_set(err, CP_EPROTO, "certificate holds the IP address %s, which was not ordered", text);
}

/* RFC 8555 §7.4: the SAN set equals the order's identifiers, type by type. */
static int check_names(X509 *leaf, const char *const *names, size_t n, struct err *err)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    int rc = CP_OK;

    for (int i = 0; rc == CP_OK && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS && g->type != GEN_IPADD)
            rc = err_set(err, CP_EPROTO, "certificate holds a subjectAltName that is not a DNS name or IP address");
        else if (!in_list(g, names, n))
            rc = not_ordered(g, err);
    }
    for (size_t i = 0; rc == CP_OK && i < n; i++)
        if (!in_sans(gens, names[i]))
            rc = err_set(err, CP_EPROTO, "certificate lacks the %s %s", ident_is_ip(names[i]) ? "IP address" : "name",
                         names[i]);
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
