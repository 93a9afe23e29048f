#include "acme/account.h"

#include <stdlib.h>
#include <string.h>

#include "acme/problem.h"
#include "util/str.h"

void acme_account_free(struct acme_account *a)
{
    if (a == NULL)
        return;
    free(a->url);
    free(a->status);
    json_decref(a->object);
    memset(a, 0, sizeof(*a));
}

/* Take url (Location or given) and the object from a reply. */
static int account_from_reply(struct acme_account *a, struct acme_reply *r, const char *url,
                              struct err *err)
{
    const char *status = json_string_value(json_object_get(r->json, "status"));

    if (url == NULL)
        return err_set(err, CP_EPROTO, "account reply has no Location header");
    if (!json_is_object(r->json) || status == NULL)
        return err_set(err, CP_EPROTO, "account reply from %s is not an account object", url);
    a->url = strdup(url);
    a->status = strdup(status);
    a->object = json_incref(r->json);
    if (a->url == NULL || a->status == NULL)
        return err_nomem(err);
    return CP_OK;
}

bool acme_contact_valid(const char *contact)
{
    const char *addr = contact + strlen("mailto:"), *at, *dot;

    if (!str_has_prefix(contact, "mailto:") || strlen(contact) > 320)
        return false;
    at = strchr(addr, '@');
    if (at == NULL || at == addr || strchr(at + 1, '@') != NULL)
        return false;
    dot = strrchr(at + 1, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0')
        return false;
    for (const char *p = addr; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr(",?<>\"()[]\\;:", *p))
            return false;
    return true;
}

static json_t *contacts_array(const char *const *contacts, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < n; i++) {
        if (json_array_append_new(arr, json_string(contacts[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static int new_account_payload(struct acme_client *c, const char *const *contacts, size_t n,
                               bool agree_tos, const struct acme_eab *eab, json_t **out,
                               struct err *err)
{
    const struct acme_directory *d = acme_client_directory(c);
    struct err local = {0};
    json_t *binding;

    if (err == NULL)  /* jws_eab returns a pointer: its code is read from err */
        err = &local;
    *out = json_pack("{s:o, s:b}", "contact", contacts_array(contacts, n),
                     "termsOfServiceAgreed", agree_tos);
    if (*out == NULL)
        return err_nomem(err);
    if (eab == NULL)
        return CP_OK;
    /* RFC 8555 §7.3.4: the binding MACs the account's public JWK. */
    binding = jws_eab(eab->kid, eab->hmac_key, eab->hmac_key_len,
                      jws_signer_jwk(acme_client_signer(c)), d->new_account, err);
    if (binding == NULL || json_object_set_new(*out, "externalAccountBinding", binding) != 0) {
        json_decref(*out);
        *out = NULL;
        return binding == NULL ? err->code : err_nomem(err);
    }
    return CP_OK;
}

static int check_new_account(struct acme_client *c, const char *const *contacts, size_t n,
                             bool agree_tos, const struct acme_eab *eab, struct err *err)
{
    const struct acme_directory *d = acme_client_directory(c);

    if (d->eab_required && eab == NULL)
        return err_set(err, CP_EUSAGE, "CA %s requires External Account Binding (a key "
                       "identifier and an HMAC key the CA gives out)", acme_client_url(c));
    if (d->terms_of_service != NULL && !agree_tos)
        return err_set(err, CP_EUSAGE, "CA %s requires agreeing to its terms of service %s",
                       acme_client_url(c), d->terms_of_service);
    for (size_t i = 0; i < n; i++)
        if (!acme_contact_valid(contacts[i]))
            return err_set(err, CP_EUSAGE, "contact \"%s\" is not a mailto: address", contacts[i]);
    return CP_OK;
}

int acme_account_create(struct acme_client *c, const char *const *contacts, size_t ncontacts,
                        bool agree_tos, const struct acme_eab *eab,
                        struct acme_account *out, struct err *err)
{
    struct acme_reply r = {0};
    json_t *payload = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = check_new_account(c, contacts, ncontacts, agree_tos, eab, err)) != CP_OK)
        return rc;
    if ((rc = acme_client_set_account(c, acme_client_signer(c), NULL)) != CP_OK)
        return err_nomem(err);
    if ((rc = new_account_payload(c, contacts, ncontacts, agree_tos, eab, &payload, err)) != CP_OK)
        return rc;
    rc = acme_post(c, acme_client_directory(c)->new_account, payload, &r, err);
    if (rc == CP_OK)
        rc = account_from_reply(out, &r, r.location, err);
    if (rc == CP_OK)
        rc = acme_client_set_account(c, acme_client_signer(c), out->url);
    if (rc != CP_OK)
        err_prefix(err, "creating account: ");
    json_decref(payload);
    acme_reply_free(&r);
    return rc;
}

int acme_account_find(struct acme_client *c, struct acme_account *out, struct err *err)
{
    struct acme_reply r = {0};
    json_t *payload = json_pack("{s:b}", "onlyReturnExisting", 1);
    int rc;

    memset(out, 0, sizeof(*out));
    if (payload == NULL || acme_client_set_account(c, acme_client_signer(c), NULL) != CP_OK) {
        json_decref(payload);
        return err_nomem(err);
    }
    rc = acme_post(c, acme_client_directory(c)->new_account, payload, &r, err);
    if (rc == CP_EACME && acme_problem_is(r.json, "accountDoesNotExist"))
        rc = err_set(err, CP_ENOTFOUND, "CA %s has no account for this key", acme_client_url(c));
    else if (rc == CP_OK)
        rc = account_from_reply(out, &r, r.location, err);
    if (rc == CP_OK)
        rc = acme_client_set_account(c, acme_client_signer(c), out->url);
    json_decref(payload);
    acme_reply_free(&r);
    return rc;
}

/* RFC 8555 §7.3.3 / §6.3: read the account with POST-as-GET to its URL. */
int acme_account_fetch(struct acme_client *c, struct acme_account *out, struct err *err)
{
    struct acme_reply r = {0};
    const char *kid = acme_client_kid(c);
    int rc;

    memset(out, 0, sizeof(*out));
    if (kid == NULL)
        return err_set(err, CP_EUSAGE, "no account URL to read");
    rc = acme_post(c, kid, NULL, &r, err);
    if (rc == CP_EACME && acme_problem_is(r.json, "accountDoesNotExist"))
        rc = err_set(err, CP_ENOTFOUND, "CA %s no longer knows account %s "
                     "(the CA has forgotten or removed it)", acme_client_url(c), kid);
    else if (rc == CP_OK)
        rc = account_from_reply(out, &r, kid, err);
    acme_reply_free(&r);
    return rc;
}

/* POST payload to the account URL and read the account back from the reply. */
static int post_to_account(struct acme_client *c, const json_t *payload, struct acme_account *out,
                           struct err *err)
{
    struct acme_reply r = {0};
    const char *kid = acme_client_kid(c);
    int rc;

    memset(out, 0, sizeof(*out));
    if (kid == NULL)
        return err_set(err, CP_EUSAGE, "no account URL to update at CA %s", acme_client_url(c));
    rc = acme_post(c, kid, payload, &r, err);
    if (rc == CP_OK)
        rc = account_from_reply(out, &r, kid, err);
    if (rc != CP_OK)
        err_prefix(err, "account %s: ", kid);
    acme_reply_free(&r);
    return rc;
}

int acme_account_update_contacts(struct acme_client *c, const char *const *contacts, size_t n,
                                 struct acme_account *out, struct err *err)
{
    json_t *payload = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        if (!acme_contact_valid(contacts[i]))
            return err_set(err, CP_EUSAGE, "contact \"%s\" is not a mailto: address", contacts[i]);
    /* RFC 8555 §7.3.2: only the fields sent change; an empty array clears them. */
    if ((payload = json_pack("{s:o}", "contact", contacts_array(contacts, n))) == NULL)
        return err_nomem(err);
    rc = post_to_account(c, payload, out, err);
    json_decref(payload);
    return rc;
}

int acme_account_deactivate(struct acme_client *c, struct acme_account *out, struct err *err)
{
    struct acme_account a = {0};
    json_t *payload = json_pack("{s:s}", "status", "deactivated");
    int rc;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (payload == NULL)
        return err_nomem(err);
    /* RFC 8555 §7.3.6: the CA answers with the account, now "deactivated". */
    rc = post_to_account(c, payload, &a, err);
    if (rc == CP_OK && strcmp(a.status, "deactivated") != 0)
        rc = err_set(err, CP_EPROTO, "account %s: CA %s left it \"%s\", not deactivated",
                     a.url, acme_client_url(c), a.status);
    if (rc == CP_OK && out != NULL)
        *out = a;
    else
        acme_account_free(&a);
    json_decref(payload);
    return rc;
}

/* RFC 8555 §7.3.5: the inner JWS is signed by the new key, carries its jwk
 * and the keyChange URL (no nonce, no kid), and names the account and the
 * old key. It becomes the payload of the outer request. */
static int key_change_inner(struct acme_client *c, struct jws_signer *new_signer, const char *url,
                            json_t **out, struct err *err)
{
    struct err local = {0};
    json_t *hdr = json_pack("{s:O, s:s}", "jwk", jws_signer_jwk(new_signer), "url", url);
    json_t *pl = json_pack("{s:s, s:O}", "account", acme_client_kid(c), "oldKey",
                           jws_signer_jwk(acme_client_signer(c)));
    char *text = pl ? json_dumps(pl, JSON_COMPACT) : NULL;
    int rc = CP_OK;

    if (err == NULL)  /* jws_sign returns a pointer: its code is read from err */
        err = &local;
    if (hdr == NULL || text == NULL)
        rc = err_nomem(err);
    else if ((*out = jws_sign(new_signer, hdr, text, strlen(text), err)) == NULL)
        rc = err->code;
    json_decref(hdr);
    json_decref(pl);
    free(text);
    return rc;
}

static int check_key_change(struct acme_client *c, struct jws_signer *new_signer, struct err *err)
{
    if (acme_client_directory(c)->key_change == NULL)
        return err_set(err, CP_EPROTO, "CA %s has no keyChange URL", acme_client_url(c));
    if (acme_client_kid(c) == NULL)
        return err_set(err, CP_EUSAGE, "no account URL whose key could change at CA %s",
                       acme_client_url(c));
    if (strcmp(jws_signer_thumbprint(new_signer),
               jws_signer_thumbprint(acme_client_signer(c))) == 0)
        return err_set(err, CP_EUSAGE, "account %s: the new key is the current key",
                       acme_client_kid(c));
    return CP_OK;
}

/* §7.3.5 makes the CA refuse a key another account holds (409), but not every CA
 * does (Pebble 2.6 rolls over to it): ask first, with onlyReturnExisting signed by
 * the new key, whose key it is. The client's own signer and kid are restored. */
static int check_key_free(struct acme_client *c, struct jws_signer *new_signer, struct err *err)
{
    struct jws_signer *old = acme_client_signer(c);
    char *kid = strdup(acme_client_kid(c));
    struct acme_account other = {0};
    int rc;

    if (kid == NULL || acme_client_set_account(c, new_signer, NULL) != CP_OK) {
        free(kid);
        return err_nomem(err);
    }
    rc = acme_account_find(c, &other, err);
    if (rc == CP_OK)
        rc = err_set(err, CP_EEXIST, "account %s: the new key already belongs to account %s", kid,
                     other.url);
    else if (rc == CP_ENOTFOUND) {
        err_clear(err);
        rc = CP_OK;
    }
    else
        err_prefix(err, "changing the key of account %s: asking the CA whose the new key is: ", kid);
    if (acme_client_set_account(c, old, kid) != CP_OK && rc == CP_OK)
        rc = err_nomem(err);
    acme_account_free(&other);
    free(kid);
    return rc;
}

int acme_account_key_change(struct acme_client *c, struct jws_signer *new_signer,
                            struct err *err)
{
    const char *url = acme_client_directory(c)->key_change;
    struct acme_reply r = {0};
    json_t *inner = NULL;
    int rc;

    if ((rc = check_key_change(c, new_signer, err)) != CP_OK ||
        (rc = check_key_free(c, new_signer, err)) != CP_OK)
        return rc;
    if ((rc = key_change_inner(c, new_signer, url, &inner, err)) != CP_OK)
        return rc;
    rc = acme_post(c, url, inner, &r, err);
    /* §7.3.5: 409 Conflict, with the other account's URL, when the key is taken. */
    if (rc == CP_EACME && r.status == 409)
        rc = err_set(err, CP_EEXIST, "account %s: the new key already belongs to account %s",
                     acme_client_kid(c), r.location ? r.location : "(not named by the CA)");
    else if (rc != CP_OK)
        err_prefix(err, "changing the key of account %s: ", acme_client_kid(c));
    if (rc == CP_OK && acme_client_set_account(c, new_signer, acme_client_kid(c)) != CP_OK)
        rc = err_nomem(err);
    json_decref(inner);
    acme_reply_free(&r);
    return rc;
}
