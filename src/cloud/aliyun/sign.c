/*
 * cloud/aliyun/sign.c — V3 (ACS3-HMAC-SHA256) and V2 RPC (HMAC-SHA1)
 * signatures of Alibaba Cloud OpenAPI requests.
 */
#include "cloud/aliyun/sign.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/buf.h"
#include "util/str.h"

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

/* RFC 3986 §2.1/§2.3: only unreserved characters stay literal; the hex is upper case. */
char *aliyun_pct_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1), *p = out;

    if (out == NULL)
        return NULL;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (unreserved(c)) {
            *p++ = (char)c;
            continue;
        }
        *p++ = '%';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 15];
    }
    *p = '\0';
    return out;
}

static int kv_cmp(const void *a, const void *b)
{
    const struct kv *x = *(const struct kv *const *)a, *y = *(const struct kv *const *)b;
    int c = strcmp(x->key, y->key);

    return c != 0 ? c : strcmp(x->value ? x->value : "", y->value ? y->value : "");
}

/* name=value, both encoded, appended to b with a leading '&' unless first. */
static int append_pair(struct buf *b, const struct kv *p, bool first)
{
    char *k = aliyun_pct_encode(p->key), *v = aliyun_pct_encode(p->value ? p->value : "");
    int rc = CP_ENOMEM;

    if (k != NULL && v != NULL && (first || buf_append_str(b, "&") == CP_OK) &&
        buf_append_str(b, k) == CP_OK && buf_append_str(b, "=") == CP_OK && buf_append_str(b, v) == CP_OK)
        rc = CP_OK;
    free(k);
    free(v);
    return rc;
}

char *aliyun_canonical_query(const struct kvlist *params)
{
    size_t n = params != NULL ? params->n : 0;
    const struct kv **sorted = calloc(n + 1, sizeof(*sorted));
    struct buf b = BUF_INIT;
    int rc = CP_OK;

    if (sorted == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        sorted[i] = &params->items[i];
    qsort(sorted, n, sizeof(*sorted), kv_cmp);
    for (size_t i = 0; i < n && rc == CP_OK; i++)
        rc = append_pair(&b, sorted[i], i == 0);
    if (rc == CP_OK)
        rc = buf_append_str(&b, "");  /* "" must still be an allocated string */
    free(sorted);
    if (rc != CP_OK) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static int sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;

    if (EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return CP_ECRYPTO;
    to_hex(md, 32, out);
    return CP_OK;
}

/* The V3 signed headers, already sorted by name (the names are fixed lower-case). */
static int canonical_headers(const struct aliyun_v3_req *r, const char *sha, struct buf *hdrs,
                             struct buf *names)
{
    const char *h[][2] = {
        {"content-type", r->content_type}, {"host", r->host},
        {"x-acs-action", r->action},       {"x-acs-content-sha256", sha},
        {"x-acs-date", r->date},           {"x-acs-security-token", r->security_token},
        {"x-acs-signature-nonce", r->nonce}, {"x-acs-version", r->version},
    };
    bool first = true;

    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
        if (h[i][1] == NULL)
            continue;
        if ((!first && buf_append_str(names, ";") != CP_OK) || buf_append_str(names, h[i][0]) != CP_OK ||
            buf_append_str(hdrs, h[i][0]) != CP_OK || buf_append_str(hdrs, ":") != CP_OK ||
            buf_append_str(hdrs, h[i][1]) != CP_OK || buf_append_str(hdrs, "\n") != CP_OK)
            return CP_ENOMEM;
        first = false;
    }
    return CP_OK;
}

/* Alibaba V3: Method \n URI \n Query \n Headers(each "n:v\n") \n SignedHeaders \n HashedPayload. */
static int canonical_request(const struct aliyun_v3_req *r, const char *sha, char **creq, char **signed_names)
{
    struct buf hdrs = BUF_INIT, names = BUF_INIT;
    char *query = aliyun_canonical_query(r->query);
    int rc = CP_ENOMEM;

    if (query == NULL || canonical_headers(r, sha, &hdrs, &names) != CP_OK)
        goto out;
    *creq = str_printf("%s\n%s\n%s\n%s\n%s\n%s", r->method, r->path, query, hdrs.data, names.data, sha);
    if (*creq == NULL)
        goto out;
    *signed_names = buf_steal(&names);
    rc = CP_OK;
out:
    free(query);
    buf_free(&hdrs);
    buf_free(&names);
    return rc;
}

static int hmac(const EVP_MD *md, const char *key, size_t keylen, const char *msg, unsigned char *out,
                unsigned int *outlen)
{
    if (HMAC(md, key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, outlen) == NULL)
        return CP_ECRYPTO;
    return CP_OK;
}

static int v3_authorization(const char *creq, const char *names, const char *key_id, const char *secret,
                            char **auth)
{
    char hashed[65], sts[128], sig_hex[65];
    unsigned char sig[32];
    unsigned int siglen = 0;

    if (sha256_hex(creq, strlen(creq), hashed) != CP_OK)
        return CP_ECRYPTO;
    snprintf(sts, sizeof(sts), "ACS3-HMAC-SHA256\n%s", hashed);
    if (hmac(EVP_sha256(), secret, strlen(secret), sts, sig, &siglen) != CP_OK || siglen != 32)
        return CP_ECRYPTO;
    to_hex(sig, 32, sig_hex);
    *auth = str_printf("ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%s", key_id, names, sig_hex);
    return *auth != NULL ? CP_OK : CP_ENOMEM;
}

int aliyun_sign_v3(const struct aliyun_v3_req *r, const char *key_id, const char *secret,
                   struct aliyun_v3_sig *out, struct err *err)
{
    char *names = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (sha256_hex(r->body, r->body_len, out->content_sha256) != CP_OK)
        return err_ssl(err, CP_ECRYPTO, "SHA-256 of the request body");
    if ((rc = canonical_request(r, out->content_sha256, &out->canonical_request, &names)) != CP_OK) {
        aliyun_v3_sig_free(out);
        return err_nomem(err);
    }
    rc = v3_authorization(out->canonical_request, names, key_id, secret, &out->authorization);
    free(names);
    if (rc != CP_OK) {
        aliyun_v3_sig_free(out);
        return rc == CP_ENOMEM ? err_nomem(err) : err_ssl(err, rc, "HMAC-SHA256 of the request");
    }
    return CP_OK;
}

void aliyun_v3_sig_free(struct aliyun_v3_sig *s)
{
    if (s == NULL)
        return;
    free(s->canonical_request);
    free(s->authorization);
    memset(s, 0, sizeof(*s));
}

/* V2: StringToSign = METHOD & enc("/") & enc(canonical query); the query is thus encoded twice. */
static char *v2_string_to_sign(const char *method, const struct kvlist *params)
{
    char *query = aliyun_canonical_query(params), *enc = NULL, *sts = NULL;

    if (query != NULL && (enc = aliyun_pct_encode(query)) != NULL)
        sts = str_printf("%s&%%2F&%s", method, enc);
    /* the parameters may hold a private key (deploy targets) */
    secret_free(query, query != NULL ? strlen(query) : 0);
    secret_free(enc, enc != NULL ? strlen(enc) : 0);
    return sts;
}

static int v2_hmac_b64(const char *secret, const char *sts, char **signature)
{
    size_t klen = strlen(secret) + 1;
    char *key = malloc(klen + 1);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    int rc;

    if (key == NULL)
        return CP_ENOMEM;
    /* the V2 HMAC key is the secret followed by '&' (an empty token secret) */
    memcpy(key, secret, klen - 1);
    key[klen - 1] = '&';
    key[klen] = '\0';
    rc = hmac(EVP_sha1(), key, klen, sts, mac, &maclen);
    secret_free(key, klen + 1);
    if (rc != CP_OK)
        return rc;
    if ((*signature = malloc(4 * ((maclen + 2) / 3) + 1)) == NULL)
        return CP_ENOMEM;
    EVP_EncodeBlock((unsigned char *)*signature, mac, (int)maclen);
    return CP_OK;
}

int aliyun_sign_v2(const char *method, const struct kvlist *params, const char *secret,
                   char **string_to_sign, char **signature, struct err *err)
{
    char *sts = v2_string_to_sign(method, params);
    int rc;

    *signature = NULL;
    if (string_to_sign != NULL)
        *string_to_sign = NULL;
    if (sts == NULL)
        return err_nomem(err);
    rc = v2_hmac_b64(secret, sts, signature);
    if (rc != CP_OK) {
        secret_free(sts, strlen(sts));
        return rc == CP_ENOMEM ? err_nomem(err) : err_ssl(err, rc, "HMAC-SHA1 of the request");
    }
    if (string_to_sign != NULL)
        *string_to_sign = sts;
    else
        secret_free(sts, strlen(sts));
    return CP_OK;
}
