#include "deploy/aliyun.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cloud/aliyun/region.h"
#include "crypto/cert.h"
#include "crypto/key.h"
#include "util/redact.h"
#include "util/str.h"

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define DEFAULT_PREFIX "certpilot-"
#define SERIAL_DIGITS 32
#define ECHO_MIN 8  /* this many characters of the key's base64 in a row in a reply are a piece of it */

/* The name setting: Alibaba accepts letters, digits, '_' and '-' in certificate names. */
static int read_prefix(struct ali_conn *c, const struct kvlist *s, struct err *err)
{
    const char *v = kv_get(s, "name");

    if (v == NULL)
        return CP_OK;
    if (*v == '\0' || strlen(v) > ALI_PREFIX_MAX || strspn(v, NAME_CHARS) != strlen(v))
        return err_set(err, CP_EUSAGE, "%s: name \"%s\" must be 1 to %d letters, digits, '_' or '-'", c->what,
                       v, ALI_PREFIX_MAX);
    c->prefix = str_dup(v);
    return c->prefix != NULL ? CP_OK : err_nomem(err);
}

int ali_conn_open(struct ali_conn *c, const char *what, const char *version, const char *default_endpoint,
                  const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    struct aliyun_client_opts co = {.product = what, .version = version, .method = "POST", .log = opts->log};
    const char *ca = kv_get(s, "ca_bundle");
    /* the target made default_endpoint from its region (its own pattern) */
    struct aliyun_endpoint_rule rule = {NULL, default_endpoint};
    struct aliyun_settings as = {0};
    int rc;

    memset(c, 0, sizeof(*c));
    c->what = what;
    c->log = opts->log;
    rc = aliyun_settings_parse(s, what, &rule, &as, err);
    co.sig = as.sig;
    c->endpoint = as.endpoint;
    free(as.region);
    if (rc != CP_OK || (rc = read_prefix(c, s, err)) != CP_OK)
        return rc;
    struct aliyun_creds_opts ko = {.key_id_override = kv_get(s, "access_key_id"),
                                   .ca_bundle = ca != NULL ? ca : opts->ca_bundle, .http = opts->http,
                                   .sts_endpoint = kv_get(s, "sts_endpoint"), .log = opts->log,
                                   .metadata_endpoint = kv_get(s, "metadata_endpoint")};
    if ((rc = aliyun_creds_open(&ko, &c->creds, err)) != CP_OK) {
        err_prefix(err, "%s: ", what);
        return rc;
    }
    co.endpoint = c->endpoint;
    co.creds = c->creds;
    co.ca_bundle = ca != NULL ? ca : opts->ca_bundle;
    co.http = opts->http;
    if ((c->cli = aliyun_client_new(&co, err)) == NULL)
        return err != NULL && err->code != CP_OK ? err->code : CP_EUSAGE;
    return CP_OK;
}

void ali_conn_close(struct ali_conn *c)
{
    if (c == NULL)
        return;
    aliyun_client_free(c->cli);
    aliyun_creds_free(c->creds);
    free(c->endpoint);
    free(c->prefix);
    memset(c, 0, sizeof(*c));
}

/* Is v (may be NULL) the value of one of params? */
static bool carries(const struct kvlist *params, const char *v)
{
    for (size_t i = 0; v != NULL && params != NULL && i < params->n; i++)
        if (params->items[i].value != NULL && strcmp(params->items[i].value, v) == 0)
            return true;
    return false;
}

int ali_call(struct ali_conn *c, const char *action, const struct kvlist *params, const char *key_sent,
             struct aliyun_reply *out, struct err *err)
{
    int rc = carries(params, key_sent) ? aliyun_call_secret(c->cli, action, params, key_sent, out, err)
                                       : aliyun_call(c->cli, action, params, out, err);

    if (rc != CP_OK)
        ali_scrub(err, c->what, key_sent);  /* a reply may quote the key of an earlier call */
    return rc;
}

int ali_key_pem(const struct deploy_cert *c, const char *what, char **out, size_t *len, struct err *err)
{
    EVP_PKEY *key = key_from_pem(c->key_pem, c->key_len, "the private key", err);
    int rc;

    *out = NULL;
    *len = 0;
    rc = key != NULL ? key_to_pem_traditional(key, out, len, err) : CP_EINVALID;

    EVP_PKEY_free(key);
    if (rc != CP_OK)
        err_prefix(err, "%s: ", what);
    return rc;
}

char *ali_id_text(const json_t *j)
{
    if (json_is_integer(j))
        return str_printf("%lld", (long long)json_integer_value(j));
    return json_is_string(j) ? str_dup(json_string_value(j)) : NULL;
}

void ali_scrub(struct err *err, const char *what, const char *key_pem)
{
    const char *body = key_pem != NULL ? strstr(key_pem, "-----\n") : NULL, *end = NULL;
    char *b64 = NULL, *clean = NULL;
    size_t len = 0;
    bool hit = false;

    if (err == NULL || body == NULL)
        return;
    body += strlen("-----\n");
    end = strstr(body, "-----");
    len = end != NULL ? (size_t)(end - body) : strlen(body);
    if ((b64 = strndup(body, len)) != NULL)
        clean = redact(err->msg, b64, ECHO_MIN, "[private key]", &hit);
    if (hit)
        err_set(err, err->code, "%s (%s: the reply quoted the private key)", clean, what);
    secret_free(b64, len);
    free(clean);
}

/* Lower-case hex of the first 4 bytes of SHA-256(s). */
static void short_hash(const char *s, char out[9])
{
    unsigned char md[SHA256_DIGEST_LENGTH];

    SHA256((const unsigned char *)s, strlen(s), md);
    for (int i = 0; i < 4; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

char *ali_name_prefix(const char *setting, const char *tag, const char *cert_name)
{
    char head[ALI_PREFIX_MAX + 1], part[ALI_PREFIX_MAX + 1], hash[9];
    size_t room, len = strlen(cert_name);
    bool hashed;

    if (setting != NULL)
        return str_printf("%s-", setting);
    snprintf(head, sizeof(head), DEFAULT_PREFIX "%s%s", tag != NULL ? tag : "", tag != NULL ? "-" : "");
    room = ALI_PREFIX_MAX - strlen(head);  /* for the name part, within ALI_PREFIX_MAX */
    hashed = strchr(cert_name, '_') != NULL || len > room;
    snprintf(part, sizeof(part), "%.*s", (int)(hashed ? room - 9 : len), cert_name);
    for (char *p = part; *p != '\0'; p++)
        if (strchr(NAME_CHARS, *p) == NULL)
            *p = '_';
    if (!hashed)
        return str_printf("%s%s-", head, part);
    short_hash(cert_name, hash);
    return str_printf("%s%s-%s-", head, part, hash);
}

char *ali_cert_name(const char *setting, const char *tag, const struct deploy_cert *c)
{
    char *prefix = ali_name_prefix(setting, tag, c->name), *name = NULL;
    size_t n = strlen(c->serial_hex);
    const char *serial = c->serial_hex + (n > SERIAL_DIGITS ? n - SERIAL_DIGITS : 0);

    if (prefix != NULL)
        name = str_printf("%s%s", prefix, serial);
    free(prefix);
    return name;
}

bool ali_is_upload_of(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    const char *rest = name + n;

    if (strncmp(name, prefix, n) != 0 || *rest == '\0' || strlen(rest) > SERIAL_DIGITS)
        return false;
    return strspn(rest, "0123456789ABCDEF") == strlen(rest);
}

bool ali_same_leaf(const char *pem, const struct deploy_cert *c)
{
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    bool same = false;

    if (pem != NULL && cert_pem_to_der(pem, strlen(pem), &a, &alen, NULL) == CP_OK &&
        cert_pem_to_der(c->cert_pem, strlen(c->cert_pem), &b, &blen, NULL) == CP_OK)
        same = alen == blen && memcmp(a, b, alen) == 0;
    free(a);
    free(b);
    return same;
}

static int push(char ***v, size_t *n, const char *p, size_t len)
{
    char **nv = realloc(*v, (*n + 1) * sizeof(**v));

    if (nv == NULL)
        return CP_ENOMEM;
    *v = nv;
    if ((nv[*n] = strndup(p, len)) == NULL)
        return CP_ENOMEM;
    (*n)++;
    return CP_OK;
}

int ali_get_list(const struct kvlist *s, const char *key, char ***out, size_t *n, struct err *err)
{
    static const char sep[] = ", \t";

    *out = NULL;
    *n = 0;
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        if (strcmp(s->items[i].key, key) != 0)
            continue;
        for (const char *p = s->items[i].value; *(p += strspn(p, sep)) != '\0'; p += strcspn(p, sep)) {
            if (push(out, n, p, strcspn(p, sep)) != CP_OK) {
                ali_list_free(*out, *n);
                *out = NULL;
                *n = 0;
                return err_nomem(err);
            }
        }
    }
    return CP_OK;
}

void ali_list_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int ali_check_domains(const char *what, char *const *v, size_t n, struct err *err)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._";

    for (size_t i = 0; i < n; i++) {
        const char *d = v[i] + (str_has_prefix(v[i], "*.") ? 2 : v[i][0] == '.');
        if (*d == '\0' || *d == '.' || strlen(v[i]) > 253 || strspn(d, ok) != strlen(d))
            return err_set(err, CP_EUSAGE, "%s: domain \"%s\" is not a domain name", what, v[i]);
    }
    return CP_OK;
}
