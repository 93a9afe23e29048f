/*
 * http/curl.c — the libcurl transport: one easy handle for the whole run,
 * so every request to the CA reuses the same TLS connection (keep-alive).
 * TLS verification is always on; a CA bundle only adds trust.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http/http.h"
#include "http/share.h"
#include "util/str.h"

#define DEFAULT_MAX_BODY (4u * 1024 * 1024)
/* libcurl 7.88 bounds each header line but not their number */
#define MAX_HEADER_BYTES (256u * 1024)

struct curl_transport {
    struct http_transport base;
    CURL *curl;
    size_t max_body;
    const struct logger *log;
    char *language;                /* "Accept-Language: ..." or NULL */
    char errbuf[CURL_ERROR_SIZE];  /* libcurl's detail for the last failure */
};

/* Per-request state the callbacks fill. */
struct sink {
    struct http_response *resp;
    size_t max_body;
    size_t header_bytes;
    bool too_big;
    bool headers_too_big;
    bool nomem;
};

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t len = size * n;

    if (len > s->max_body - s->resp->body.len) {
        s->too_big = true;
        return 0;  /* anything but len makes libcurl abort with CURLE_WRITE_ERROR */
    }
    if (buf_append(&s->resp->body, data, len) != CP_OK) {
        s->nomem = true;
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
    struct http_header *h = NULL;

    if (colon == NULL)
        return CP_OK;  /* the blank line ending the headers */
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

    if ((s->header_bytes += len) > MAX_HEADER_BYTES) {
        s->headers_too_big = true;
        return 0;
    }
    /* a new status line (after a 1xx) starts the header set of the next response */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        drop_headers(s->resp);
        s->header_bytes = len;
    } else if (add_header(s->resp, data, len) != CP_OK) {
        s->nomem = true;
        return 0;
    }
    return len;
}

/* Our own words for the failures a user meets most, so a message (and a script that reads
 * it) does not change with libcurl's wording ("Couldn't connect" in 7.88, "Could not" in 8.x);
 * libcurl's detail still follows in parentheses. */
static const char *curl_error_words(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
        return "cannot connect to the server";
    case CURLE_COULDNT_RESOLVE_HOST:
        return "cannot resolve the host name";
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "cannot resolve the proxy's host name";
    case CURLE_OPERATION_TIMEDOUT:
        return "timed out";
    case CURLE_PEER_FAILED_VERIFICATION:
        return "the server's TLS certificate is not trusted";
    default:
        return curl_easy_strerror(cc);
    }
}

static int map_curl_error(CURLcode cc, const struct curl_transport *ct, const struct sink *s,
                          const struct http_request *req, struct err *err)
{
    const char *what = curl_error_words(cc);
    int code = cc == CURLE_OPERATION_TIMEDOUT ? CP_ETIMEOUT : CP_ENET;

    if (s->too_big)
        return err_set(err, CP_EPROTO, "response body from %s exceeds %zu bytes", req->url, s->max_body);
    if (s->headers_too_big)
        return err_set(err, CP_EPROTO, "response headers from %s exceed %u bytes", req->url,
                       MAX_HEADER_BYTES);
    if (s->nomem || cc == CURLE_OUT_OF_MEMORY)
        return err_nomem(err);
    /* errbuf names the cause ("SSL certificate problem: ...", "Failed to connect to ...") */
    if (ct->errbuf[0] != '\0')
        return err_set(err, code, "%s %s: %s (%s)", req->method, req->url, what, ct->errbuf);
    return err_set(err, code, "%s %s: %s", req->method, req->url, what);
}

/* Append line to h; on failure free all of h and return NULL. */
static struct curl_slist *append_or_free(struct curl_slist *h, const char *line)
{
    struct curl_slist *next = curl_slist_append(h, line);

    if (next == NULL)
        curl_slist_free_all(h);
    return next;
}

/* The server took the request and then failed us: a reset, nothing or part of a body. */
static bool broken_midway(CURLcode cc)
{
    return cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
           cc == CURLE_PARTIAL_FILE || cc == CURLE_HTTP2 || cc == CURLE_HTTP2_STREAM;
}

/* Per-request headers: our Content-Type or none at all, no Expect, then the caller's. */
static struct curl_slist *request_headers(const struct curl_transport *t, const struct http_request *req)
{
    struct curl_slist *h = NULL;
    char *ct = NULL;

    /* "Content-Type:" with no value stops libcurl adding its form type to a POST */
    ct = req->content_type ? str_printf("Content-Type: %s", req->content_type) : strdup("Content-Type:");
    if (ct == NULL)
        return NULL;
    h = curl_slist_append(NULL, ct);
    free(ct);
    /* no "Expect: 100-continue" round trip for our small bodies */
    if (h != NULL)
        h = append_or_free(h, "Expect:");
    if (h != NULL && t->language != NULL)
        h = append_or_free(h, t->language);
    for (size_t i = 0; h != NULL && req->headers != NULL && req->headers[i] != NULL; i++)
        h = append_or_free(h, req->headers[i]);
    return h;
}

/* Options that differ per request; everything else was set once. */
static void prepare(struct curl_transport *ct, const struct http_request *req, struct curl_slist *hdrs,
                    struct sink *s)
{
    CURL *c = ct->curl;

    ct->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    /* HTTPGET resets the method (and NOBODY, POST) left by the previous request, so it goes first */
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
    if (strcmp(req->method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
    }
    if (strcmp(req->method, "PUT") == 0)  /* a body sent as POST's is, with the method renamed */
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
}

/* Nothing that pointed into this call (headers, the caller's body, our sink) stays in the handle. */
static void unprepare(CURL *c)
{
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, NULL);
}

static bool known_method(const char *m)
{
    return m != NULL && (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "POST") == 0 ||
                         strcmp(m, "PUT") == 0);
}

static int curl_send(struct http_transport *t, const struct http_request *req,
                     struct http_response *resp, struct err *err)
{
    struct curl_transport *ct = (struct curl_transport *)t;
    struct sink s = {.resp = resp, .max_body = ct->max_body};
    struct curl_slist *hdrs = NULL;
    CURLcode cc;
    long version = 0;
    int rc = CP_OK;

    memset(resp, 0, sizeof(*resp));
    if (!known_method(req->method) || req->url == NULL)
        return err_set(err, CP_EUSAGE, "HTTP method %s is not supported", req->method ? req->method : "(none)");
    if ((hdrs = request_headers(ct, req)) == NULL)
        return err_nomem(err);
    prepare(ct, req, hdrs, &s);
    cc = curl_easy_perform(ct->curl);
    unprepare(ct->curl);
    curl_slist_free_all(hdrs);
    if (cc != CURLE_OK) {
        rc = map_curl_error(cc, ct, &s, req, err);
        http_response_free(resp);
        resp->broken = rc == CP_ENET && broken_midway(cc);
        log_debug(ct->log, "%s %s -> %s", req->method, req->url, curl_easy_strerror(cc));
        return rc;
    }
    curl_easy_getinfo(ct->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_easy_getinfo(ct->curl, CURLINFO_HTTP_VERSION, &version);
    log_debug(ct->log, "%s %s -> %ld (%s)", req->method, req->url, resp->status,
              version == CURL_HTTP_VERSION_2_0 ? "HTTP/2" : version == CURL_HTTP_VERSION_1_0 ? "HTTP/1.0" : "HTTP/1.1");
    return CP_OK;
}

static void curl_free_transport(struct http_transport *t)
{
    struct curl_transport *ct = (struct curl_transport *)t;

    if (ct == NULL)
        return;
    curl_easy_cleanup(ct->curl);
    free(ct->language);
    free(ct);
    curl_global_cleanup();  /* reference-counted by libcurl: one per http_curl_new */
}

/* --ca-bundle must name a readable regular file, so a typo is not silently "no extra trust". */
static int check_ca_bundle(const char *path, struct err *err)
{
    struct stat st;

    if (stat(path, &st) != 0 || access(path, R_OK) != 0)
        return err_set(err, CP_EUSAGE, "CA bundle %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return err_set(err, CP_EUSAGE, "CA bundle %s: not a regular file", path);
    return CP_OK;
}

/* Options that hold for every request of the run. */
static int configure(struct curl_transport *ct, const struct http_opts *o, struct err *err)
{
    CURL *c = ct->curl;
    char ua[64];
    int rc;

    snprintf(ua, sizeof(ua), "certpilot/%s", cp_version());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ct->errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  /* no SIGALRM for resolver time-outs: we have threads */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  /* RFC 8555 never needs a redirect */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s > 0 ? o->connect_timeout_s : 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s > 0 ? o->timeout_s : 60L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : ua);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    /* HTTP/2 when the server offers it in the TLS handshake (ALPN), else HTTP/1.1; the
     * connection is kept alive between the requests of a manager either way */
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    if (o->share != NULL)
        curl_easy_setopt(c, CURLOPT_SHARE, (CURLSH *)http_share_handle(o->share));
    if (o->ca_bundle == NULL)
        return CP_OK;
    if ((rc = check_ca_bundle(o->ca_bundle, err)) != CP_OK)
        return rc;
    if (curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_bundle) != CURLE_OK)
        return err_set(err, CP_EUSAGE, "CA bundle %s: not accepted by libcurl", o->ca_bundle);
    return CP_OK;
}

struct http_transport *http_curl_new(const struct http_opts *o, struct err *err)
{
    struct curl_transport *ct = NULL;

    /* thread-safe and reference-counted since libcurl 7.84 */
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
    if (o->accept_language != NULL && strpbrk(o->accept_language, "\r\n") == NULL &&
        (ct->language = str_printf("Accept-Language: %s", o->accept_language)) == NULL) {
        curl_free_transport(&ct->base);
        err_nomem(err);
        return NULL;
    }
    ct->log = o->log;
    if (configure(ct, o, err) != CP_OK) {
        curl_free_transport(&ct->base);
        return NULL;
    }
    return &ct->base;
}
