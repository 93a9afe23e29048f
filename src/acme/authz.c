#include "acme/authz.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "jose/b64url.h"
#include "util/ident.h"
#include "util/str.h"

static void chal_free(struct acme_challenge *ch)
{
    free(ch->type);
    free(ch->url);
    free(ch->token);
    free(ch->status);
}

void acme_authz_free(struct acme_authz *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->nchal; i++)
        chal_free(&a->chal[i]);
    free(a->chal);
    free(a->url);
    free(a->ident);
    free(a->status);
    json_decref(a->object);
    memset(a, 0, sizeof(*a));
}

/* §7.1.4: type, url, status required; token for the token-based types. */
static int chal_parse(struct acme_challenge *ch, json_t *obj)
{
    const char *type = json_string_value(json_object_get(obj, "type"));
    const char *url = json_string_value(json_object_get(obj, "url"));
    const char *status = json_string_value(json_object_get(obj, "status"));
    const char *token = json_string_value(json_object_get(obj, "token"));

    if (type == NULL || url == NULL || status == NULL)
        return CP_EPROTO;
    ch->type = strdup(type);
    ch->url = strdup(url);
    ch->status = strdup(status);
    ch->token = str_dup(token);
    ch->error = json_object_get(obj, "error");
    if (!ch->type || !ch->url || !ch->status || (token && !ch->token))
        return CP_ENOMEM;
    return CP_OK;
}

/* RFC 8555 §9.7.7 "dns", RFC 8738 §3 "ip": an address is kept in its canonical
 * text, so it compares (and reaches a solver) in one form whatever the CA wrote. */
static int ident_parse(struct acme_authz *a, const json_t *id, struct err *err)
{
    const char *type = json_string_value(json_object_get(id, "type"));
    const char *value = json_string_value(json_object_get(id, "value"));
    struct ident_ip ip;
    char text[IDENT_IP_TEXT_MAX];

    if (type == NULL || (strcmp(type, "dns") != 0 && strcmp(type, "ip") != 0))
        return err_set(err, CP_EPROTO, "authorization %s: identifier type is not dns or ip", a->url);
    a->ip = strcmp(type, "ip") == 0;
    if (a->ip && !ident_ip_parse(value, &ip))
        return err_set(err, CP_EPROTO, "authorization %s: ip identifier is not an IP address", a->url);
    if (a->ip)
        ident_ip_format(ip.addr, ip.len, text);
    if ((a->ident = strdup(a->ip ? text : value)) == NULL)
        return err_nomem(err);
    return CP_OK;
}

static int authz_parse(struct acme_authz *a, json_t *obj, struct err *err)
{
    const json_t *id = json_object_get(obj, "identifier");
    const char *value = json_string_value(json_object_get(id, "value"));
    const char *status = json_string_value(json_object_get(obj, "status"));
    json_t *chals = json_object_get(obj, "challenges");
    json_t *v;
    size_t i;
    int rc;

    if (value == NULL || status == NULL || !json_is_array(chals))
        return err_set(err, CP_EPROTO, "authorization %s: reply is not an authorization object", a->url);
    if ((rc = ident_parse(a, id, err)) != CP_OK)
        return rc;
    a->object = json_incref(obj);
    a->status = strdup(status);
    a->wildcard = json_is_true(json_object_get(obj, "wildcard"));
    a->chal = calloc(json_array_size(chals) + 1, sizeof(*a->chal));
    if (!a->status || !a->chal)
        return err_nomem(err);
    json_array_foreach(chals, i, v) {
        rc = chal_parse(&a->chal[a->nchal++], v);
        if (rc == CP_EPROTO)
            return err_set(err, rc, "authorization %s: challenge %zu lacks type, url or status", a->url, i);
        if (rc != CP_OK)
            return err_nomem(err);
    }
    return CP_OK;
}

int acme_authz_fetch(struct acme_client *c, const char *url, struct acme_authz *out,
                     long *retry_after_s, struct err *err)
{
    struct acme_reply r = {0};
    int rc;

    memset(out, 0, sizeof(*out));
    if ((out->url = strdup(url)) == NULL)
        return err_nomem(err);
    rc = acme_post(c, url, NULL, &r, err);
    if (rc == CP_OK)
        rc = authz_parse(out, r.json, err);
    for (size_t i = 0; rc == CP_OK && i < out->nchal; i++)
        rc = acme_client_check_url(c, "challenge URL", out->chal[i].url, err);
    if (retry_after_s != NULL)
        *retry_after_s = acme_reply_retry_after(&r);
    acme_reply_free(&r);
    return rc;
}

const struct acme_challenge *acme_authz_challenge(const struct acme_authz *a, const char *type)
{
    for (size_t i = 0; i < a->nchal; i++)
        if (strcmp(a->chal[i].type, type) == 0)
            return &a->chal[i];
    return NULL;
}

int acme_challenge_respond(struct acme_client *c, const struct acme_challenge *ch, struct err *err)
{
    struct acme_reply r = {0};
    json_t *empty = json_object();
    int rc = empty ? acme_post(c, ch->url, empty, &r, err) : err_nomem(err);

    json_decref(empty);
    acme_reply_free(&r);
    return rc;
}

int acme_authz_deactivate(struct acme_client *c, const char *url, struct err *err)
{
    struct acme_reply r = {0};
    json_t *p = json_pack("{s:s}", "status", "deactivated");
    int rc = p ? acme_post(c, url, p, &r, err) : err_nomem(err);

    json_decref(p);
    acme_reply_free(&r);
    return rc;
}

char *acme_key_authorization(const char *token, const char *thumbprint)
{
    return str_printf("%s.%s", token, thumbprint);
}

char *acme_dns01_value(const char *key_authorization)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (!EVP_Digest(key_authorization, strlen(key_authorization), md, &mdlen, EVP_sha256(), NULL))
        return NULL;
    return b64url_encode(md, mdlen);
}
