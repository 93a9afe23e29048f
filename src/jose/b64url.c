#include "jose/b64url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* RFC 4648 §5: the URL- and filename-safe alphabet. */
static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool b64url_alphabet_only(const char *s)
{
    return s != NULL && *s != '\0' && strspn(s, alphabet) == strlen(s);
}

char *b64url_encode(const void *data, size_t len)
{
    const unsigned char *in = data;
    char *out, *p;
    size_t i;

    if (len > (SIZE_MAX - 1) / 4 * 3 - 2)
        return NULL;
    /* RFC 7515 §2: no '=' padding, so the last group is 2 or 3 chars. */
    out = malloc((len + 2) / 3 * 4 + 1);
    if (out == NULL)
        return NULL;
    p = out;
    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *p++ = alphabet[v >> 18 & 63];
        *p++ = alphabet[v >> 12 & 63];
        *p++ = alphabet[v >> 6 & 63];
        *p++ = alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        *p++ = alphabet[v >> 18 & 63];
        *p++ = alphabet[v >> 12 & 63];
        if (i + 1 < len)
            *p++ = alphabet[v >> 6 & 63];
    }
    *p = '\0';
    return out;
}

/* Value of one base64url character, or -1 when it is outside the alphabet. */
static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int b64url_decode(const char *s, size_t slen, unsigned char **out, size_t *outlen)
{
    unsigned char *buf;
    uint32_t acc = 0;
    size_t n = 0, i;
    int bits = 0;

    *out = NULL;
    *outlen = 0;
    /* A single leftover character carries only 6 bits: no byte can end there. */
    if (slen % 4 == 1)
        return CP_EINVALID;
    buf = malloc(slen / 4 * 3 + 3);
    if (buf == NULL)
        return CP_ENOMEM;
    for (i = 0; i < slen; i++) {
        int v = b64url_value((unsigned char)s[i]);
        if (v < 0) {
            free(buf);
            return CP_EINVALID;
        }
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (unsigned char)(acc >> bits);
        }
    }
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return CP_OK;
}
