/*
 * manage/names — identifiers and certificate names, checked before anything
 * touches the network, so a name that could not be stored never gets a
 * certificate ordered for it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "manage/manage.h"
#include "util/ident.h"
#include "util/str.h"

/* RFC 1035 §2.3.1 labels (letters, digits, hyphen; 1-63 octets). */
static bool valid_label(const char *s, size_t len)
{
    if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    return true;
}

/* RFC 8738 §3: an ip identifier's value is the address in its canonical text
 * (RFC 1123 §2.1 for IPv4, RFC 5952 §4 for IPv6). An IPv4-mapped IPv6 address
 * would name an IPv4 host in an IPv6 costume: it is refused. */
static int normalise_ip(const char *in, const struct ident_ip *ip, char **out, struct err *err)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char text[IDENT_IP_TEXT_MAX];

    if (ip->len == 16 && memcmp(ip->addr, mapped, sizeof(mapped)) == 0)
        return err_set(err, CP_EUSAGE, "name \"%s\": an IPv4-mapped IPv6 address; give the IPv4 address", in);
    ident_ip_format(ip->addr, ip->len, text);
    if ((*out = strdup(text)) == NULL)
        return err_nomem(err);
    return CP_OK;
}

/* RFC 3696 §2: a top-level label is never all-numeric, so "1.2.3" or
 * "192.0.2.256" is neither a domain name nor an address. */
static bool numeric_top(const char *host)
{
    const char *top = strrchr(host, '.');

    top = top != NULL ? top + 1 : host;
    return *top != '\0' && strspn(top, "0123456789") == strlen(top);
}

int manage_name_normalise(const char *in, char **out, struct err *err)
{
    const char *host = str_has_prefix(in, "*.") ? in + 2 : in;
    size_t n = strlen(host);
    const char *p = host, *dot = NULL;
    struct ident_ip ip;

    *out = NULL;
    if (ident_ip_parse(host, &ip) && host != in)
        return err_set(err, CP_EUSAGE, "name \"%s\": an IP address cannot be a wildcard", in);
    if (ip.len != 0)
        return normalise_ip(in, &ip, out, err);
    if (n == 0 || n > 253 || host[n - 1] == '.' || strchr(host, '.') == NULL || numeric_top(host))
        return err_set(err, CP_EUSAGE, "name \"%s\": not a fully qualified domain name nor an IP address", in);
    for (;; p = dot + 1) {
        size_t len;
        dot = strchr(p, '.');
        len = dot ? (size_t)(dot - p) : strlen(p);
        if (!valid_label(p, len))
            return err_set(err, CP_EUSAGE, "name \"%s\": label \"%.*s\" is not a valid DNS label",
                           in, (int)(len > 63 ? 63 : len), p);
        if (dot == NULL)
            break;
    }
    if ((*out = strdup(in)) == NULL)
        return err_nomem(err);
    for (char *c = *out; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return CP_OK;
}

/* An IPv6 address's certificate name: its canonical text with each ':' as '_'
 * ("2001:db8::1" is stored as "2001_db8__1", "::1" as "__1"); '_' appears in
 * no DNS name nor address, so the name stays unambiguous. */
static char *ip_cert_name(const struct ident_ip *ip)
{
    char text[IDENT_IP_TEXT_MAX];

    ident_ip_format(ip->addr, ip->len, text);
    for (char *c = text; *c; c++)
        if (*c == ':')
            *c = '_';
    return strdup(text);
}

int manage_cert_name(const struct manage_cert_req *req, char **out, struct err *err)
{
    const char *first = req->nnames > 0 ? req->names[0] : NULL;
    struct ident_ip ip;

    *out = NULL;
    if (req->cert_name != NULL)
        *out = strdup(req->cert_name);
    else if (first != NULL && str_has_prefix(first, "*."))
        *out = str_printf("_.%s", first + 2);
    else if (ident_ip_parse(first, &ip))
        *out = ip_cert_name(&ip);
    else if (first != NULL)
        *out = strdup(first);
    else
        return err_set(err, CP_EUSAGE, "a certificate needs at least one name");
    if (*out == NULL)
        return err_nomem(err);
    for (char *c = *out; req->cert_name == NULL && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (!store_name_valid(*out)) {
        err_set(err, CP_EUSAGE, "certificate name \"%.64s%s\" is not valid (1-200 letters, digits, '.', "
                "'_', '-'; not starting with '.' or '-')", *out, strlen(*out) > 64 ? "..." : "");
        str_free(out);
        return CP_EUSAGE;
    }
    return CP_OK;
}

int manage_name_check_challenge(const char *name, const char *type, struct err *err)
{
    /* RFC 8738 §4: dns-01 must not validate an ip identifier; of the challenges
     * it allows (http-01, tls-alpn-01) certpilot answers http-01. */
    if (type != NULL && ident_is_ip(name) && strcmp(type, "http-01") != 0)
        return err_set(err, CP_EUSAGE, "name %s: an IP address needs http-01 (RFC 8738)", name);
    return CP_OK;
}
