/*
 * cloud/aliyun/client.c — signed RPC-style calls to one Alibaba Cloud
 * product, error replies to one line, bounded retries while throttled.
 */
#include "cloud/aliyun/client.h"
#include "util/clock.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "cloud/aliyun/sign.h"
#include "util/redact.h"
#include "util/str.h"

#define FORM_TYPE "application/x-www-form-urlencoded"
#define JSON_TYPE "application/json; charset=utf-8"
#define MAX_PARAMS 64
#define MAX_HEADERS 12
#define CRED_PIECE 12  /* this many characters of a credential in a row are an echo of it */
#define SENT_PIECE 8   /* and of a secret parameter (as deploy/aliyun.c's key scrubber) */

struct aliyun_client {
    struct aliyun_client_opts o;
    struct http_transport *owned;  /* the transport we made, or NULL */
    char *url;                     /* "https://<endpoint>/" */
};

/* A ROA-style request: a method on a path, a JSON body (or none). */
struct roa {
    const char *method, *path;
    const json_t *body;  /* NULL: no body */
};

/* Per-attempt values: every attempt is signed afresh (a nonce is single-use). */
struct attempt {
    char date[32];
    char nonce[33];
    const char *ctype;  /* the body's Content-Type, or NULL */
    char *body;  /* POST: the form; GET: NULL; ROA: the JSON text or NULL */
    char *url;   /* GET: the URL with its query; ROA: the path's URL; POST: NULL (c->url) */
    char *hdr[MAX_HEADERS];
    size_t nhdr;
};

/* The body may carry a private key (deploy targets): wiped, not just freed. */
static void attempt_free(struct attempt *a)
{
    secret_free(a->body, a->body != NULL ? strlen(a->body) : 0);
    free(a->url);
    for (size_t i = 0; i < a->nhdr; i++)
        free(a->hdr[i]);
    memset(a, 0, sizeof(*a));
}

static int attempt_init(struct attempt *a, struct err *err)
{
    unsigned char rnd[16];
    time_t now = time(NULL);
    struct tm tm;

    memset(a, 0, sizeof(*a));
    if (gmtime_r(&now, &tm) == NULL || strftime(a->date, sizeof(a->date), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return err_set(err, CP_EIO, "cannot format the current time");
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return err_ssl(err, CP_ECRYPTO, "random signature nonce");
    for (size_t i = 0; i < sizeof(rnd); i++)
        snprintf(a->nonce + 2 * i, 3, "%02x", rnd[i]);
    return CP_OK;
}

static bool is_get(const struct aliyun_client *c)
{
    return strcmp(c->o.method, "GET") == 0;
}

static int add_header(struct attempt *a, const char *name, const char *value)
{
    if (value == NULL)
        return CP_OK;
    if (a->nhdr + 1 >= MAX_HEADERS || (a->hdr[a->nhdr] = str_printf("%s: %s", name, value)) == NULL)
        return CP_ENOMEM;
    a->nhdr++;
    return CP_OK;
}

/* Sign r (V3) and add the headers that carry action, version and signature to a. */
static int sign_v3(const struct aliyun_client *c, const struct aliyun_v3_req *r, struct attempt *a,
                   struct err *err)
{
    const struct aliyun_creds *k = c->o.creds;
    struct aliyun_v3_sig s;
    int rc;

    if ((rc = aliyun_sign_v3(r, k->key_id, k->secret, &s, err)) != CP_OK)
        return rc;
    if (add_header(a, "Host", c->o.endpoint) || add_header(a, "x-acs-action", r->action) ||
        add_header(a, "x-acs-version", c->o.version) || add_header(a, "x-acs-date", a->date) ||
        add_header(a, "x-acs-signature-nonce", a->nonce) ||
        add_header(a, "x-acs-content-sha256", s.content_sha256) ||
        add_header(a, "x-acs-security-token", k->security_token) ||
        add_header(a, "Authorization", s.authorization) || add_header(a, "Accept", "application/json"))
        rc = err_nomem(err);
    aliyun_v3_sig_free(&s);
    return rc;
}

/* Alibaba V3: the API parameters travel as the form body (GET: the query); the headers carry action,
 * version and signature. */
static int build_v3(const struct aliyun_client *c, const char *action, const struct kvlist *params,
                    struct attempt *a, struct err *err)
{
    const struct aliyun_creds *k = c->o.creds;
    struct aliyun_v3_req r = {c->o.method, "/", NULL, c->o.endpoint, action, c->o.version, a->date, a->nonce,
                              FORM_TYPE, k->security_token, NULL, 0};
    char *form = aliyun_canonical_query(params);

    if (form == NULL)
        return err_nomem(err);
    if (is_get(c)) {  /* the parameters are the signed query; no body, no content type */
        r.query = params;
        r.content_type = NULL;
        a->url = str_printf("%s?%s", c->url, form);
        free(form);
        if (a->url == NULL)
            return err_nomem(err);
    } else {
        r.body = a->body = form;
        r.body_len = strlen(form);
        a->ctype = FORM_TYPE;
    }
    return sign_v3(c, &r, a, err);
}

/* ROA with V3 (Alibaba's V3 signature document: the canonical URI is the path, the hashed payload the
 * JSON body's SHA-256; action and version still travel as x-acs-action and x-acs-version). */
static int build_roa(const struct aliyun_client *c, const char *action, const struct roa *q, struct attempt *a,
                     struct err *err)
{
    const struct aliyun_creds *k = c->o.creds;
    struct aliyun_v3_req r = {q->method, q->path, NULL, c->o.endpoint, action, c->o.version, a->date, a->nonce,
                              NULL, k->security_token, NULL, 0};

    if ((a->url = str_printf("https://%s%s", c->o.endpoint, q->path)) == NULL)
        return err_nomem(err);
    if (q->body != NULL) {
        if ((a->body = json_dumps(q->body, JSON_COMPACT)) == NULL)
            return err_nomem(err);
        r.body = a->body;
        r.body_len = strlen(a->body);
        r.content_type = a->ctype = JSON_TYPE;
    }
    return sign_v3(c, &r, a, err);
}

/* Alibaba V2 RPC: the common parameters join the API's, all of them signed, Signature appended last. */
static int build_v2(const struct aliyun_client *c, const char *action, const struct kvlist *params,
                    struct attempt *a, struct err *err)
{
    const struct aliyun_creds *k = c->o.creds;
    struct kv all[MAX_PARAMS] = {
        {"Action", action}, {"Version", c->o.version}, {"Format", "JSON"}, {"AccessKeyId", k->key_id},
        {"SignatureMethod", "HMAC-SHA1"}, {"SignatureNonce", a->nonce}, {"SignatureVersion", "1.0"},
        {"Timestamp", a->date}, {"SecurityToken", k->security_token},
    };
    size_t n = k->security_token != NULL ? 9 : 8;
    struct kvlist l = {all, n};
    char *query = NULL, *sig = NULL, *esig = NULL;
    int rc;

    if (params != NULL && params->n > MAX_PARAMS - n)
        return err_set(err, CP_EUSAGE, "%s: %s: too many parameters", c->o.product, action);
    for (size_t i = 0; params != NULL && i < params->n; i++)
        all[l.n++] = params->items[i];
    if ((rc = aliyun_sign_v2(c->o.method, &l, k->secret, NULL, &sig, err)) != CP_OK)
        return rc;
    query = aliyun_canonical_query(&l);
    esig = aliyun_pct_encode(sig);
    if (query == NULL || esig == NULL ||
        (is_get(c) ? (a->url = str_printf("%s?%s&Signature=%s", c->url, query, esig)) == NULL
                   : (a->body = str_printf("%s&Signature=%s", query, esig)) == NULL) ||
        add_header(a, "Accept", "application/json") != CP_OK)
        rc = err_nomem(err);
    a->ctype = a->body != NULL ? FORM_TYPE : NULL;
    secret_free(query, query != NULL ? strlen(query) : 0);
    free(sig);
    free(esig);
    return rc;
}

static bool is_auth_code(const char *code)
{
    static const char *const prefixes[] = {"SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId",
                                           "InvalidSecurityToken", "InvalidTimeStamp", "SignatureNonceUsed",
                                           "Forbidden", "MissingSecurityToken", NULL};

    for (size_t i = 0; prefixes[i] != NULL; i++)
        if (str_has_prefix(code, prefixes[i]))
            return true;
    return false;
}

/* s sanitised, then each credential of k (may be NULL) and every piece of sent (may be NULL) in it, in
 * whatever form a server quoted it, as "[secret]" (malloc'd; NULL: no memory). Controls go first: a
 * secret with controls inside is still the secret. */
static char *scrubbed(const char *s, const struct aliyun_creds *k, const char *sent)
{
    const char *secrets[] = {k != NULL ? k->secret : NULL, k != NULL ? k->security_token : NULL, sent};
    const size_t pieces[] = {CRED_PIECE, CRED_PIECE, SENT_PIECE};
    char *cur = str_dup(s);

    if (cur != NULL)
        str_sanitize(cur);
    for (size_t i = 0; cur != NULL && i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        char *next = redact(cur, secrets[i], pieces[i], "[secret]", NULL);
        secret_free(cur, strlen(cur));
        cur = next;
    }
    return cur;
}

static int code_rc(const char *code)
{
    if (str_has_prefix(code, "Throttling"))
        return CP_ETIMEOUT;
    return is_auth_code(code) ? CP_EUSAGE : CP_EPROTO;
}

int aliyun_error_line(const char *product, const json_t *reply, const struct aliyun_creds *k, const char *sent,
                      char *line, size_t size)
{
    const char *code = json_string_value(json_object_get(reply, "Code"));
    const char *msg = json_string_value(json_object_get(reply, "Message"));
    const char *rid = json_string_value(json_object_get(reply, "RequestId"));
    char *raw = NULL, *clean = NULL;

    code = code != NULL ? code : "(no Code)";
    rid = rid != NULL ? rid : "none";
    if (sent != NULL)  /* no scrubber knows every form a server may quote it in: none of its text */
        raw = str_printf("%s: %s (RequestId %s; the Message is not shown: the request carried a secret)", product,
                         code, rid);
    else
        raw = str_printf("%s: %s: %s (RequestId %s)", product, code, msg != NULL ? msg : "(no Message)", rid);
    /* the secrets anywhere, the code or the id included, and only then cut to size */
    clean = raw != NULL ? scrubbed(raw, k, sent) : NULL;
    snprintf(line, size, "%s", clean != NULL ? clean : "(out of memory reading the error reply)");
    str_sanitize(line);  /* a character the cut split in two */
    free(raw);
    free(clean);
    return code_rc(code);
}

/* out->code: the reply's Code as error lines show it (decisions compare it with known codes). */
static void set_code(struct aliyun_reply *out, const json_t *j, const struct aliyun_creds *k, const char *sent)
{
    char *code = scrubbed(json_string_value(json_object_get(j, "Code")), k, sent);

    snprintf(out->code, sizeof(out->code), "%s", code != NULL ? code : "");
    str_sanitize(out->code);
    free(code);
}

/* A transport's error line may name the URL (a GET's query holds V2's SecurityToken). */
static void scrub_err(struct err *err, const struct aliyun_creds *k, const char *sent)
{
    char *clean = err != NULL ? scrubbed(err->msg, k, sent) : NULL;

    if (clean != NULL)
        err_set(err, err->code, "%s", clean);
    free(clean);
}

/* Success replies of some products carry Code "200"/"OK"/"Success"; anything else in Code is an error. */
static bool is_error_reply(const json_t *j)
{
    const char *code = json_string_value(json_object_get(j, "Code"));

    return code != NULL && strcmp(code, "200") != 0 && strcasecmp(code, "OK") != 0 &&
           strcasecmp(code, "Success") != 0;
}

/* Newer ROA products (APIG) answer {code, message, requestId}: read as Code, Message, RequestId. */
static void lower_case_reply(json_t *j)
{
    static const char *const names[][2] = {{"code", "Code"}, {"message", "Message"}, {"requestId", "RequestId"}};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (json_object_get(j, names[i][0]) != NULL && json_object_get(j, names[i][1]) == NULL)
            json_object_set(j, names[i][1], json_object_get(j, names[i][0]));
}

/* Turn one HTTP response into out->json, or an error (out->code set when the reply had one). */
static int read_reply(const struct aliyun_client *c, const char *action, const struct http_response *resp,
                      const char *sent, struct aliyun_reply *out, struct err *err)
{
    json_t *j = resp->body.len > 0 ? json_loadb(resp->body.data, resp->body.len, 0, NULL) : NULL;
    char line[sizeof(err->msg)];
    int rc;

    if (json_is_object(j) && json_object_get(j, "Code") == NULL && json_is_string(json_object_get(j, "code")))
        lower_case_reply(j);
    if (!json_is_object(j)) {
        json_decref(j);
        return err_set(err, CP_EPROTO, "%s: %s: HTTP %ld from %s without a JSON reply", c->o.product, action,
                       resp->status, c->o.endpoint);
    }
    if (is_error_reply(j)) {
        set_code(out, j, c->o.creds, sent);
        rc = aliyun_error_line(c->o.product, j, c->o.creds, sent, line, sizeof(line));
        json_decref(j);
        return err_set(err, rc, "%s", line);
    }
    if (resp->status >= 300) {
        json_decref(j);
        return err_set(err, CP_EPROTO, "%s: %s: HTTP %ld from %s without an error Code", c->o.product, action,
                       resp->status, c->o.endpoint);
    }
    out->json = j;
    return CP_OK;
}

static int build(const struct aliyun_client *c, const char *action, const struct kvlist *params,
                 const struct roa *roa, struct attempt *a, struct err *err)
{
    if (roa != NULL)
        return build_roa(c, action, roa, a, err);
    return c->o.sig == ALIYUN_SIG_V2 ? build_v2(c, action, params, a, err) : build_v3(c, action, params, a, err);
}

static int one_attempt(struct aliyun_client *c, const char *action, const struct kvlist *params,
                       const struct roa *roa, const char *sent, struct aliyun_reply *out, struct err *err)
{
    struct http_transport *t = c->o.http != NULL ? c->o.http : c->owned;
    struct http_response resp = {0};
    struct attempt a;
    int rc;

    if ((rc = aliyun_creds_fresh(c->o.creds, err)) != CP_OK) {
        err_prefix(err, "%s: %s: ", c->o.product, action);
        return rc;
    }
    if ((rc = attempt_init(&a, err)) != CP_OK)
        return rc;
    rc = build(c, action, params, roa, &a, err);
    if (rc == CP_OK) {
        struct http_request req = {roa != NULL ? roa->method : c->o.method, a.url ? a.url : c->url, a.ctype,
                                   a.body, a.body ? strlen(a.body) : 0, (const char *const *)a.hdr};
        rc = http_send(t, &req, &resp, err);
    }
    if (rc == CP_OK) {
        rc = read_reply(c, action, &resp, sent, out, err);
    } else if (err != NULL) {
        err_prefix(err, "%s: %s: ", c->o.product, action);
        scrub_err(err, c->o.creds, sent);
    }
    http_response_free(&resp);
    attempt_free(&a);
    return rc;
}

static void real_sleep(void *ud, long ms)
{
    (void)ud;
    clock_sleep_ms(ms);
}

static int call(struct aliyun_client *c, const char *action, const struct kvlist *params, const struct roa *roa,
                const char *sent, struct aliyun_reply *out, struct err *err)
{
    int tries = c->o.max_tries > 0 ? c->o.max_tries : 5, rc = CP_OK;
    long wait_ms = 1000;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < tries; i++, wait_ms *= 2) {
        out->code[0] = '\0';
        rc = one_attempt(c, action, params, roa, sent, out, err);
        /* Alibaba: Throttling.User / Throttling.Api ask the caller to slow down and try again */
        if (rc == CP_OK || !str_has_prefix(out->code, "Throttling") || i + 1 == tries)
            break;
        log_info(c->o.log, "%s: %s: %s, retrying in %ld ms", c->o.product, action, out->code, wait_ms);
        (c->o.sleep_ms != NULL ? c->o.sleep_ms : real_sleep)(c->o.sleep_ud, wait_ms);
    }
    log_debug(c->o.log, "%s: %s -> %s", c->o.product, action, rc == CP_OK ? "ok" : out->code);
    return rc;
}

int aliyun_call(struct aliyun_client *c, const char *action, const struct kvlist *params,
                struct aliyun_reply *out, struct err *err)
{
    return call(c, action, params, NULL, NULL, out, err);
}

int aliyun_call_secret(struct aliyun_client *c, const char *action, const struct kvlist *params, const char *sent,
                       struct aliyun_reply *out, struct err *err)
{
    return call(c, action, params, NULL, sent, out, err);
}

int aliyun_call_roa(struct aliyun_client *c, const char *method, const char *path, const char *action,
                    const json_t *body, const char *sent, struct aliyun_reply *out, struct err *err)
{
    struct roa q = {method, path, body};

    if (c->o.sig == ALIYUN_SIG_V2) {
        memset(out, 0, sizeof(*out));
        return err_set(err, CP_EUSAGE, "%s: %s is a ROA-style API: signature v2 is not supported for it, use v3",
                       c->o.product, action);
    }
    if (path == NULL || path[0] != '/' || strpbrk(path, "?# \t") != NULL ||
        (strcmp(method, "GET") != 0 && strcmp(method, "PUT") != 0 && strcmp(method, "POST") != 0)) {
        memset(out, 0, sizeof(*out));
        return err_set(err, CP_EUSAGE, "%s: %s: %s %s is not a ROA request this client makes", c->o.product,
                       action, method, path != NULL ? path : "(no path)");
    }
    return call(c, action, NULL, &q, sent, out, err);
}

void aliyun_reply_free(struct aliyun_reply *r)
{
    if (r == NULL)
        return;
    json_decref(r->json);
    r->json = NULL;
    r->code[0] = '\0';
}

/* host[:port] only: a scheme, path or space would change what is signed as Host. */
static int check_endpoint(const char *product, const char *e, struct err *err)
{
    if (e == NULL || *e == '\0' || strpbrk(e, "/?#@ \t") != NULL)
        return err_set(err, CP_EUSAGE, "%s: endpoint \"%s\" must be a host name with an optional :port "
                       "(no scheme or path)", product, e ? e : "");
    return CP_OK;
}

struct aliyun_client *aliyun_client_new(const struct aliyun_client_opts *o, struct err *err)
{
    struct aliyun_client *c = NULL;
    struct http_opts ho = {.ca_bundle = o->ca_bundle, .log = o->log};

    if (check_endpoint(o->product, o->endpoint, err) != CP_OK)
        return NULL;
    if (o->method != NULL && strcmp(o->method, "GET") != 0 && strcmp(o->method, "POST") != 0) {
        err_set(err, CP_EUSAGE, "%s: HTTP method %s: only GET and POST", o->product, o->method);
        return NULL;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL || (c->url = str_printf("https://%s/", o->endpoint)) == NULL) {
        free(c);
        err_nomem(err);
        return NULL;
    }
    c->o = *o;
    c->o.method = o->method != NULL ? o->method : "POST";
    if (o->http == NULL && (c->owned = http_curl_new(&ho, err)) == NULL) {
        aliyun_client_free(c);
        return NULL;
    }
    return c;
}

void aliyun_client_free(struct aliyun_client *c)
{
    if (c == NULL)
        return;
    http_transport_free(c->owned);
    free(c->url);
    free(c);
}
