#include "util/str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

char *str_printf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *str_dup(const char *s)
{
    return s == NULL ? NULL : strdup(s);
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, unsigned *cp)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2 || c > 0xF4)
        return 0;  /* a continuation byte, an overlong lead or beyond U+10FFFF */
    n = c <= 0xDF ? 2 : c <= 0xEF ? 3 : 4;
    *cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    if (c == 0xE0)
        lo = 0xA0;  /* overlong */
    else if (c == 0xED)
        hi = 0x9F;  /* UTF-16 surrogates */
    else if (c == 0xF0)
        lo = 0x90;  /* overlong */
    else if (c == 0xF4)
        hi = 0x8F;  /* above U+10FFFF */
    for (size_t i = 1; i < n; i++) {
        if (p[i] < lo || p[i] > hi)
            return 0;  /* also stops at the terminating NUL */
        *cp = (*cp << 6) | (p[i] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    return n;
}

/* Code points that steer a terminal or reorder what a reader sees:
 * C0 controls, DEL, C1 controls, and the bidi embedding/override/isolate controls. */
static bool is_steering(unsigned cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void str_sanitize(char *s)
{
    unsigned char *in = (unsigned char *)s, *out = (unsigned char *)s;
    unsigned cp = 0;
    size_t n;

    while (in != NULL && *in != '\0') {
        n = utf8_len(in, &cp);
        if (n == 0) {
            *out++ = '?';  /* not UTF-8: one '?' per bad byte, so the text never grows */
            in++;
            continue;
        }
        if (cp == '\t' || cp == '\n' || cp == '\r')
            *out++ = ' ';  /* keeps words apart on one line */
        else if (!is_steering(cp)) {
            memmove(out, in, n);
            out += n;
        }
        in += n;
    }
    if (out != NULL)
        *out = '\0';
}

char *str_escape(const char *s, size_t len)
{
    const unsigned char *in = (const unsigned char *)s;
    char *out = malloc(len * 4 + 1), *o = out;
    unsigned cp = 0;
    size_t n;

    for (size_t i = 0; out != NULL && i < len; i += n) {
        n = utf8_len(in + i, &cp);
        if (n == 0 || n > len - i || is_steering(cp) || cp == '"' || cp == '\\') {
            o += sprintf(o, "\\x%02x", in[i]);  /* this byte alone; the next starts afresh */
            n = 1;
            continue;
        }
        memcpy(o, in + i, n);
        o += n;
    }
    if (out != NULL)
        *o = '\0';
    return out;
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void str_free(char **p)
{
    free(*p);
    *p = NULL;
}

void secret_free(void *p, size_t len)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, len);
    free(p);
}

bool str_to_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    long n;

    if (s == NULL)
        return false;
    errno = 0;
    n = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n < min || n > max)
        return false;
    *out = n;
    return true;
}
