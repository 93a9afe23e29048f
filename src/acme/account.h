/*
 * acme/account — RFC 8555 §7.3 account objects: create (with terms of
 * service agreement, contacts and optional External Account Binding),
 * find an existing account by its key, read one back, update its
 * contacts, roll its key over, deactivate it.
 */
#ifndef CP_ACME_ACCOUNT_H
#define CP_ACME_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "acme/client.h"

struct acme_account {
    char *url;       /* the account URL, used as "kid" */
    char *status;    /* "valid", "deactivated", "revoked" */
    json_t *object;  /* the account object as the CA returned it */
};

struct acme_eab {
    const char *kid;              /* key identifier given by the CA */
    const unsigned char *hmac_key; /* decoded MAC key */
    size_t hmac_key_len;
};

/*
 * Create an account for the client's signer (kid must not be set yet).
 * contacts are "mailto:" URLs; agree_tos is sent as termsOfServiceAgreed.
 * On success the client signs with the new kid from now on.
 * CP_EUSAGE when the CA requires EAB and none is given.
 */
int acme_account_create(struct acme_client *c, const char *const *contacts, size_t ncontacts,
                        bool agree_tos, const struct acme_eab *eab,
                        struct acme_account *out, struct err *err) CP_WUR;

/* RFC 8555 §7.3.1 onlyReturnExisting: find the account of the client's
 * key. CP_ENOTFOUND when the CA has none (accountDoesNotExist). On success
 * the client signs with its kid from now on. */
int acme_account_find(struct acme_client *c, struct acme_account *out, struct err *err) CP_WUR;

/* Read the current account object (POST-as-GET to the account URL). */
int acme_account_fetch(struct acme_client *c, struct acme_account *out, struct err *err) CP_WUR;

/* RFC 8555 §7.3.2: replace the account's contacts with these "mailto:" URLs
 * (n 0 removes them all). out gets the account as the CA returns it.
 * CP_EUSAGE naming a contact that is not a mailto: address. */
int acme_account_update_contacts(struct acme_client *c, const char *const *contacts, size_t n,
                                 struct acme_account *out, struct err *err) CP_WUR;

/*
 * RFC 8555 §7.3.5: move the account to new_signer's key (borrowed, like
 * every signer the client holds: it must outlive the client). On success
 * the client signs with new_signer from now on; on failure it keeps the
 * old key. CP_EEXIST when the new key already belongs to another account
 * (the CA's 409), CP_EUSAGE when it is the current key.
 */
int acme_account_key_change(struct acme_client *c, struct jws_signer *new_signer,
                            struct err *err) CP_WUR;

/* RFC 8555 §7.3.6: deactivate the account for good. out (may be NULL) gets
 * the account object the CA returns; its status must be "deactivated". */
int acme_account_deactivate(struct acme_client *c, struct acme_account *out,
                            struct err *err) CP_WUR;

/* Is contact a plausible "mailto:local@domain.tld" URL (RFC 8555 §7.3: one address, no hfields)? */
bool acme_contact_valid(const char *contact);

void acme_account_free(struct acme_account *a);

#endif
