#include "crypto/cert.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "jose/b64url.h"
#include "util/ident.h"
#include "util/buf.h"
#include "util/str.h"

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

/* The first certificate in a PEM text, or NULL. */
static X509 *pem_to_x509(const char *pem, size_t len)
{
    BIO *bio;
    X509 *x;

    if (pem == NULL || len == 0 || len > INT_MAX)
        return NULL;
    if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
        return NULL;
    x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return x;
}

/* The contents of a memory BIO as a malloc'd C string. */
static char *bio_to_str(BIO *bio)
{
    BUF_MEM *mem = NULL;
    char *s;

    if (BIO_get_mem_ptr(bio, &mem) != 1 || mem == NULL)
        return NULL;
    if ((s = malloc(mem->length + 1)) == NULL)
        return NULL;
    /* An empty BIO (a certificate with an empty issuer DN) has no data pointer. */
    if (mem->length > 0)
        memcpy(s, mem->data, mem->length);
    s[mem->length] = '\0';
    return s;
}

/* One SAN entry as text: a dNSName as it is, an iPAddress (RFC 8738 §3) in its
 * canonical text. *out stays NULL for other types and malformed addresses. */
static int san_text(const GENERAL_NAME *gn, char **out)
{
    const ASN1_STRING *s = gn->type == GEN_DNS ? gn->d.dNSName : gn->type == GEN_IPADD ? gn->d.iPAddress : NULL;
    char text[IDENT_IP_TEXT_MAX];

    *out = NULL;
    if (s == NULL)
        return CP_OK;
    if (gn->type == GEN_IPADD) {
        if (!ident_ip_format(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s), text))
            return CP_OK;
        return (*out = strdup(text)) != NULL ? CP_OK : CP_ENOMEM;
    }
    /* An embedded NUL would truncate the name into a different one. */
    if (memchr(ASN1_STRING_get0_data(s), '\0', (size_t)ASN1_STRING_length(s)) != NULL)
        return CP_EINVALID;
    *out = strndup((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
    return *out != NULL ? CP_OK : CP_ENOMEM;
}

/* RFC 8555 §7.4: the identifiers a certificate covers are its SAN dNSNames
 * and iPAddresses (never the subject CN). */
static int collect_names(X509 *x, struct cert_info *ci)
{
    int crit = -1;
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
    int n = gens != NULL ? sk_GENERAL_NAME_num(gens) : 0;
    int rc = CP_OK;

    /* crit -1: no SAN at all; anything else without a result is a broken or doubled SAN. */
    if (gens == NULL && crit != -1)
        return CP_EINVALID;
    if (n > 0 && (ci->names = calloc((size_t)n, sizeof(char *))) == NULL)
        rc = CP_ENOMEM;
    for (int i = 0; rc == CP_OK && i < n; i++) {
        rc = san_text(sk_GENERAL_NAME_value(gens, i), &ci->names[ci->nnames]);
        if (rc == CP_OK && ci->names[ci->nnames] != NULL)
            ci->nnames++;
    }
    GENERAL_NAMES_free(gens);
    return rc;
}

static int asn1_time_to_time_t(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return CP_EINVALID;
    *out = timegm(&tm);
    return CP_OK;
}

static char *serial_hex(const ASN1_INTEGER *serial)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    char *out = str_dup(hex);

    OPENSSL_free(hex);
    BN_free(bn);
    return out;
}

static char *issuer_text(X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *s = NULL;

    if (bio != NULL &&
        X509_NAME_print_ex(bio, X509_get_issuer_name(x), 0, XN_FLAG_RFC2253) >= 0)
        s = bio_to_str(bio);
    BIO_free(bio);
    return s;
}

/* RFC 9773 §4.1: the serial part is the content octets of the DER INTEGER,
 * so a leading 0x00 stays when the high bit is set. */
static char *serial_der_b64url(const ASN1_INTEGER *serial)
{
    unsigned char *der = NULL, *p;
    const unsigned char *q;
    long clen = 0;
    int tag, xclass, len = i2d_ASN1_INTEGER(serial, NULL);
    char *out = NULL;

    if (len <= 0 || (der = malloc((size_t)len)) == NULL)
        return NULL;
    p = der;
    q = der;
    if (i2d_ASN1_INTEGER(serial, &p) == len &&
        (ASN1_get_object(&q, &clen, &tag, &xclass, len) & 0x80) == 0 &&
        tag == V_ASN1_INTEGER)
        out = b64url_encode(q, (size_t)clen);
    free(der);
    return out;
}

/* RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial). */
static int ari_identifier(X509 *x, char **out)
{
    const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(x);
    char *kid = NULL, *ser = NULL;

    *out = NULL;
    if (aki == NULL)
        return CP_OK;
    kid = b64url_encode(ASN1_STRING_get0_data(aki), (size_t)ASN1_STRING_length(aki));
    ser = serial_der_b64url(X509_get0_serialNumber(x));
    if (kid != NULL && ser != NULL)
        *out = str_printf("%s.%s", kid, ser);
    free(kid);
    free(ser);
    return *out != NULL ? CP_OK : CP_ENOMEM;
}

static int fill_info(X509 *x, struct cert_info *ci, struct err *err)
{
    int rc = collect_names(x, ci);

    if (rc == CP_EINVALID)
        return err_set(err, rc, "certificate has a malformed subjectAltName");
    if (rc != CP_OK)
        return err_nomem(err);
    if (asn1_time_to_time_t(X509_get0_notBefore(x), &ci->not_before) != CP_OK ||
        asn1_time_to_time_t(X509_get0_notAfter(x), &ci->not_after) != CP_OK)
        return err_set(err, CP_EINVALID, "certificate has an unreadable validity period");
    ci->serial_hex = serial_hex(X509_get0_serialNumber(x));
    ci->issuer = issuer_text(x);
    if (ci->serial_hex == NULL || ci->issuer == NULL ||
        ari_identifier(x, &ci->ari_id) != CP_OK)
        return err_nomem(err);
    return CP_OK;
}

int cert_info_from_pem(const char *pem, size_t len, struct cert_info *out, struct err *err)
{
    X509 *x = pem_to_x509(pem, len);
    int rc;

    memset(out, 0, sizeof(*out));
    if (x == NULL)
        return err_ssl(err, CP_EINVALID, "no PEM certificate found");
    rc = fill_info(x, out, err);
    if (rc != CP_OK)
        cert_info_free(out);
    X509_free(x);
    return rc;
}

void cert_info_free(struct cert_info *ci)
{
    if (ci == NULL)
        return;
    for (size_t i = 0; i < ci->nnames; i++)
        free(ci->names[i]);
    free(ci->names);
    free(ci->serial_hex);
    free(ci->issuer);
    free(ci->ari_id);
    memset(ci, 0, sizeof(*ci));
}

/* memmem, which POSIX lacks: first occurrence of needle in h[0..hlen). */
static const char *find(const char *h, size_t hlen, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; n <= hlen && i <= hlen - n; i++)
        if (memcmp(h + i, needle, n) == 0)
            return h + i;
    return NULL;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len && isspace((unsigned char)s[i]))
        i++;
    return i;
}

/* Parse one PEM block and write it back in OpenSSL's canonical form (LF line
 * ends, final "\n"), so what we store is exactly what parsed. */
static int append_block(const char *block, size_t len, struct buf *out)
{
    X509 *x = pem_to_x509(block, len);
    BIO *bio = NULL;
    char *text = NULL;
    int rc = CP_EINVALID;

    if (x == NULL)
        return CP_EINVALID;
    if ((bio = BIO_new(BIO_s_mem())) != NULL && PEM_write_bio_X509(bio, x) == 1 &&
        (text = bio_to_str(bio)) != NULL)
        rc = buf_append_str(out, text) == CP_OK ? CP_OK : CP_ENOMEM;
    else
        rc = CP_ENOMEM;
    free(text);
    BIO_free(bio);
    X509_free(x);
    return rc;
}

/* RFC 7468 §2 / RFC 8555 §7.4.2: the chain is a sequence of CERTIFICATE
 * blocks; only whitespace may separate them. Fills one buf per block index
 * (0: leaf, others: chain). */
static int split_blocks(const char *pem, size_t len, struct buf *leaf, struct buf *chain,
                        struct err *err)
{
    size_t i = skip_space(pem, len, 0), nblocks = 0;

    while (i < len) {
        const char *end;
        size_t stop;
        int rc;

        if (len - i < sizeof(pem_begin) - 1 ||
            memcmp(pem + i, pem_begin, sizeof(pem_begin) - 1) != 0)
            return err_set(err, CP_EINVALID,
                           "certificate chain has text outside a CERTIFICATE block");
        if ((end = find(pem + i, len - i, pem_end)) == NULL)
            return err_set(err, CP_EINVALID, "certificate %zu has no END line", nblocks + 1);
        stop = (size_t)(end - pem) + sizeof(pem_end) - 1;
        rc = append_block(pem + i, stop - i, nblocks == 0 ? leaf : chain);
        if (rc == CP_ENOMEM)
            return err_nomem(err);
        if (rc != CP_OK)
            return err_ssl(err, rc, "certificate %zu in the chain does not parse", nblocks + 1);
        nblocks++;
        i = skip_space(pem, len, stop);
    }
    if (nblocks == 0)
        return err_set(err, CP_EINVALID, "certificate chain holds no certificate");
    return CP_OK;
}

int cert_chain_split(const char *pem, size_t len, char **leaf, char **chain, struct err *err)
{
    struct buf lb = BUF_INIT, cb = BUF_INIT;
    int rc;

    *leaf = NULL;
    *chain = NULL;
    if (pem == NULL)
        len = 0;
    rc = split_blocks(pem, len, &lb, &cb, err);
    if (rc == CP_OK) {
        *leaf = buf_steal(&lb);
        *chain = cb.data != NULL ? buf_steal(&cb) : str_dup("");
        if (*chain == NULL) {
            str_free(leaf);
            rc = err_nomem(err);
        }
    }
    buf_free(&lb);
    buf_free(&cb);
    return rc;
}

int cert_pem_to_der(const char *pem, size_t len, unsigned char **der, size_t *der_len,
                    struct err *err)
{
    X509 *x = pem_to_x509(pem, len);
    unsigned char *p;
    int n = x != NULL ? i2d_X509(x, NULL) : 0;
    int rc = CP_OK;

    *der = NULL;
    *der_len = 0;
    if (x == NULL)
        return err_ssl(err, CP_EINVALID, "no PEM certificate found");
    /* Encoded into our own malloc'd buffer so the caller frees it with free(). */
    if (n <= 0 || (*der = malloc((size_t)n)) == NULL)
        rc = err_nomem(err);
    else if ((p = *der, i2d_X509(x, &p)) != n)
        rc = err_ssl(err, CP_ECRYPTO, "cannot encode the certificate as DER");
    else
        *der_len = (size_t)n;
    if (rc != CP_OK)
        str_free((char **)der);
    X509_free(x);
    return rc;
}

int cert_matches_key(const char *leaf_pem, size_t len, EVP_PKEY *key, struct err *err)
{
    X509 *x = pem_to_x509(leaf_pem, len);
    int rc = CP_OK;

    if (x == NULL)
        return err_ssl(err, CP_EINVALID, "no PEM certificate found");
    /* EVP_PKEY_eq compares the public components only, so a private key matches. */
    if (key == NULL || EVP_PKEY_eq(X509_get0_pubkey(x), key) != 1)
        rc = err_set(err, CP_EINVALID, "certificate does not belong to the key");
    ERR_clear_error();
    X509_free(x);
    return rc;
}

/* Does the common name of n equal name? */
static bool cn_equals(const X509_NAME *n, const char *name)
{
    char cn[256];
    int len = X509_NAME_get_text_by_NID((X509_NAME *)n, NID_commonName, cn, sizeof(cn));

    return len > 0 && (size_t)len == strlen(name) && strcmp(cn, name) == 0;
}

/* certbot's and lego's --preferred-chain: the name of the root the chain leads to
 * (issuer of its topmost certificate) or of any certificate in it. */
bool cert_chain_has_issuer(const char *pem, size_t len, const char *name)
{
    BIO *bio = len <= INT_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
    X509 *x, *last = NULL;
    bool found = false;

    if (bio == NULL)
        return false;
    while (!found && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        found = cn_equals(X509_get_subject_name(x), name);
        X509_free(last);
        last = x;
    }
    if (!found && last != NULL)
        found = cn_equals(X509_get_issuer_name(last), name);
    X509_free(last);
    BIO_free(bio);
    ERR_clear_error();  /* the loop ends on "no start line" */
    return found;
}
