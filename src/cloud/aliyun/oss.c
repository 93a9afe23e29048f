/*
 * cloud/aliyun/oss.c — signed calls to one OSS bucket, XML error replies to
 * one line.
 */
#include "cloud/aliyun/oss.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "cloud/aliyun/client.h"
#include "cloud/aliyun/ossxml.h"
#include "cloud/aliyun/sign.h"
#include "cloud/aliyun/sign_oss.h"
#include "util/str.h"

#define XML_TYPE "application/xml"
#define MAX_HEADERS 10
#define BUCKET_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-"
#define REGION_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-"

struct oss_client {
    struct oss_client_opts o;
    struct http_transport *owned;
    char *host;  /* <bucket>.oss-<region>.aliyuncs.com */
};

/* One attempt: the headers signed (name/value pairs) and the header lines sent. */
struct oss_attempt {
    char date[20];
    char md5[25];
    struct kv kv[MAX_HEADERS];
    size_t nkv;
    char *line[MAX_HEADERS + 1];  /* NULL-terminated */
    size_t nline;
    char *url;
};

static void oss_attempt_free(struct oss_attempt *a)
{
    for (size_t i = 0; i < a->nline; i++)
        free(a->line[i]);
    free(a->url);
    memset(a, 0, sizeof(*a));
}

/* A header: signed when sign, sent as a line when send (Content-Type is sent by the transport). */
static int header(struct oss_attempt *a, const char *name, const char *value, bool sign, bool send)
{
    if (value == NULL)
        return CP_OK;
    if (a->nkv >= MAX_HEADERS || a->nline >= MAX_HEADERS)
        return CP_ENOMEM;
    if (send && (a->line[a->nline] = str_printf("%s: %s", name, value)) == NULL)
        return CP_ENOMEM;
    a->nline += send ? 1 : 0;
    if (sign)
        a->kv[a->nkv++] = (struct kv){name, value};
    return CP_OK;
}

/* RFC 1864 Content-MD5: base64 of the body's MD5 (OSS checks it when present; it is signed too). */
static int body_md5(const char *body, char out[25])
{
    unsigned char md[16];
    unsigned int len = 0;

    if (EVP_Digest(body, strlen(body), md, &len, EVP_md5(), NULL) != 1 || len != 16)
        return CP_ECRYPTO;
    EVP_EncodeBlock((unsigned char *)out, md, 16);
    return CP_OK;
}

static int stamp(struct oss_attempt *a, struct err *err)
{
    time_t now = time(NULL);
    struct tm tm;

    if (gmtime_r(&now, &tm) == NULL || strftime(a->date, sizeof(a->date), "%Y%m%dT%H%M%SZ", &tm) == 0)
        return err_set(err, CP_EIO, "cannot format the current time");
    return CP_OK;
}

/* The headers every request carries (Host is not signed: OSS V4 signs it only as an additional header). */
static int base_headers(const struct oss_client *c, const struct oss_request *r, struct oss_attempt *a,
                        struct err *err)
{
    bool body = r->body != NULL;

    if (body && body_md5(r->body, a->md5) != CP_OK)
        return err_ssl(err, CP_ECRYPTO, "%s: MD5 of the request body", c->o.product);
    if (header(a, "Host", c->host, false, true) || header(a, "x-oss-date", a->date, true, true) ||
        header(a, "x-oss-content-sha256", "UNSIGNED-PAYLOAD", true, true) ||
        header(a, "x-oss-security-token", c->o.creds->security_token, true, true) ||
        header(a, "Content-MD5", body ? a->md5 : NULL, true, true) ||
        header(a, "Content-Type", body ? XML_TYPE : NULL, true, false) ||
        header(a, "Accept", XML_TYPE, false, true))
        return err_nomem(err);
    return CP_OK;
}

static int sign(const struct oss_client *c, const struct oss_request *r, struct oss_attempt *a, struct err *err)
{
    struct kvlist hdrs = {a->kv, a->nkv};
    struct aliyun_oss4_req q = {r->method, c->o.bucket, NULL, r->query, &hdrs, a->date, c->o.region};
    struct aliyun_oss4_sig s;
    int rc = aliyun_sign_oss4(&q, c->o.creds->key_id, c->o.creds->secret, &s, err);

    if (rc != CP_OK)
        return rc;
    if (header(a, "Authorization", s.authorization, false, true) != CP_OK)
        rc = err_nomem(err);
    aliyun_oss4_sig_free(&s);
    return rc;
}

/* The URL: the query as sent is the canonical one (a value-less parameter is its name alone). */
static int build(const struct oss_client *c, const struct oss_request *r, struct oss_attempt *a,
                 struct err *err)
{
    int rc;
    struct buf q = BUF_INIT;

    for (size_t i = 0; r->query != NULL && i < r->query->n; i++) {
        const struct kv *p = &r->query->items[i];
        char *k = aliyun_pct_encode(p->key), *v = p->value != NULL ? aliyun_pct_encode(p->value) : NULL;
        rc = k == NULL || (p->value != NULL && v == NULL) || buf_append_str(&q, i ? "&" : "?") ||
             buf_append_str(&q, k) || (v != NULL && (buf_append_str(&q, "=") || buf_append_str(&q, v)));
        free(k);
        free(v);
        if (rc != 0) {
            buf_free(&q);
            return err_nomem(err);
        }
    }
    a->url = str_printf("https://%s/%s", c->o.endpoint != NULL ? c->o.endpoint : c->host, q.data ? q.data : "");
    buf_free(&q);
    if (a->url == NULL)
        return err_nomem(err);
    if ((rc = stamp(a, err)) != CP_OK || (rc = base_headers(c, r, a, err)) != CP_OK)
        return rc;
    return sign(c, r, a, err);
}

/* <Error>'s Code, Message and RequestId as the JSON aliyun_error_line reads (NULL: not an <Error> document). */
static json_t *error_fields(const char *xml, size_t len)
{
    struct ossxml_node *root = NULL;
    static const char *const names[] = {"Code", "Message", "RequestId"};
    json_t *j = NULL;

    if (len == 0 || ossxml_parse(xml, len, "oss", &root, NULL) != CP_OK || strcmp(root->name, "Error") != 0 ||
        ossxml_text(root, "Code") == NULL || (j = json_object()) == NULL) {
        ossxml_free(root);
        return NULL;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (ossxml_text(root, names[i]) != NULL)
            json_object_set_new(j, names[i], json_string(ossxml_text(root, names[i])));
    ossxml_free(root);
    return j;
}

/* OSS's codes are identifiers ("NoSuchBucket", "SignatureDoesNotMatch"): anything else is not copied (it
 * could carry whatever a server put there). */
static void copy_code(const char *v, char *code, size_t size)
{
    static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

    if (v != NULL && *v != '\0' && strspn(v, ok) == strlen(v) && strlen(v) < size)
        snprintf(code, size, "%s", v);
    else
        snprintf(code, size, "%s", "(unusual Code)");
}

int oss_error_line(const char *product, const char *action, long status, const char *xml, size_t len,
                   const struct aliyun_creds *k, const char *sent, char *code, size_t code_size, char *line,
                   size_t size)
{
    json_t *j = error_fields(xml, len);
    char *what = str_printf("%s: %s", product, action);
    int rc = CP_EPROTO;

    code[0] = '\0';
    if (j != NULL && what != NULL) {
        rc = aliyun_error_line(what, j, k, sent, line, size);
        copy_code(json_string_value(json_object_get(j, "Code")), code, code_size);
    } else {
        snprintf(line, size, "%s: HTTP %ld without an OSS <Error> reply", what != NULL ? what : product, status);
    }
    json_decref(j);
    free(what);
    return rc;
}

static int read_reply(const struct oss_client *c, const struct oss_request *r, struct http_response *resp,
                      struct oss_reply *out, struct err *err)
{
    char line[sizeof(err->msg)];
    int rc;

    out->status = resp->status;
    if (resp->status >= 200 && resp->status < 300) {
        out->body = resp->body;
        memset(&resp->body, 0, sizeof(resp->body));
        return CP_OK;
    }
    rc = oss_error_line(c->o.product, r->action, resp->status, resp->body.data, resp->body.len, c->o.creds,
                        r->sent, out->code, sizeof(out->code), line, sizeof(line));
    return err_set(err, rc, "%s", line);
}

int oss_call(struct oss_client *c, const struct oss_request *r, struct oss_reply *out, struct err *err)
{
    struct http_transport *t = c->o.http != NULL ? c->o.http : c->owned;
    struct http_response resp = {0};
    struct oss_attempt a;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&a, 0, sizeof(a));
    if ((rc = build(c, r, &a, err)) == CP_OK) {
        struct http_request req = {r->method, a.url, r->body != NULL ? XML_TYPE : NULL, r->body,
                                   r->body != NULL ? strlen(r->body) : 0, (const char *const *)a.line};
        if ((rc = http_send(t, &req, &resp, err)) != CP_OK)
            err_prefix(err, "%s: %s: ", c->o.product, r->action);  /* the transport's line names only the URL */
    }
    if (rc == CP_OK)
        rc = read_reply(c, r, &resp, out, err);
    log_debug(c->o.log, "%s: %s -> %s", c->o.product, r->action, rc == CP_OK ? "ok" : out->code);
    http_response_free(&resp);
    oss_attempt_free(&a);
    return rc;
}

void oss_reply_free(struct oss_reply *r)
{
    if (r == NULL)
        return;
    buf_free(&r->body);
    memset(r, 0, sizeof(*r));
}

/* OSS bucket names: 3 to 63 of a-z, 0-9 and '-', not starting or ending with '-'. */
static int check_names(const struct oss_client_opts *o, struct err *err)
{
    const char *b = o->bucket, *g = o->region, *e = o->endpoint;
    size_t n = b != NULL ? strlen(b) : 0;

    if (n < 3 || n > 63 || strspn(b, BUCKET_CHARS) != n || b[0] == '-' || b[n - 1] == '-')
        return err_set(err, CP_EUSAGE, "%s: bucket \"%s\" is not an OSS bucket name (3 to 63 of a-z, 0-9, '-')",
                       o->product, b != NULL ? b : "");
    if (g == NULL || *g == '\0' || strspn(g, REGION_CHARS) != strlen(g))
        return err_set(err, CP_EUSAGE, "%s: region \"%s\" is not a region id such as cn-hangzhou", o->product,
                       g != NULL ? g : "");
    if (e != NULL && (*e == '\0' || strpbrk(e, "/?#@ \t") != NULL))
        return err_set(err, CP_EUSAGE, "%s: endpoint \"%s\" must be a host name with an optional :port "
                       "(no scheme or path)", o->product, e);
    return CP_OK;
}

struct oss_client *oss_client_new(const struct oss_client_opts *o, struct err *err)
{
    struct http_opts ho = {.ca_bundle = o->ca_bundle, .log = o->log};
    struct oss_client *c = NULL;

    if (check_names(o, err) != CP_OK)
        return NULL;
    if ((c = calloc(1, sizeof(*c))) == NULL ||
        (c->host = str_printf("%s.oss-%s.aliyuncs.com", o->bucket, o->region)) == NULL) {
        free(c);
        err_nomem(err);
        return NULL;
    }
    c->o = *o;
    if (o->http == NULL && (c->owned = http_curl_new(&ho, err)) == NULL) {
        oss_client_free(c);
        return NULL;
    }
    return c;
}

void oss_client_free(struct oss_client *c)
{
    if (c == NULL)
        return;
    http_transport_free(c->owned);
    free(c->host);
    free(c);
}

const char *oss_client_host(const struct oss_client *c)
{
    return c->host;
}
