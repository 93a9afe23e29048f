#include "config/keys.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "crypto/key.h"
#include "store/store.h"
#include "util/ident.h"
#include "util/listen.h"
#include "util/str.h"

#define TOKEN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

const char *value_url(const char *v)
{
    const char *host = strncmp(v, "https://", 8) == 0 ? v + 8
                       : strncmp(v, "http://", 7) == 0 ? v + 7 : NULL;

    if (host == NULL || *host == '\0' || *host == '/' || strpbrk(v, " \t") != NULL)
        return "is not an http:// or https:// URL";
    return NULL;
}

static const char *check_ca(const char *v)
{
    if (strcmp(v, "letsencrypt") == 0 || strcmp(v, "letsencrypt-staging") == 0)
        return NULL;
    return "is not letsencrypt or letsencrypt-staging";
}

static const char *check_key_type(const char *v)
{
    enum key_type t;

    if (key_type_parse(v, &t, NULL) == CP_OK)
        return NULL;
    return "is not one of ec256, ec384, rsa2048, rsa3072, rsa4096";
}

static const char *check_challenge(const char *v)
{
    if (strcmp(v, "dns-01") == 0 || strcmp(v, "http-01") == 0)
        return NULL;
    return "is not dns-01 or http-01";
}

static const char *check_token(const char *v)
{
    if (strspn(v, TOKEN_CHARS) != strlen(v))
        return "has characters other than letters, digits, '.', '_' and '-'";
    return NULL;
}

static const char *check_account(const char *v)
{
    if (!store_name_valid(v))
        return "is not a name of letters, digits, '.', '_' and '-' (not starting with '.')";
    return NULL;
}

/* RFC 5322 §3.4.1 dot-atom local part and a host name, the plain form
 * CAs accept for contacts; quoted local parts are not worth the risk. */
const char *value_email(const char *v)
{
    const char *at = strchr(v, '@');
    static const char local_ok[] = TOKEN_CHARS "!#$%&'*+/=?^`{|}~";

    if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
        strspn(v, local_ok) != (size_t)(at - v) || strspn(at + 1, TOKEN_CHARS) != strlen(at + 1) ||
        strchr(at + 1, '.') == NULL)
        return "is not an e-mail address";
    return NULL;
}

/* RFC 1035 §2.3.1 host names (letters, digits, hyphens; labels of 1..63),
 * with the "*." of a wildcard in front (RFC 8555 §7.1.3), an IP address
 * (RFC 8738) or an internationalised name (bytes above 0x7f: IDNA 2008); for
 * the last two manage/names checks the rest, as for -d. */
static const char *check_dns_name(const char *v)
{
    const char *p = strncmp(v, "*.", 2) == 0 ? v + 2 : v;
    size_t label = 0;

    if (ident_is_ip(v))
        return NULL;
    for (const char *q = v; *q != '\0'; q++)
        if ((unsigned char)*q >= 0x80)
            return NULL;
    if (strlen(v) > 253 || *p == '\0')
        return "is not a DNS name";
    for (; *p != '\0'; p++) {
        if (*p == '.') {
            if (label == 0 || p[1] == '\0')
                return "is not a DNS name";
            label = 0;
        } else if ((isalnum((unsigned char)*p) || *p == '-') && ++label <= 63) {
            continue;
        } else {
            return "is not a DNS name";
        }
    }
    return NULL;
}

/* PORT, :PORT or ADDRESS:PORT, read as --listen reads it (util/listen.c). */
static const char *check_listen(const char *v)
{
    struct listen_addrs la;

    return listen_parse(v, &la, NULL) == CP_OK ? NULL : "is not PORT, :PORT or ADDRESS:PORT";
}

#define S(field) BASE_SETTINGS, offsetof(struct config_settings, field)
#define C(field) BASE_CERT, offsetof(struct config_cert, field)

static const struct keydef keys[] = {
    {"server", KEY_STR, IN_BOTH, S(server), value_url, 0, 0, NULL},
    {"ca", KEY_STR, IN_BOTH, S(ca), check_ca, 0, 0, NULL},
    {"ca_bundle", KEY_STR, IN_BOTH, S(ca_bundle), NULL, 0, 0, NULL},
    {"root", KEY_STR, IN_GLOBAL, S(root), NULL, 0, 0, NULL},
    {"account", KEY_STR, IN_BOTH, S(account), check_account, 0, 0, NULL},
    {"email", KEY_LIST, IN_BOTH, S(email), value_email, 0, 0, NULL},
    {"agree_tos", KEY_BOOL, IN_GLOBAL, S(agree_tos), NULL, 0, 0, NULL},
    {"key_type", KEY_STR, IN_BOTH, S(key_type), check_key_type, 0, 0, NULL},
    {"challenge", KEY_STR, IN_BOTH, S(challenge), check_challenge, 0, 0, NULL},
    {"dns", KEY_STR, IN_BOTH, S(dns), check_token, 0, 0, NULL},
    {"dns_resolver", KEY_STR, IN_BOTH, S(dns_resolver), NULL, 0, 0, NULL},
    {"propagation_timeout", KEY_SECS, IN_BOTH, S(propagation_timeout), NULL, 1, 86400,
     "1s to 1d"},
    {"no_propagation_check", KEY_BOOL, IN_BOTH, S(no_propagation_check), NULL, 0, 0, NULL},
    {"hook", KEY_STR, IN_BOTH, S(hook), NULL, 0, 0, NULL},
    {"webroot", KEY_STR, IN_BOTH, S(webroot), NULL, 0, 0, NULL},
    {"listen", KEY_STR, IN_BOTH, S(listen), check_listen, 0, 0, NULL},
    {"timeout", KEY_SECS, IN_BOTH, S(timeout), NULL, 1, 86400, "1s to 1d"},
    {"renew_before", KEY_DAYS, IN_BOTH, S(renew_before), NULL, 3600, 365L * 86400,
     "1h to 365d"},
    {"jobs", KEY_NUM, IN_GLOBAL, S(jobs), NULL, 1, 64, "1 to 64"},
    {"user_agent", KEY_STR, IN_BOTH, S(user_agent), NULL, 0, 0, NULL},
    {"profile", KEY_STR, IN_BOTH, S(profile), check_token, 0, 0, NULL},
    {"preferred_chain", KEY_STR, IN_BOTH, S(preferred_chain), NULL, 0, 0, NULL},
    {"pre_hook", KEY_STR, IN_GLOBAL, S(pre_hook), NULL, 0, 0, NULL},
    {"post_hook", KEY_STR, IN_GLOBAL, S(post_hook), NULL, 0, 0, NULL},
    {"names", KEY_LIST, IN_CERT, C(names), check_dns_name, 0, 0, NULL},
    {"domains", KEY_LIST, IN_CERT, C(names), check_dns_name, 0, 0, NULL},
    {"csr", KEY_STR, IN_CERT, C(csr), NULL, 0, 0, NULL},
    {"reuse_key", KEY_BOOL, IN_CERT, C(reuse_key), NULL, 0, 0, NULL},
    {"deploy", KEY_ITEMS, IN_CERT, C(deploy), NULL, 0, 0, NULL},
};

const struct keydef *keydef_find(const char *name)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

const struct keydef *keydef_at(size_t i)
{
    return i < sizeof(keys) / sizeof(keys[0]) ? &keys[i] : NULL;
}

bool keydef_is_alias(const struct keydef *d)
{
    for (const struct keydef *k = keys; k < d; k++)
        if (k->base == d->base && k->off == d->off)
            return true;
    return false;
}

void keydef_names(const char **names, size_t cap)
{
    size_t i;

    for (i = 0; i + 1 < cap && i < sizeof(keys) / sizeof(keys[0]); i++)
        names[i] = keys[i].name;
    names[i] = NULL;
}

const char *value_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
                                                                              "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return NULL;
        }
    }
    return "is not yes or no (true/false, on/off, 1/0)";
}

#define NOT_DURATION "is not a duration (a number, then s, m, h or d)"

/* A number with an optional unit: s, m, h or d. */
const char *value_duration(const char *v, enum key_kind kind, long *out)
{
    char *end = NULL;
    long n, unit;

    errno = 0;
    n = strtol(v, &end, 10);
    if (!isdigit((unsigned char)*v) || errno != 0 || end == v)
        return kind == KEY_NUM ? "is not a number" : NOT_DURATION;
    if (kind == KEY_NUM && *end != '\0')
        return "is not a number";
    switch (*end) {
    case '\0':
        unit = kind == KEY_DAYS ? 86400 : 1;
        break;
    case 's':
        unit = 1;
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    default:
        return NOT_DURATION;
    }
    if (*end != '\0' && end[1] != '\0')
        return NOT_DURATION;
    /* Clamp before multiplying: no overflow, and still out of every key's range. */
    *out = n > 400L * 86400 ? 400L * 86400 + 1 : n * unit;
    return NULL;
}

bool has_control(const char *v)
{
    for (; *v != '\0'; v++)
        if (((unsigned char)*v < 0x20 && *v != '\t') || (unsigned char)*v == 0x7f)
            return true;
    return false;
}
