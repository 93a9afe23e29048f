/*
 * manage/names — identifiers and certificate names, checked before anything
 * touches the network, so a name that could not be stored never gets a
 * certificate ordered for it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "manage/internal.h"
#include "renew/schedule.h"
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

/* A label of s that starts with the ACE prefix "xn--" (RFC 5890 §2.3.2.1), in any case. */
static bool has_alabel(const char *s)
{
    for (const char *p = s;; p++) {
        if (strncasecmp(p, "xn--", 4) == 0)
            return true;
        if ((p = strchr(p, '.')) == NULL)
            return false;
    }
}

static bool has_non_ascii(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* RFC 5891 §5 with UTS #46 processing, non-transitional (ß and ς stay
 * themselves, as IDNA 2008 has them): U-labels become A-labels, mapped to lower
 * case; an A-label given as such is decoded and checked the same way. A name of
 * plain LDH labels is left to the checks below (*ascii stays NULL). */
static int to_alabels(const char *in, const char *shown, char **ascii, struct err *err)
{
    const char *host = str_has_prefix(in, "*.") ? in + 2 : in;
    char *a = NULL;
    int rc;

    if (!has_non_ascii(host) && !has_alabel(host))
        return CP_OK;
    rc = idn2_to_ascii_8z(host, &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK)
        return err_set(err, CP_EUSAGE, "name \"%s\": not a valid internationalised domain name (%s)", shown,
                       idn2_strerror(rc));
    *ascii = str_printf("%.*s%s", (int)(host - in), in, a);
    idn2_free(a);
    return *ascii != NULL ? CP_OK : err_nomem(err);
}

/* The first label of host that is not an RFC 1035 label (its length in *len), or NULL. */
static const char *bad_label(const char *host, size_t *len)
{
    for (const char *p = host;; p++) {
        const char *dot = strchr(p, '.');

        *len = dot ? (size_t)(dot - p) : strlen(p);
        if (!valid_label(p, *len))
            return p;
        if ((p = dot) == NULL)
            return NULL;
    }
}

/* The LDH form: a fully qualified name of RFC 1035 labels, lower-cased. */
static int check_dns(const char *name, const char *shown, char **out, struct err *err)
{
    const char *host = str_has_prefix(name, "*.") ? name + 2 : name, *bad;
    size_t n = strlen(host), len = 0;
    char *label = NULL;

    if (n == 0 || n > 253 || host[n - 1] == '.' || strchr(host, '.') == NULL || numeric_top(host))
        return err_set(err, CP_EUSAGE, "name \"%s\": not a fully qualified domain name nor an IP address", shown);
    if ((bad = bad_label(host, &len)) != NULL) {
        label = str_escape(bad, len > 63 ? 63 : len);
        err_set(err, CP_EUSAGE, "name \"%s\": label \"%s\" is not a valid DNS label", shown, label ? label : "?");
        free(label);
        return CP_EUSAGE;
    }
    if ((*out = strdup(name)) == NULL)
        return err_nomem(err);
    for (char *c = *out; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return CP_OK;
}

int manage_name_normalise(const char *in, char **out, struct err *err)
{
    const char *host = str_has_prefix(in, "*.") ? in + 2 : in;
    char *shown = NULL, *ascii = NULL;
    struct ident_ip ip;
    int rc;

    *out = NULL;
    if (ident_ip_parse(host, &ip) && host != in)
        return err_set(err, CP_EUSAGE, "name \"%s\": an IP address cannot be a wildcard", in);
    if (ip.len != 0)
        return normalise_ip(in, &ip, out, err);
    if ((shown = str_escape(in, strnlen(in, 300))) == NULL)
        return err_nomem(err);
    rc = to_alabels(in, shown, &ascii, err);
    if (rc == CP_OK)
        rc = check_dns(ascii != NULL ? ascii : in, shown, out, err);
    free(ascii);
    free(shown);
    return rc;
}

/* RFC 5891 §5.5 the other way (ToUnicode), only to show a person the name they know. */
char *manage_name_display(const char *name)
{
    char *u = NULL, *shown = NULL;

    if (name != NULL && has_alabel(name) && idn2_to_unicode_8z8z(name, &u, 0) == IDN2_OK && u != NULL) {
        str_sanitize(u);
        if (strcmp(u, name) != 0)
            shown = str_printf("%s (%s)", name, u);
    }
    idn2_free(u);
    return shown != NULL ? shown : str_dup(name);
}

bool manage_names_differ(const char *const *want, size_t nwant, const char *const *have, size_t nhave)
{
    char **norm = calloc(nwant + 1, sizeof(*norm));
    bool differ = true;
    size_t i = 0;

    for (; norm != NULL && i < nwant; i++)
        if (manage_name_normalise(want[i], &norm[i], NULL) != CP_OK && (norm[i] = strdup(want[i])) == NULL)
            break;
    if (norm != NULL && i == nwant)
        differ = renew_names_differ((const char *const *)norm, nwant, have, nhave);
    for (size_t k = 0; norm != NULL && k < nwant; k++)
        free(norm[k]);
    free(norm);
    return differ;
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
