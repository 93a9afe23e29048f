/*
 * http/url — the pieces of a URL certpilot needs outside the transport
 * (libcurl's URL API does the parsing).
 */
#ifndef CP_HTTP_URL_H
#define CP_HTTP_URL_H

#include "util/err.h"

/* Host and port of an http(s) URL (default ports filled in). *host malloc'd.
 * CP_EUSAGE naming the URL when it is not an absolute http(s) URL. */
int url_host_port(const char *url, char **host, long *port, struct err *err) CP_WUR;

#endif
