/*
 * http — the one HTTP seam of certpilot.
 *
 * struct http_transport is an interface so the ACME engine can be tested
 * offline with a scripted transport. http_curl_new() is the real one: a
 * single libcurl easy handle reused for the whole run (keep-alive), TLS
 * verification always on, connect and total timeouts, a cap on body size.
 * It knows nothing about ACME JSON.
 */
#ifndef CP_HTTP_HTTP_H
#define CP_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"

struct http_header {
    char *name;   /* as sent by the server */
    char *value;  /* trimmed of surrounding white space */
};

struct http_response {
    long status;
    struct buf body;
    struct http_header *headers;  /* of the final response only (after any 1xx) */
    size_t nheaders;
    bool broken;  /* with CP_ENET: the connection broke after the request went out
                     (reset, empty reply, truncated body), so trying again may work */
};

struct http_request {
    const char *method;        /* "GET", "HEAD", "POST", "PUT" */
    const char *url;
    const char *content_type;  /* NULL: no Content-Type header */
    const void *body;          /* NULL for none */
    size_t body_len;
    /* Extra request headers, "Name: value", NULL-terminated; NULL for none.
     * Never logged (they may carry signatures or tokens). */
    const char *const *headers;
};

struct http_share;

struct http_transport {
    /* Send one request; fill resp (which the caller has zeroed or freed).
     * Any complete HTTP response, whatever its status, returns 0.
     * CP_ENET when the server cannot be reached or TLS fails; CP_ETIMEOUT;
     * CP_EPROTO when the body exceeds max_body (or the headers 256 KiB);
     * CP_EUSAGE for a method other than GET, HEAD or POST. */
    int (*send)(struct http_transport *t, const struct http_request *req,
                struct http_response *resp, struct err *err);
    void (*free)(struct http_transport *t);
};

struct http_opts {
    const char *ca_bundle;     /* PEM file of the roots to trust instead of the system store; NULL: system store */
    long connect_timeout_s;    /* 0: 10 s */
    long timeout_s;            /* whole request; 0: 60 s */
    size_t max_body;           /* 0: 4 MiB */
    const char *user_agent;    /* NULL: "certpilot/<version>" */
    const char *accept_language;  /* sent as Accept-Language (RFC 8555 §6.7: problem text language); NULL: none */
    const struct logger *log;  /* borrowed, may be NULL; logs method, URL, status at debug */
    struct http_share *share;  /* borrowed, may be NULL: DNS cache and TLS sessions shared with
                                  other transports (http/share.h) */
};

/* A libcurl transport. CP_EUSAGE when ca_bundle is set but unreadable. */
struct http_transport *http_curl_new(const struct http_opts *opts, struct err *err);

static inline int http_send(struct http_transport *t, const struct http_request *req,
                            struct http_response *resp, struct err *err)
{
    return t->send(t, req, resp, err);
}

static inline void http_transport_free(struct http_transport *t)
{
    if (t != NULL)
        t->free(t);
}

/* Release everything the response holds and zero it. */
void http_response_free(struct http_response *r);

/* First header named name (case-insensitive), or NULL. Borrowed. */
const char *http_header_get(const struct http_response *r, const char *name);

/*
 * RFC 8288 Link headers: every target URI whose rel parameter includes rel
 * (e.g. "alternate", "up", "index"), across all Link headers and all
 * comma-separated links in each. Relative targets are returned as given.
 * *out is a malloc'd array of malloc'd strings (free each, then the array);
 * returns the count (>= 0) or CP_ENOMEM.
 */
int http_links(const struct http_response *r, const char *rel, char ***out);

/*
 * RFC 9110 §10.2.3 Retry-After: delta-seconds or an HTTP-date (relative to
 * now). Past dates give 0. Returns 0 and sets *seconds, or CP_EINVALID.
 */
int http_retry_after(const char *value, time_t now, long *seconds) CP_WUR;

#endif
