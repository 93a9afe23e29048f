/*
 * http/http.c — response helpers that need no network: header lookup,
 * RFC 8288 Link parsing, RFC 9110 Retry-After parsing.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include "http/http.h"

#include <ctype.h>
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

/* Does the space-separated rel value list [v, v+len) contain rel? */
static int rel_matches(const char *v, size_t len, const char *rel)
{
    size_t rl = strlen(rel);
    const char *end = v + len;

    while (v < end) {
        const char *w = v;
        while (w < end && *w != ' ')
            w++;
        if ((size_t)(w - v) == rl && strncasecmp(v, rel, rl) == 0)
            return 1;
        v = w + 1;
    }
    return 0;
}

/* Parse the parameters after "<uri>" up to the next ',' at top level; *p advances past them. */
static int params_have_rel(const char **p, const char *rel)
{
    const char *s = *p;
    int found = 0;

    while (*(s = skip_ws(s)) == ';') {
        const char *name = skip_ws(s + 1), *val, *vend;
        size_t nlen = strcspn(name, "=;, \t");
        s = skip_ws(name + nlen);
        if (*s != '=')
            continue;
        s = skip_ws(s + 1);
        if (*s == '"') {
            val = s + 1;
            vend = strchr(val, '"');
            if (vend == NULL)
                vend = val + strlen(val);
            s = *vend ? vend + 1 : vend;
        } else {
            val = s;
            vend = val + strcspn(val, ";, \t");
            s = vend;
        }
        if (nlen == 3 && strncasecmp(name, "rel", 3) == 0 && rel_matches(val, (size_t)(vend - val), rel))
            found = 1;
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

/* RFC 8288 §3: Link = #( "<" URI-Reference ">" *( ";" link-param ) ) */
static int links_in(const char *v, const char *rel, char ***out, int *n)
{
    const char *p = v;

    while (*(p = skip_ws(p)) != '\0') {
        const char *uri, *close;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '<')
            return CP_OK;  /* malformed: keep what was found */
        uri = p + 1;
        if ((close = strchr(uri, '>')) == NULL)
            return CP_OK;
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

/* RFC 9110 §10.2.3: delay-seconds or an IMF-fixdate. */
int http_retry_after(const char *value, time_t now, long *seconds)
{
    struct tm tm;
    const char *end;
    char *num_end = NULL;
    long v;
    time_t t;

    value = skip_ws(value);
    if (isdigit((unsigned char)*value)) {
        v = strtol(value, &num_end, 10);
        if (*skip_ws(num_end) != '\0' || v < 0)
            return CP_EINVALID;
        *seconds = v;
        return CP_OK;
    }
    memset(&tm, 0, sizeof(tm));
    end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == NULL || *skip_ws(end) != '\0')
        return CP_EINVALID;
    t = timegm(&tm);
    *seconds = t > now ? (long)(t - now) : 0;
    return CP_OK;
}
