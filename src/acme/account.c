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

static json_t *new_account_payload(struct acme_client *c, const char *const *contacts, size_t n,
                                   bool agree_tos, const struct acme_eab *eab, struct err *err)
{
    const struct acme_directory *d = acme_client_directory(c);
    json_t *p = json_pack("{s:o, s:b}", "contact", contacts_array(contacts, n),
                          "termsOfServiceAgreed", agree_tos);
    json_t *binding;

    if (p == NULL) {
        err_nomem(err);
        return NULL;
    }
    if (eab == NULL)
        return p;
    /* RFC 8555 §7.3.4: the binding MACs the account's public JWK. */
    binding = jws_eab(eab->kid, eab->hmac_key, eab->hmac_key_len,
                      jws_signer_jwk(acme_client_signer(c)), d->new_account, err);
    if (binding == NULL || json_object_set_new(p, "externalAccountBinding", binding) != 0) {
        json_decref(p);
        return NULL;
    }
    return p;
}

static int check_new_account(struct acme_client *c, const char *const *contacts, size_t n,
                             bool agree_tos, const struct acme_eab *eab, struct err *err)
{
    const struct acme_directory *d = acme_client_directory(c);

    if (d->eab_required && eab == NULL)
        return err_set(err, CP_EUSAGE, "CA %s requires External Account Binding "
                       "(--eab-kid and --eab-hmac-key)", acme_client_url(c));
    if (d->terms_of_service != NULL && !agree_tos)
        return err_set(err, CP_EUSAGE, "CA %s requires agreeing to its terms of service %s "
                       "(--agree-tos)", acme_client_url(c), d->terms_of_service);
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
    payload = new_account_payload(c, contacts, ncontacts, agree_tos, eab, err);
    if (payload == NULL)
        return err ? err->code : CP_ENOMEM;
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
                     "(a test CA such as Pebble forgets accounts when it restarts)",
                     acme_client_url(c), kid);
    else if (rc == CP_OK)
        rc = account_from_reply(out, &r, kid, err);
    acme_reply_free(&r);
    return rc;
}
