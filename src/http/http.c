/*
 * http/http.c — response helpers that need no network: header lookup,
 * RFC 8288 Link parsing, RFC 9110 Retry-After parsing.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include "http/http.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

void http_response_free(struct http_response *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    buf_free(&r->body);
    memset(r, 0, sizeof(*r));
}

/* RFC 9110 §5.1: field names are case-insensitive. */
const char *http_header_get(const struct http_response *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* RFC 8288 §3.3: rel holds one or more relation types separated by white space,
 * compared case-insensitively. Does [v, v+len) contain rel? */
static bool rel_matches(const char *v, size_t len, const char *rel)
{
    size_t rl = strlen(rel);
    const char *end = v + len;

    while (v < end) {
        const char *w = v;
        while (w < end && *w != ' ' && *w != '\t')
            w++;
        if ((size_t)(w - v) == rl && strncasecmp(v, rel, rl) == 0)
            return true;
        v = w + 1;
    }
    return false;
}

/* A parameter value at s: a quoted-string (RFC 9110 §5.6.4, with \-escapes) or a token.
 * Sets [*val, *vend) and returns the position after it. */
static const char *param_value(const char *s, const char **val, const char **vend)
{
    if (*s != '"') {
        *val = s;
        *vend = s + strcspn(s, ";, \t");
        return *vend;
    }
    *val = ++s;
    while (*s != '\0' && *s != '"')
        s += (*s == '\\' && s[1] != '\0') ? 2 : 1;
    *vend = s;
    return *s == '"' ? s + 1 : s;
}

/* The link-params after "<uri>", up to the next top-level ','; *p advances past them.
 * RFC 8288 §3.3: only the first rel parameter counts. */
static bool params_have_rel(const char **p, const char *rel)
{
    const char *s = *p;
    bool found = false, seen_rel = false;

    while (*(s = skip_ws(s)) == ';') {
        const char *name = skip_ws(s + 1), *val = NULL, *vend = NULL;
        size_t nlen = strcspn(name, "=;, \t");
        s = skip_ws(name + nlen);
        if (*s != '=')
            continue;
        s = param_value(skip_ws(s + 1), &val, &vend);
        if (nlen == 3 && strncasecmp(name, "rel", 3) == 0 && !seen_rel) {
            seen_rel = true;
            found = rel_matches(val, (size_t)(vend - val), rel);
        }
    }
    *p = s;
    return found;
}

static int push(char ***out, int *n, const char *uri, size_t len)
{
    char **grown = realloc(*out, (size_t)(*n + 1) * sizeof(char *));

    if (grown == NULL)
        return CP_ENOMEM;
    *out = grown;
    if ((grown[*n] = strndup(uri, len)) == NULL)
        return CP_ENOMEM;
    (*n)++;
    return CP_OK;
}

/* RFC 8288 §3: Link = #link-value; link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param ) */
static int links_in(const char *v, const char *rel, char ***out, int *n)
{
    const char *p = v;

    while (*(p = skip_ws(p)) != '\0') {
        const char *uri = NULL, *close = NULL;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '<' || (close = strchr(p + 1, '>')) == NULL)
            return CP_OK;  /* malformed: keep what was found before it */
        uri = p + 1;
        p = close + 1;
        if (params_have_rel(&p, rel) && push(out, n, uri, (size_t)(close - uri)) != CP_OK)
            return CP_ENOMEM;
        p += strcspn(p, ",");
    }
    return CP_OK;
}

int http_links(const struct http_response *r, const char *rel, char ***out)
{
    int n = 0;

    *out = NULL;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, "Link") != 0)
            continue;
        if (links_in(r->headers[i].value, rel, out, &n) != CP_OK) {
            for (int k = 0; k < n; k++)
                free((*out)[k]);
            free(*out);
            *out = NULL;
            return CP_ENOMEM;
        }
    }
    return n;
}

/* RFC 9110 §5.6.7: recipients accept IMF-fixdate and the obsolete RFC 850 and asctime forms. */
static int parse_http_date(const char *value, time_t *t)
{
    static const char *const formats[] = {
        "%a, %d %b %Y %H:%M:%S GMT",  /* Sun, 06 Nov 1994 08:49:37 GMT */
        "%A, %d-%b-%y %H:%M:%S GMT",  /* Sunday, 06-Nov-94 08:49:37 GMT */
        "%a %b %e %H:%M:%S %Y",       /* Sun Nov  6 08:49:37 1994 */
    };

    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        struct tm tm;
        const char *end = NULL;

        memset(&tm, 0, sizeof(tm));
        end = strptime(value, formats[i], &tm);
        if (end != NULL && *skip_ws(end) == '\0') {
            *t = timegm(&tm);
            return *t == (time_t)-1 ? CP_EINVALID : CP_OK;
        }
    }
    return CP_EINVALID;
}

/* RFC 9110 §10.2.3: Retry-After = HTTP-date / delay-seconds (1*DIGIT). */
int http_retry_after(const char *value, time_t now, long *seconds)
{
    char *num_end = NULL;
    time_t t = 0;
    long v;

    value = skip_ws(value);
    if (isdigit((unsigned char)*value)) {
        errno = 0;
        v = strtol(value, &num_end, 10);
        if (*skip_ws(num_end) != '\0')
            return CP_EINVALID;
        *seconds = errno == ERANGE ? LONG_MAX : v;  /* absurdly long: the caller caps it */
        return CP_OK;
    }
    if (parse_http_date(value, &t) != CP_OK)
        return CP_EINVALID;
    *seconds = t > now ? (long)(t - now) : 0;
    return CP_OK;
}
