#include "crypto/csr.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/ident.h"

/* RFC 5280 §4.2.1.6: dNSName is an IA5String and names must be in their
 * ASCII (A-label) form, so anything outside printable ASCII is a user error. */
static int check_names(const char *const *names, size_t n, struct err *err)
{
    if (names == NULL || n == 0)
        return err_set(err, CP_EUSAGE, "a certificate needs at least one name");
    for (size_t i = 0; i < n; i++) {
        const char *p = names[i];
        if (p == NULL || *p == '\0')
            return err_set(err, CP_EUSAGE, "name %zu is empty", i + 1);
        for (; *p != '\0'; p++)
            if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
                return err_set(err, CP_EUSAGE,
                               "name \"%s\" is not ASCII (use the punycode A-label form)",
                               names[i]);
    }
    return CP_OK;
}

/* A GeneralName of type dNSName holding name. */
static GENERAL_NAME *dns_name(const char *name)
{
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

    if (gn == NULL || ia5 == NULL || ASN1_STRING_set(ia5, name, -1) != 1) {
        GENERAL_NAME_free(gn);
        ASN1_IA5STRING_free(ia5);
        return NULL;
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    return gn;
}

/* RFC 8738 §3 / RFC 5280 §4.2.1.6: an address goes in an iPAddress
 * GeneralName (4 or 16 octets, network order), never in a dNSName. */
static GENERAL_NAME *ip_name(const struct ident_ip *ip)
{
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();

    if (gn == NULL || os == NULL || ASN1_OCTET_STRING_set(os, ip->addr, (int)ip->len) != 1) {
        GENERAL_NAME_free(gn);
        ASN1_OCTET_STRING_free(os);
        return NULL;
    }
    GENERAL_NAME_set0_value(gn, GEN_IPADD, os);
    return gn;
}

static GENERAL_NAME *general_name(const char *name)
{
    struct ident_ip ip;

    return ident_ip_parse(name, &ip) ? ip_name(&ip) : dns_name(name);
}

/* RFC 2986 §4.1 attributes: an extensionRequest holding subjectAltName with
 * every name, in the order given. */
static int add_san(X509_REQ *req, const char *const *names, size_t n)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    X509_EXTENSION *ext = NULL;
    int ok = gens != NULL && exts != NULL;

    for (size_t i = 0; ok && i < n; i++) {
        GENERAL_NAME *gn = general_name(names[i]);
        if (gn == NULL || sk_GENERAL_NAME_push(gens, gn) <= 0) {
            GENERAL_NAME_free(gn);
            ok = 0;
        }
    }
    ok = ok && (ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens)) != NULL;
    if (ok && sk_X509_EXTENSION_push(exts, ext) <= 0) {
        X509_EXTENSION_free(ext);
        ok = 0;
    }
    ok = ok && X509_REQ_add_extensions(req, exts) == 1;
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    sk_GENERAL_NAME_pop_free(gens, GENERAL_NAME_free);
    return ok ? CP_OK : CP_ECRYPTO;
}

/* RFC 5280 ub-common-name is 64: a longer first name only lives in the SAN.
 * The CN holds the first DNS name; an address never goes there (RFC 8738 §3
 * puts it in an iPAddress SAN), so with addresses alone the subject is empty. */
static int set_subject(X509_REQ *req, const char *const *names, size_t n)
{
    X509_NAME *subj = X509_REQ_get_subject_name(req);
    const char *first = NULL;

    for (size_t i = 0; first == NULL && i < n; i++)
        if (!ident_is_ip(names[i]))
            first = names[i];
    if (first == NULL || strlen(first) > 64)
        return CP_OK;
    if (X509_NAME_add_entry_by_NID(subj, NID_commonName, MBSTRING_ASC,
                                   (const unsigned char *)first, -1, -1, 0) != 1)
        return CP_ECRYPTO;
    return CP_OK;
}

/* DER of req into a malloc'd buffer (i2d would hand back OPENSSL_malloc memory). */
static int req_der(X509_REQ *req, unsigned char **der, size_t *der_len, struct err *err)
{
    unsigned char *p;
    int len = i2d_X509_REQ(req, NULL);

    if (len <= 0)
        return err_ssl(err, CP_ECRYPTO, "cannot encode the CSR");
    if ((*der = malloc((size_t)len)) == NULL)
        return err_nomem(err);
    p = *der;
    if (i2d_X509_REQ(req, &p) != len) {
        free(*der);
        *der = NULL;
        return err_ssl(err, CP_ECRYPTO, "cannot encode the CSR");
    }
    *der_len = (size_t)len;
    return CP_OK;
}

int csr_build(EVP_PKEY *key, const char *const *names, size_t n,
              unsigned char **der, size_t *der_len, struct err *err)
{
    X509_REQ *req = NULL;
    int rc;

    *der = NULL;
    *der_len = 0;
    if ((rc = check_names(names, n, err)) != CP_OK)
        return rc;
    if ((req = X509_REQ_new()) == NULL)
        return err_nomem(err);
    if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
        set_subject(req, names, n) != CP_OK || add_san(req, names, n) != CP_OK ||
        X509_REQ_set_pubkey(req, key) != 1) {
        rc = err_ssl(err, CP_ECRYPTO, "cannot build the CSR for %s", names[0]);
        goto out;
    }
    if (X509_REQ_sign(req, key, EVP_sha256()) <= 0) {
        rc = err_ssl(err, CP_ECRYPTO, "cannot sign the CSR for %s", names[0]);
        goto out;
    }
    rc = req_der(req, der, der_len, err);
out:
    X509_REQ_free(req);
    return rc;
}
