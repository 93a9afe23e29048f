/*
 * cloud/aliyun/sign_oss.c — OSS V4 (OSS4-HMAC-SHA256) request signatures.
 *
 * OSS's V4 signature document: the canonical request is
 *   Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n AdditionalHeaders \n HashedPayload
 * (the URI is "/bucket/object", percent-encoded with '/' kept; a query parameter without a value is its
 * name alone; the headers are Content-Type, Content-MD5 and every x-oss-*, lower-case, sorted, each
 * "name:value\n"; the payload hash is x-oss-content-sha256, "UNSIGNED-PAYLOAD"). The string to sign is
 *   "OSS4-HMAC-SHA256" \n date \n "<yyyymmdd>/<region>/oss/aliyun_v4_request" \n hex(SHA-256(canonical))
 * and the key is HMAC-SHA256 chained from "aliyun_v4" + secret over the day, the region, "oss" and
 * "aliyun_v4_request".
 */
#include "cloud/aliyun/sign_oss.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cloud/aliyun/sign.h"
#include "util/buf.h"
#include "util/str.h"

#define MAX_SIGNED 32
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/* One signed header: its name lower-cased, its value trimmed (both malloc'd). */
struct hdr {
    char *name, *value;
};

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = '\0';
}

/* "/bucket/object" percent-encoded, '/' kept. */
static char *canonical_uri(const struct aliyun_oss4_req *r)
{
    char *raw = str_printf("/%s%s%s", r->bucket != NULL ? r->bucket : "", r->bucket != NULL ? "/" : "",
                           r->object != NULL ? r->object : "");
    char *enc = raw != NULL ? aliyun_pct_encode(raw) : NULL, *in = enc, *out = enc;

    free(raw);
    for (; in != NULL && *in != '\0'; out++) {
        bool slash = strncmp(in, "%2F", 3) == 0;
        *out = slash ? '/' : *in;
        in += slash ? 3 : 1;
    }
    if (out != NULL)
        *out = '\0';
    return enc;
}

static int query_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One parameter: "name" or "name=value", both encoded. */
static char *query_item(const struct kv *p)
{
    char *k = aliyun_pct_encode(p->key), *v = NULL, *item = NULL;

    if (k != NULL && (p->value == NULL || *p->value == '\0'))
        return k;
    if (k != NULL && (v = aliyun_pct_encode(p->value)) != NULL)
        item = str_printf("%s=%s", k, v);
    free(k);
    free(v);
    return item;
}

static int join_sorted(char **items, size_t n, const char *sep, struct buf *b)
{
    qsort(items, n, sizeof(*items), query_cmp);
    for (size_t i = 0; i < n; i++)
        if ((i > 0 && buf_append_str(b, sep) != CP_OK) || buf_append_str(b, items[i]) != CP_OK)
            return CP_ENOMEM;
    return buf_append_str(b, "");
}

/* The sorted query ("" for none); NULL without memory. Sorting the encoded items sorts by encoded name. */
static char *canonical_query(const struct kvlist *q)
{
    size_t n = q != NULL ? q->n : 0, made = 0;
    char **items = calloc(n + 1, sizeof(*items));
    struct buf b = BUF_INIT;
    int rc = items != NULL ? CP_OK : CP_ENOMEM;

    for (; rc == CP_OK && made < n; made++)
        if ((items[made] = query_item(&q->items[made])) == NULL)
            rc = CP_ENOMEM;
    if (rc == CP_OK)
        rc = join_sorted(items, n, "&", &b);
    for (size_t i = 0; items != NULL && i < made; i++)
        free(items[i]);
    free(items);
    if (rc != CP_OK)
        buf_free(&b);
    return rc == CP_OK ? buf_steal(&b) : NULL;
}

static bool is_signed_header(const char *lower)
{
    return strcmp(lower, "content-type") == 0 || strcmp(lower, "content-md5") == 0 ||
           str_has_prefix(lower, "x-oss-");
}

static int hdr_cmp(const void *a, const void *b)
{
    return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

/* name lower-cased and value trimmed into h; h->name NULL when the header is not signed. */
static int hdr_make(const struct kv *p, struct hdr *h)
{
    const char *v = p->value != NULL ? p->value : "";
    size_t len;

    if ((h->name = str_dup(p->key)) == NULL)
        return CP_ENOMEM;
    for (char *c = h->name; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    if (!is_signed_header(h->name)) {
        free(h->name);
        h->name = NULL;
        return CP_OK;
    }
    while (*v == ' ' || *v == '\t')
        v++;
    for (len = strlen(v); len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t');)
        len--;
    if ((h->value = str_printf("%.*s", (int)len, v)) == NULL) {
        free(h->name);
        h->name = NULL;
        return CP_ENOMEM;
    }
    return CP_OK;
}

static void hdrs_free(struct hdr *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        free(h[i].value);
    }
}

/* The signed headers, sorted, "name:value\n" each, into b; *payload: x-oss-content-sha256's value. */
static int canonical_headers(const struct kvlist *l, struct buf *b, char **payload)
{
    struct hdr h[MAX_SIGNED];
    size_t n = 0;
    int rc = CP_OK;

    for (size_t i = 0; l != NULL && i < l->n && rc == CP_OK; i++) {
        if ((rc = hdr_make(&l->items[i], &h[n])) == CP_OK && h[n].name != NULL)
            rc = ++n < MAX_SIGNED ? CP_OK : CP_EUSAGE;
    }
    qsort(h, n, sizeof(h[0]), hdr_cmp);
    for (size_t i = 0; i < n && rc == CP_OK; i++) {
        if (strcmp(h[i].name, "x-oss-content-sha256") == 0 && (*payload = str_dup(h[i].value)) == NULL)
            rc = CP_ENOMEM;
        if (rc == CP_OK && (buf_append_str(b, h[i].name) != CP_OK || buf_append_str(b, ":") != CP_OK ||
                            buf_append_str(b, h[i].value) != CP_OK || buf_append_str(b, "\n") != CP_OK))
            rc = CP_ENOMEM;
    }
    hdrs_free(h, n);
    return rc == CP_OK ? buf_append_str(b, "") : rc;
}

static char *canonical_request(const struct aliyun_oss4_req *r)
{
    char *uri = canonical_uri(r), *query = canonical_query(r->query), *payload = NULL, *creq = NULL;
    struct buf hdrs = BUF_INIT;

    if (uri != NULL && query != NULL && canonical_headers(r->headers, &hdrs, &payload) == CP_OK)
        creq = str_printf("%s\n%s\n%s\n%s\n\n%s", r->method, uri, query, hdrs.data,
                          payload != NULL ? payload : UNSIGNED_PAYLOAD);
    free(uri);
    free(query);
    free(payload);
    buf_free(&hdrs);
    return creq;
}

static int hmac256(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
    unsigned int len = 0;

    if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &len) == NULL ||
        len != 32)
        return CP_ECRYPTO;
    return CP_OK;
}

/* HMAC-SHA256 chained from "aliyun_v4" + secret over day, region, "oss", "aliyun_v4_request". */
static int signing_key(const char *secret, const char *day, const char *region, unsigned char key[32])
{
    char *first = str_printf("aliyun_v4%s", secret);
    const char *steps[] = {region, "oss", "aliyun_v4_request"};
    int rc;

    if (first == NULL)
        return CP_ENOMEM;
    rc = hmac256(first, strlen(first), day, key);
    secret_free(first, strlen(first));
    for (size_t i = 0; rc == CP_OK && i < sizeof(steps) / sizeof(steps[0]); i++)
        rc = hmac256(key, 32, steps[i], key);
    return rc;
}

static int sha256_hex(const char *s, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;

    if (EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) != 1 || len != 32)
        return CP_ECRYPTO;
    to_hex(md, 32, out);
    return CP_OK;
}

/* "YYYYMMDDThhmmssZ" and a region of letters, digits and '-' (both go into the scope unescaped). */
static bool signable(const struct aliyun_oss4_req *r)
{
    const char *d = r->date, *g = r->region;

    return d != NULL && strlen(d) == 16 && strspn(d, "0123456789") == 8 && d[8] == 'T' &&
           strspn(d + 9, "0123456789") == 6 && d[15] == 'Z' && g != NULL && *g != '\0' &&
           strspn(g, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(g);
}

static int sign_sts(const struct aliyun_oss4_sig *s, const char *secret, const char *day, const char *region,
                    char sig_hex[65])
{
    unsigned char key[32], sig[32];
    int rc = signing_key(secret, day, region, key);

    if (rc == CP_OK)
        rc = hmac256(key, sizeof(key), s->string_to_sign, sig);
    OPENSSL_cleanse(key, sizeof(key));
    if (rc == CP_OK)
        to_hex(sig, 32, sig_hex);
    return rc;
}

int aliyun_sign_oss4(const struct aliyun_oss4_req *r, const char *key_id, const char *secret,
                     struct aliyun_oss4_sig *out, struct err *err)
{
    char day[9], hashed[65], sig[65];
    int rc;

    memset(out, 0, sizeof(*out));
    if (!signable(r))
        return err_set(err, CP_EUSAGE, "oss: cannot sign for date \"%s\" in region \"%s\"",
                       r->date != NULL ? r->date : "", r->region != NULL ? r->region : "");
    snprintf(day, sizeof(day), "%.8s", r->date);
    if ((out->canonical_request = canonical_request(r)) == NULL)
        return err_nomem(err);
    if ((rc = sha256_hex(out->canonical_request, hashed)) != CP_OK ||
        (out->string_to_sign = str_printf("OSS4-HMAC-SHA256\n%s\n%s/%s/oss/aliyun_v4_request\n%s", r->date,
                                          day, r->region, hashed)) == NULL ||
        (rc = sign_sts(out, secret, day, r->region, sig)) != CP_OK ||
        (out->authorization = str_printf("OSS4-HMAC-SHA256 Credential=%s/%s/%s/oss/aliyun_v4_request,"
                                         "Signature=%s", key_id, day, r->region, sig)) == NULL) {
        aliyun_oss4_sig_free(out);
        return rc == CP_ECRYPTO ? err_ssl(err, rc, "oss: HMAC-SHA256 of the request") : err_nomem(err);
    }
    return CP_OK;
}

void aliyun_oss4_sig_free(struct aliyun_oss4_sig *s)
{
    if (s == NULL)
        return;
    free(s->canonical_request);
    free(s->string_to_sign);
    free(s->authorization);
    memset(s, 0, sizeof(*s));
}
