/*
 * http/curl.c — the libcurl transport: one easy handle for the whole run,
 * so every request to the CA reuses the same TLS connection (keep-alive).
 * TLS verification is always on; --ca-bundle only adds trust.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http/http.h"
#include "util/str.h"

#define DEFAULT_MAX_BODY (4u * 1024 * 1024)

struct curl_transport {
    struct http_transport base;
    CURL *curl;
    size_t max_body;
    const struct logger *log;
};

/* Per-request state the callbacks fill. */
struct sink {
    struct http_response *resp;
    size_t max_body;
    int too_big;
    int nomem;
};

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t len = size * n;

    if (s->resp->body.len + len > s->max_body) {
        s->too_big = 1;
        return 0;
    }
    if (buf_append(&s->resp->body, data, len) != CP_OK) {
        s->nomem = 1;
        return 0;
    }
    return len;
}

static void drop_headers(struct http_response *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    r->headers = NULL;
    r->nheaders = 0;
}

static char *trimmed(const char *p, size_t len)
{
    while (len > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r' || p[len - 1] == '\n'))
        len--;
    return strndup(p, len);
}

static int add_header(struct http_response *r, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    struct http_header *h;

    if (colon == NULL)
        return CP_OK;  /* status line or the blank line ending the headers */
    h = realloc(r->headers, (r->nheaders + 1) * sizeof(*h));
    if (h == NULL)
        return CP_ENOMEM;
    r->headers = h;
    h[r->nheaders].name = trimmed(line, (size_t)(colon - line));
    h[r->nheaders].value = trimmed(colon + 1, len - (size_t)(colon - line) - 1);
    if (h[r->nheaders].name == NULL || h[r->nheaders].value == NULL) {
        free(h[r->nheaders].name);
        free(h[r->nheaders].value);
        return CP_ENOMEM;
    }
    r->nheaders++;
    return CP_OK;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t len = size * n;

    /* a new status line (after 1xx or a redirect) starts a new header set */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
        drop_headers(s->resp);
    else if (add_header(s->resp, data, len) != CP_OK) {
        s->nomem = 1;
        return 0;
    }
    return len;
}

static int map_curl_error(CURLcode cc, const struct sink *s, const struct http_request *req,
                          size_t max_body, struct err *err)
{
    if (s->too_big)
        return err_set(err, CP_EPROTO, "response body from %s exceeds %zu bytes", req->url, max_body);
    if (s->nomem || cc == CURLE_OUT_OF_MEMORY)
        return err_nomem(err);
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return err_set(err, CP_ETIMEOUT, "%s %s: %s", req->method, req->url, curl_easy_strerror(cc));
    return err_set(err, CP_ENET, "%s %s: %s", req->method, req->url, curl_easy_strerror(cc));
}

/* Options that differ per request; everything else was set once. */
static int prepare(CURL *c, const struct http_request *req, struct curl_slist **hdrs, struct sink *s)
{
    char *ct = NULL;

    curl_easy_setopt(c, CURLOPT_URL, req->url);
    /* HTTPGET resets the method (and NOBODY), so it goes first */
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_NOBODY, strcmp(req->method, "HEAD") == 0 ? 1L : 0L);
    if (strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    if (req->content_type != NULL) {
        if ((ct = str_printf("Content-Type: %s", req->content_type)) == NULL)
            return CP_ENOMEM;
        *hdrs = curl_slist_append(NULL, ct);
        free(ct);
        if (*hdrs == NULL)
            return CP_ENOMEM;
    }
    /* no "Expect: 100-continue" round trip for our small bodies */
    *hdrs = curl_slist_append(*hdrs, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
    return *hdrs ? CP_OK : CP_ENOMEM;
}

static int curl_send(struct http_transport *t, const struct http_request *req,
                     struct http_response *resp, struct err *err)
{
    struct curl_transport *ct = (struct curl_transport *)t;
    struct sink s = {resp, ct->max_body, 0, 0};
    struct curl_slist *hdrs = NULL;
    CURLcode cc;
    int rc;

    memset(resp, 0, sizeof(*resp));
    if (prepare(ct->curl, req, &hdrs, &s) != CP_OK) {
        curl_slist_free_all(hdrs);
        return err_nomem(err);
    }
    cc = curl_easy_perform(ct->curl);
    curl_easy_setopt(ct->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    if (cc != CURLE_OK) {
        rc = map_curl_error(cc, &s, req, ct->max_body, err);
        http_response_free(resp);
        log_debug(ct->log, "%s %s -> %s", req->method, req->url, curl_easy_strerror(cc));
        return rc;
    }
    curl_easy_getinfo(ct->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    log_debug(ct->log, "%s %s -> %ld", req->method, req->url, resp->status);
    return CP_OK;
}

static void curl_free_transport(struct http_transport *t)
{
    struct curl_transport *ct = (struct curl_transport *)t;

    if (ct == NULL)
        return;
    curl_easy_cleanup(ct->curl);
    free(ct);
    curl_global_cleanup();
}

/* Options that hold for every request of the run. */
static int configure(struct curl_transport *ct, const struct http_opts *o, struct err *err)
{
    CURL *c = ct->curl;
    char ua[64];

    snprintf(ua, sizeof(ua), "certpilot/%s", cp_version());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s > 0 ? o->connect_timeout_s : 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s > 0 ? o->timeout_s : 60L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : ua);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    if (o->ca_bundle == NULL)
        return CP_OK;
    if (access(o->ca_bundle, R_OK) != 0)
        return err_set(err, CP_EUSAGE, "CA bundle %s: %s", o->ca_bundle, strerror(errno));
    if (curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_bundle) != CURLE_OK)
        return err_set(err, CP_EUSAGE, "CA bundle %s: not accepted by libcurl", o->ca_bundle);
    return CP_OK;
}

struct http_transport *http_curl_new(const struct http_opts *o, struct err *err)
{
    struct curl_transport *ct;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        err_set(err, CP_ENET, "libcurl could not be initialised");
        return NULL;
    }
    ct = calloc(1, sizeof(*ct));
    if (ct == NULL || (ct->curl = curl_easy_init()) == NULL) {
        free(ct);
        curl_global_cleanup();
        err_nomem(err);
        return NULL;
    }
    ct->base.send = curl_send;
    ct->base.free = curl_free_transport;
    ct->max_body = o->max_body > 0 ? o->max_body : DEFAULT_MAX_BODY;
    ct->log = o->log;
    if (configure(ct, o, err) != CP_OK) {
        curl_free_transport(&ct->base);
        return NULL;
    }
    return &ct->base;
}
