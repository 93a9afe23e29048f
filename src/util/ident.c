#include "util/ident.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

bool ident_ip_parse(const char *s, struct ident_ip *out)
{
    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return false;
    if (inet_pton(AF_INET, s, out->addr) == 1)
        out->len = 4;
    else if (inet_pton(AF_INET6, s, out->addr) == 1)
        out->len = 16;
    return out->len != 0;
}

/* RFC 5952 §4.2: the longest run of zero groups (at least two) is shortened;
 * of equal runs the first. *start is -1 when there is none. */
static void zero_run(const unsigned int g[8], int *start, int *len)
{
    *start = -1;
    *len = 1;
    for (int i = 0; i < 8; i++) {
        int n = 0;
        while (i + n < 8 && g[i + n] == 0)
            n++;
        if (n > *len) {
            *start = i;
            *len = n;
        }
        i += n;
    }
}

static void format6(const unsigned char *a, char *out)
{
    unsigned int g[8];
    int start, len;
    char *p = out;

    for (int i = 0; i < 8; i++)
        g[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
    zero_run(g, &start, &len);
    for (int i = 0; i < 8; i++) {
        if (i == start) {
            p += sprintf(p, "::");
            i += len - 1;
            continue;
        }
        /* RFC 5952 §4.1/§4.3: no leading zeros, lower-case hex */
        p += sprintf(p, "%s%x", p > out && p[-1] != ':' ? ":" : "", g[i]);
    }
    *p = '\0';
}

bool ident_ip_format(const unsigned char *addr, size_t len, char out[IDENT_IP_TEXT_MAX])
{
    if (len == 4)
        snprintf(out, IDENT_IP_TEXT_MAX, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
    else if (len == 16)
        format6(addr, out);
    else
        return false;
    return true;
}

bool ident_is_ip(const char *s)
{
    struct ident_ip ip;

    return ident_ip_parse(s, &ip);
}

const char *ident_type(const char *s)
{
    return ident_is_ip(s) ? "ip" : "dns";
}

bool ident_ip_equal(const char *a, const char *b)
{
    struct ident_ip x, y;

    return ident_ip_parse(a, &x) && ident_ip_parse(b, &y) && x.len == y.len && memcmp(x.addr, y.addr, x.len) == 0;
}
