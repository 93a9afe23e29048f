/*
 * http/share — what the transports of one run's workers share through
 * libcurl's share interface: the DNS cache and TLS sessions (so a worker's
 * new connection resumes a session another worker made). Thread-safe: one
 * lock per kind of shared data.
 *
 * Not the connection cache: libcurl documents sharing connections between
 * concurrent threads as unsupported, so each worker keeps its own kept-alive
 * connection (docs/ARCHITECTURE.md, "Many certificates at once").
 */
#ifndef CP_HTTP_SHARE_H
#define CP_HTTP_SHARE_H

#include "util/err.h"

struct http_share;

/* NULL with err set when libcurl cannot make one. Free after every transport using it. */
struct http_share *http_share_new(struct err *err);
void http_share_free(struct http_share *s);

/* The libcurl share handle (a CURLSH *), for the curl transport only. */
void *http_share_handle(struct http_share *s);

#endif
