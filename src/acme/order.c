#include "acme/order.h"

#include <stdlib.h>
#include <string.h>

#include "acme/problem.h"
#include "jose/b64url.h"
#include "util/ident.h"
#include "util/str.h"

void acme_order_free(struct acme_order *o)
{
    if (o == NULL)
        return;
    free(o->url);
    free(o->status);
    for (size_t i = 0; i < o->nauthz; i++)
        free(o->authz[i]);
    free(o->authz);
    free(o->finalize);
    free(o->certificate);
    json_decref(o->object);
    memset(o, 0, sizeof(*o));
}

static int copy_str(const json_t *obj, const char *key, char **dst)
{
    const char *v = json_string_value(json_object_get(obj, key));

    free(*dst);
    *dst = NULL;
    if (v == NULL)
        return CP_OK;
    *dst = strdup(v);
    return *dst ? CP_OK : CP_ENOMEM;
}

static int copy_authz(struct acme_order *o, const json_t *arr)
{
    size_t i;
    json_t *v;

    for (i = 0; i < o->nauthz; i++)
        free(o->authz[i]);
    free(o->authz);
    o->authz = calloc(json_array_size(arr) + 1, sizeof(char *));
    o->nauthz = 0;
    if (o->authz == NULL)
        return CP_ENOMEM;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v))
            return CP_EPROTO;
        if ((o->authz[o->nauthz] = strdup(json_string_value(v))) == NULL)
            return CP_ENOMEM;
        o->nauthz++;
    }
    return CP_OK;
}

/* Every URL an order holds passes acme_client_check_url. */
static int order_urls_check(struct acme_client *c, const struct acme_order *o, struct err *err)
{
    int rc = acme_client_check_url(c, "order finalize URL", o->finalize, err);

    if (rc == CP_OK && o->certificate != NULL)
        rc = acme_client_check_url(c, "order certificate URL", o->certificate, err);
    for (size_t i = 0; rc == CP_OK && i < o->nauthz; i++)
        rc = acme_client_check_url(c, "order authorization URL", o->authz[i], err);
    return rc;
}

/* RFC 8555 §7.1.3: status, authorizations, finalize are required. */
static int order_parse(struct acme_client *c, struct acme_order *o, json_t *obj, struct err *err)
{
    const json_t *authz = json_object_get(obj, "authorizations");
    int rc;

    if (!json_is_object(obj) || !json_is_string(json_object_get(obj, "status")) ||
        !json_is_array(authz) || !json_is_string(json_object_get(obj, "finalize")))
        return err_set(err, CP_EPROTO, "order %s: reply is not an order object",
                       o->url ? o->url : "(new)");
    json_decref(o->object);
    o->object = json_incref(obj);
    if ((rc = copy_str(obj, "status", &o->status)) != CP_OK ||
        (rc = copy_str(obj, "finalize", &o->finalize)) != CP_OK ||
        (rc = copy_str(obj, "certificate", &o->certificate)) != CP_OK)
        return err_nomem(err);
    rc = copy_authz(o, authz);
    if (rc == CP_EPROTO)
        return err_set(err, rc, "order %s: authorizations holds a non-string", o->url);
    if (rc != CP_OK)
        return err_nomem(err);
    return order_urls_check(c, o, err);
}

/* RFC 8555 §7.1.3 / RFC 8738 §3: {"type": "dns"|"ip", "value": ...}; an
 * address goes in its canonical text, as manage/names left it. */
static json_t *identifiers(const char *const *names, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < n; i++) {
        json_t *id = json_pack("{s:s, s:s}", "type", ident_type(names[i]), "value", names[i]);
        if (id == NULL || json_array_append_new(arr, id) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* RFC 9773 §5: "replaces" is only a hint, so a CA that refuses the order because of
 * it gets the order again without it, rather than failing every renewal:
 *   - a second order replacing the same certificate (alreadyReplaced, 409; Pebble 2.6
 *     answers 409 malformed): the first is left over from a run killed after newOrder;
 *   - a server error (5xx): Pebble 2.6 cannot find the certificate whose serial's DER
 *     starts with a 0x00 byte (its high bit set), which is every second one. */
static bool replaces_refused(int rc, const struct acme_reply *r)
{
    return rc == CP_EACME && (r->status == 409 || r->status >= 500 ||
                              acme_problem_is(r->json, "alreadyReplaced"));
}

static int post_new_order(struct acme_client *c, json_t *payload, struct acme_reply *r, struct err *err)
{
    const char *url = acme_client_directory(c)->new_order;
    json_t *replaces = json_object_get(payload, "replaces");
    int rc;

    if (replaces != NULL)
        log_debug(acme_client_log(c), "the new order replaces certificate %s (RFC 9773)",
                  json_string_value(replaces));
    rc = acme_post(c, url, payload, r, err);
    if (replaces == NULL || !replaces_refused(rc, r))
        return rc;
    log_warn(acme_client_log(c), "CA %s refused an order replacing certificate %s (%s): ordering "
             "without \"replaces\"", acme_client_url(c), json_string_value(replaces), err->msg);
    json_object_del(payload, "replaces");
    acme_reply_free(r);
    err_clear(err);
    return acme_post(c, url, payload, r, err);
}

int acme_order_create(struct acme_client *c, const char *const *names, size_t n,
                      const char *profile, const char *replaces, struct acme_order *out,
                      struct err *err)
{
    struct acme_reply r = {0};
    json_t *payload = json_pack("{s:o}", "identifiers", identifiers(names, n));
    int rc;

    memset(out, 0, sizeof(*out));
    if (payload == NULL || (profile && json_object_set_new(payload, "profile", json_string(profile))) ||
        (replaces && json_object_set_new(payload, "replaces", json_string(replaces)))) {
        json_decref(payload);
        return err_nomem(err);
    }
    rc = post_new_order(c, payload, &r, err);
    if (rc == CP_OK && r.location == NULL)
        rc = err_set(err, CP_EPROTO, "newOrder reply has no Location header");
    if (rc == CP_OK)
        rc = acme_client_check_url(c, "order Location", r.location, err);
    if (rc == CP_OK && (out->url = strdup(r.location)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = order_parse(c, out, r.json, err);
    if (rc != CP_OK)
        err_prefix(err, "creating order: ");
    json_decref(payload);
    acme_reply_free(&r);
    return rc;
}

int acme_order_refresh(struct acme_client *c, struct acme_order *o, long *retry_after_s,
                       struct err *err)
{
    struct acme_reply r = {0};
    int rc = acme_post(c, o->url, NULL, &r, err);

    if (rc == CP_OK)
        rc = order_parse(c, o, r.json, err);
    if (retry_after_s != NULL)
        *retry_after_s = acme_reply_retry_after(&r);
    acme_reply_free(&r);
    return rc;
}

int acme_order_finalize(struct acme_client *c, struct acme_order *o, const unsigned char *csr,
                        size_t csr_len, bool *not_ready, struct err *err)
{
    struct acme_reply r = {0};
    char *b64 = b64url_encode(csr, csr_len);
    json_t *payload = b64 ? json_pack("{s:s}", "csr", b64) : NULL;
    int rc;

    if (payload == NULL) {
        free(b64);
        return err_nomem(err);
    }
    rc = acme_post(c, o->finalize, payload, &r, err);
    if (not_ready != NULL)
        *not_ready = rc == CP_EACME && acme_problem_is(r.json, "orderNotReady");
    if (rc == CP_OK)
        rc = order_parse(c, o, r.json, err);
    if (rc != CP_OK)
        err_prefix(err, "finalizing order: ");
    json_decref(payload);
    free(b64);
    acme_reply_free(&r);
    return rc;
}

/* A link that fails acme_client_check_url is not followed: it is dropped with a
 * warning, since the default chain is already in hand. */
static void drop_unsafe_links(struct acme_client *c, char **links, size_t *n)
{
    struct err why = {0};
    size_t kept = 0;

    for (size_t i = 0; i < *n; i++) {
        if (acme_client_check_url(c, "alternate chain link", links[i], &why) == CP_OK) {
            links[kept++] = links[i];
            continue;
        }
        log_warn(acme_client_log(c), "%s", why.msg);
        free(links[i]);
    }
    *n = kept;
}

int acme_cert_download(struct acme_client *c, const char *url, char **pem,
                       char ***alternates, size_t *nalternates, struct err *err)
{
    struct acme_reply r = {0};
    int rc = acme_post(c, url, NULL, &r, err), n;

    *pem = NULL;
    if (alternates != NULL) {
        *alternates = NULL;
        *nalternates = 0;
    }
    if (rc != CP_OK)
        goto out;
    if (r.http.body.len == 0) {
        rc = err_set(err, CP_EPROTO, "certificate %s: empty reply", url);
        goto out;
    }
    /* RFC 8555 §7.4.2: other chains are offered as Link rel="alternate". */
    if (alternates != NULL && (n = http_links(&r.http, "alternate", alternates)) < 0) {
        rc = err_nomem(err);
        goto out;
    }
    if (alternates != NULL) {
        *nalternates = (size_t)n;
        drop_unsafe_links(c, *alternates, nalternates);
    }
    *pem = buf_steal(&r.http.body);
out:
    acme_reply_free(&r);
    return rc;
}
