#include "util/redact.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"

#define PASSES 4  /* decodings in a row: a form inside a form inside a form */

/* One character of the text as read, and the bytes [from, to) of the text it stands for. */
struct unit {
    char ch;
    size_t from, to;
};

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* \uXXXX at u[i] (ASCII only, what a key's text needs): 6 units, or 0. */
static size_t unicode_at(const struct unit *u, size_t n, size_t i, char *ch)
{
    int v = 0;

    if (i + 5 >= n || u[i + 1].ch != 'u')
        return 0;
    for (size_t k = 2; k < 6; k++) {
        if (hex(u[i + k].ch) < 0)
            return 0;
        v = v * 16 + hex(u[i + k].ch);
    }
    if (v >= 0x80)
        return 0;
    *ch = (char)v;
    return 6;
}

/* RFC 3986 §2.1 percent-encoding, RFC 8259 §7 JSON escapes: the units the escape at u[i] takes
 * (0: none) and the character it stands for. */
static size_t escape_at(const struct unit *u, size_t n, size_t i, char *ch)
{
    static const char from[] = "nrt/\\\"", to[] = "\n\r\t/\\\"";
    const char *p = NULL;

    if (u[i].ch == '%' && i + 2 < n && hex(u[i + 1].ch) >= 0 && hex(u[i + 2].ch) >= 0) {
        *ch = (char)(hex(u[i + 1].ch) * 16 + hex(u[i + 2].ch));
        return 3;
    }
    if (u[i].ch != '\\' || i + 1 >= n)
        return 0;
    if (u[i + 1].ch != '\0' && (p = strchr(from, u[i + 1].ch)) != NULL) {
        *ch = to[p - from];
        return 2;
    }
    return unicode_at(u, n, i, ch);
}

/* One decoding over the units, in place; the new count. */
static size_t decode_pass(struct unit *u, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i < n;) {
        char ch = 0;
        size_t k = escape_at(u, n, i, &ch);
        if (k == 0) {
            u[o++] = u[i++];
            continue;
        }
        u[o++] = (struct unit){ch, u[i].from, u[i + k - 1].to};
        i += k;
    }
    return o;
}

/* text as the characters it stands for, decoded until nothing changes, white space left out. */
static struct unit *read_text(const char *text, size_t len, size_t *n)
{
    struct unit *u = malloc((len + 1) * sizeof(*u));
    size_t m = len, o = 0;

    if (u == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        u[i] = (struct unit){text[i], i, i + 1};
    for (int p = 0; p < PASSES; p++) {
        size_t before = m;
        if ((m = decode_pass(u, m)) == before)
            break;
    }
    for (size_t i = 0; i < m; i++)
        if (!is_space(u[i].ch))
            u[o++] = u[i];
    *n = o;
    return u;
}

/* secret without its white space (malloc'd, a secret itself). */
static char *squeeze(const char *secret, size_t *len)
{
    size_t n = secret != NULL ? strlen(secret) : 0, o = 0;
    char *s = malloc(n + 1);

    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!is_space(secret[i]))
            s[o++] = secret[i];
    s[o] = '\0';
    *len = o;
    return s;
}

static size_t common(const struct unit *u, size_t n, const char *s, size_t slen)
{
    size_t k = 0;

    while (k < n && k < slen && u[k].ch == s[k])
        k++;
    return k;
}

/* How many units from u[0] spell the whole secret, or (piece > 0) the longest run of at least piece
 * of its characters; 0 for none. */
static size_t match_at(const struct unit *u, size_t n, const char *s, size_t slen, size_t piece)
{
    size_t best = 0;

    if (piece == 0 || slen < piece)
        return common(u, n, s, slen) == slen ? slen : 0;
    for (size_t j = 0; j + piece <= slen; j++) {
        size_t l = common(u, n, s + j, slen - j);
        best = l >= piece && l > best ? l : best;
    }
    return best;
}

/* Mark the bytes of every match, and what lies between two matches in a row (white space, an
 * escaped line break); whether there was one. */
static bool mark_all(const struct unit *u, size_t n, const char *s, size_t slen, size_t piece, bool *mark)
{
    bool any = false;

    for (size_t i = 0, after = 0; slen > 0 && i < n;) {
        size_t l = match_at(u + i, n - i, s, slen, piece);
        if (l == 0) {
            i++;
            continue;
        }
        for (size_t b = any && after == i ? u[i - 1].to : u[i].from; b < u[i + l - 1].to; b++)
            mark[b] = true;
        any = true;
        i += l;
        after = i;
    }
    return any;
}

/* text with each run of marked bytes as placeholder. */
static char *apply(const char *text, size_t len, const bool *mark, const char *placeholder)
{
    size_t plen = strlen(placeholder), size = 1, o = 0;
    char *out = NULL;

    for (size_t i = 0; i < len; i++)
        size += !mark[i] ? 1 : i == 0 || !mark[i - 1] ? plen : 0;
    if ((out = malloc(size)) == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (!mark[i]) {
            out[o++] = text[i];
        } else if (i == 0 || !mark[i - 1]) {
            memcpy(out + o, placeholder, plen);
            o += plen;
        }
    }
    out[o] = '\0';
    return out;
}

char *redact(const char *text, const char *secret, size_t piece, const char *placeholder, bool *hit)
{
    size_t len = strlen(text), n = 0, slen = 0;
    char *s = squeeze(secret, &slen), *out = NULL;
    struct unit *u = read_text(text, len, &n);
    bool *mark = calloc(len + 1, sizeof(*mark)), any = false;

    if (s != NULL && u != NULL && mark != NULL) {
        any = mark_all(u, n, s, slen, piece, mark);
        out = apply(text, len, mark, placeholder);
    }
    if (hit != NULL)
        *hit = any && out != NULL;
    secret_free(s, slen);
    secret_free(u, (len + 1) * sizeof(*u));
    free(mark);
    return out;
}
