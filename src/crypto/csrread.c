#include "crypto/csrread.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/ident.h"

static X509_REQ *parse_req(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    X509_REQ *req = NULL;
    BIO *bio;

    if (len > 10 && memcmp(data, "-----BEGIN", 10) == 0) {
        if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
            return NULL;
        req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
        BIO_free(bio);
        return req;
    }
    return d2i_X509_REQ(NULL, &p, (long)len);
}

/* RFC 5280 §4.2.1.6: a dNSName is ASCII; a blank, a control character or
 * a NUL inside would make the name mean something else to someone. */
static char *ascii_name(const unsigned char *s, int len)
{
    char *out;

    if (len <= 0)
        return NULL;
    for (int i = 0; i < len; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return NULL;
    if ((out = malloc((size_t)len + 1)) == NULL)
        return NULL;
    memcpy(out, s, (size_t)len);
    out[len] = '\0';
    return out;
}

/* Append name unless it is already there; takes ownership of name. */
static int add_name(struct csr_info *ci, char *name)
{
    char **n;

    for (size_t i = 0; i < ci->n; i++)
        if (strcmp(ci->names[i], name) == 0) {
            free(name);
            return CP_OK;
        }
    if ((n = realloc(ci->names, (ci->n + 1) * sizeof(*n))) == NULL) {
        free(name);
        return CP_ENOMEM;
    }
    ci->names = n;
    ci->names[ci->n++] = name;
    return CP_OK;
}

static const char *gen_kind(int type)
{
    switch (type) {
    case GEN_EMAIL:
        return "an e-mail address";
    case GEN_URI:
        return "a URI";
    default:
        return "a name that is not a DNS name";
    }
}

/* RFC 8738 §3 / RFC 5280 §4.2.1.6: an iPAddress SAN is the address's 4 or 16
 * octets; as a name it is the canonical text ("192.0.2.1", "2001:db8::1"). */
static char *ip_name(const ASN1_OCTET_STRING *ip)
{
    char text[IDENT_IP_TEXT_MAX];

    if (!ident_ip_format(ASN1_STRING_get0_data(ip), (size_t)ASN1_STRING_length(ip), text))
        return NULL;
    return strdup(text);
}

/* One subjectAltName entry as a name: a DNS name or an IP address. */
static int san_name(const GENERAL_NAME *gn, const char *what, struct csr_info *ci, struct err *err)
{
    char *name;

    if (gn->type == GEN_IPADD) {
        if ((name = ip_name(gn->d.iPAddress)) == NULL)
            return err_set(err, CP_EINVALID, "%s: a subjectAltName IP address is not 4 or 16 octets", what);
    } else if (gn->type == GEN_DNS) {
        name = ascii_name(ASN1_STRING_get0_data(gn->d.dNSName), ASN1_STRING_length(gn->d.dNSName));
        if (name == NULL)
            return err_set(err, CP_EINVALID, "%s: a subjectAltName DNS name is empty or not printable ASCII",
                           what);
    } else {
        return err_set(err, CP_EINVALID, "%s: its subjectAltName holds %s; only DNS names and IP addresses "
                       "can be issued", what, gen_kind(gn->type));
    }
    return add_name(ci, name) == CP_OK ? CP_OK : err_nomem(err);
}

static int san_names(X509_REQ *req, const char *what, struct csr_info *ci, struct err *err)
{
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    GENERAL_NAMES *gens = exts ? X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL) : NULL;
    int rc = CP_OK;

    for (int i = 0; rc == CP_OK && i < sk_GENERAL_NAME_num(gens); i++)
        rc = san_name(sk_GENERAL_NAME_value(gens, i), what, ci, err);
    GENERAL_NAMES_free(gens);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    return rc;
}

/* RFC 8555 §7.4: a name may sit in the subject CN, the SAN, or both. */
static int cn_name(X509_REQ *req, const char *what, struct csr_info *ci, struct err *err)
{
    const X509_NAME *subj = X509_REQ_get_subject_name(req);
    int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    const ASN1_STRING *s;
    char *name;

    if (idx < 0)
        return CP_OK;
    s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx));
    name = ascii_name(ASN1_STRING_get0_data(s), ASN1_STRING_length(s));
    if (name == NULL)
        return err_set(err, CP_EINVALID, "%s: its subject CN is not a DNS name", what);
    return add_name(ci, name) == CP_OK ? CP_OK : err_nomem(err);
}

static int csr_der(X509_REQ *req, struct csr_info *ci, struct err *err)
{
    int len = i2d_X509_REQ(req, NULL);
    unsigned char *p;

    if (len <= 0)
        return err_ssl(err, CP_ECRYPTO, "cannot encode the CSR");
    if ((ci->der = malloc((size_t)len)) == NULL)
        return err_nomem(err);
    p = ci->der;
    if (i2d_X509_REQ(req, &p) != len)
        return err_ssl(err, CP_ECRYPTO, "cannot encode the CSR");
    ci->der_len = (size_t)len;
    return CP_OK;
}

/* RFC 2986 §3: the signature proves the requester holds the private key. */
static int check_key(X509_REQ *req, const char *what, struct csr_info *ci, struct err *err)
{
    EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
    struct err kerr;
    int rc;

    err_clear(&kerr);
    if (pub == NULL || X509_REQ_verify(req, pub) != 1)
        return err_ssl(err, CP_EINVALID, "%s: its signature does not verify with its own key",
                       what);
    if ((rc = key_type_of(pub, &ci->key_type, &kerr)) != CP_OK)
        return err_set(err, rc, "%s: %s", what, kerr.msg);
    return CP_OK;
}

int csr_read(const char *data, size_t len, const char *what, struct csr_info *out,
             struct err *err)
{
    X509_REQ *req = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len > 1 << 20 || (req = parse_req(data, len)) == NULL)
        return err_ssl(err, CP_EINVALID, "%s is not a PEM or DER certificate request", what);
    if ((rc = check_key(req, what, out, err)) != CP_OK ||
        (rc = san_names(req, what, out, err)) != CP_OK ||
        (rc = cn_name(req, what, out, err)) != CP_OK)
        goto out;
    if (out->n == 0) {
        rc = err_set(err, CP_EINVALID, "%s names no DNS name", what);
        goto out;
    }
    rc = csr_der(req, out, err);
out:
    X509_REQ_free(req);
    if (rc != CP_OK)
        csr_info_free(out);
    return rc;
}

void csr_info_free(struct csr_info *ci)
{
    if (ci == NULL)
        return;
    for (size_t i = 0; i < ci->n; i++)
        free(ci->names[i]);
    free(ci->names);
    free(ci->der);
    memset(ci, 0, sizeof(*ci));
}

EVP_PKEY *csr_public_key(const struct csr_info *ci, struct err *err)
{
    const unsigned char *p = ci->der;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)ci->der_len);
    EVP_PKEY *key = req ? X509_REQ_get_pubkey(req) : NULL;

    if (key == NULL)
        err_ssl(err, CP_EINVALID, "CSR: no public key");
    X509_REQ_free(req);
    return key;
}
