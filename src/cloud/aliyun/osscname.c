/*
 * cloud/aliyun/osscname.c — PutCname's body and ListCname's reply
 * (OSS API reference: PutCname, ListCname).
 */
#include "cloud/aliyun/osscname.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "cloud/aliyun/ossxml.h"
#include "util/buf.h"
#include "util/str.h"

/* OSS PutCname: BucketCnameConfiguration/Cname/{Domain, CertificateConfiguration/{CertId | Certificate,
 * PrivateKey; PreviousCertId; Force}}. */
static int cert_config(struct buf *b, const struct oss_cname_cert *c)
{
    if (buf_append_str(b, "<CertificateConfiguration>") != CP_OK ||
        (c->cert_id != NULL && ossxml_element(b, "CertId", c->cert_id) != CP_OK) ||
        (c->cert_id == NULL && (ossxml_element(b, "Certificate", c->certificate) != CP_OK ||
                                ossxml_element(b, "PrivateKey", c->private_key) != CP_OK)) ||
        (c->previous_cert_id != NULL && ossxml_element(b, "PreviousCertId", c->previous_cert_id) != CP_OK) ||
        (c->force && ossxml_element(b, "Force", "true") != CP_OK) ||
        buf_append_str(b, "</CertificateConfiguration>") != CP_OK)
        return CP_ENOMEM;
    return CP_OK;
}

char *oss_cname_body(const struct oss_cname_cert *c)
{
    struct buf b = BUF_INIT;

    if (buf_append_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BucketCnameConfiguration><Cname>") ||
        ossxml_element(&b, "Domain", c->domain) || cert_config(&b, c) ||
        buf_append_str(&b, "</Cname></BucketCnameConfiguration>")) {
        secret_free(b.data, b.cap);
        return NULL;
    }
    return buf_steal(&b);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? str_dup(s) : NULL;
}

/* ListCnameResult/Cname: Domain, Status, Certificate/{Type, CertId, Status, Fingerprint, ValidEndDate}. */
static int read_cname(const struct ossxml_node *n, struct oss_cname *e)
{
    const struct ossxml_node *cert = ossxml_child(n, "Certificate");
    const char *src[] = {ossxml_text(n, "Domain"),       ossxml_text(n, "Status"),
                         ossxml_text(cert, "Type"),      ossxml_text(cert, "CertId"),
                         ossxml_text(cert, "Status"),    ossxml_text(cert, "Fingerprint"),
                         ossxml_text(cert, "ValidEndDate")};
    char **dst[] = {&e->domain, &e->status, &e->cert_type, &e->cert_id, &e->cert_status, &e->fingerprint,
                    &e->valid_end};

    for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++)
        if (src[i] != NULL && (*dst[i] = dup_or_null(src[i])) == NULL)
            return CP_ENOMEM;
    return CP_OK;
}

static int read_cnames(const struct ossxml_node *root, const char *what, struct oss_cnames *out,
                       struct err *err)
{
    if ((out->v = calloc(root->nkids + 1, sizeof(*out->v))) == NULL)
        return err_nomem(err);
    for (size_t i = 0; i < root->nkids; i++) {
        const struct ossxml_node *k = &root->kids[i];
        if (strcmp(k->name, "Cname") != 0)
            continue;  /* Bucket, Owner */
        if (ossxml_text(k, "Domain") == NULL || *ossxml_text(k, "Domain") == '\0')
            return err_set(err, CP_EPROTO, "%s: the ListCname reply has a Cname without its Domain", what);
        out->n++;
        if (read_cname(k, &out->v[out->n - 1]) != CP_OK)
            return err_nomem(err);
    }
    return CP_OK;
}

int oss_cnames_parse(const char *xml, size_t len, const char *what, struct oss_cnames *out, struct err *err)
{
    struct ossxml_node *root = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = ossxml_parse(xml, len, what, &root, err)) != CP_OK)
        return rc;
    if (strcmp(root->name, "ListCnameResult") != 0)
        rc = err_set(err, CP_EPROTO, "%s: the ListCname reply is a <%.40s>, not a <ListCnameResult>", what,
                     root->name);
    else
        rc = read_cnames(root, what, out, err);
    ossxml_free(root);
    return rc;
}

void oss_cnames_free(struct oss_cnames *l)
{
    for (size_t i = 0; l != NULL && l->v != NULL && i < l->n; i++) {
        struct oss_cname *e = &l->v[i];
        free(e->domain), free(e->status), free(e->cert_type), free(e->cert_id);
        free(e->cert_status), free(e->fingerprint), free(e->valid_end);
    }
    if (l != NULL) {
        free(l->v);
        memset(l, 0, sizeof(*l));
    }
}

const struct oss_cname *oss_cnames_find(const struct oss_cnames *l, const char *domain)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcasecmp(l->v[i].domain, domain) == 0)
            return &l->v[i];
    return NULL;
}

/* hex digits of s without ':' separators, upper-cased, into out (size); false when s has anything else. */
static bool hex_only(const char *s, char *out, size_t size)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        if (*s == ':')
            continue;
        if (strchr("0123456789abcdefABCDEF", *s) == NULL || n + 1 >= size)
            return false;
        out[n++] = (char)(*s >= 'a' ? *s - 'a' + 'A' : *s);
    }
    out[n] = '\0';
    return true;
}

bool oss_fingerprint_matches(const char *fingerprint, const unsigned char *der, size_t der_len)
{
    char have[129], want[65];
    unsigned char md[32];
    unsigned int len = 0;
    size_t n;

    if (fingerprint == NULL || !hex_only(fingerprint, have, sizeof(have)))
        return false;
    n = strlen(have);
    if ((n != 40 && n != 64) || EVP_Digest(der, der_len, md, &len, n == 40 ? EVP_sha1() : EVP_sha256(), NULL) != 1)
        return false;
    for (unsigned int i = 0; i < len; i++)
        snprintf(want + 2 * i, 3, "%02X", md[i]);
    return strlen(want) == n && strcmp(want, have) == 0;
}
