/*
 * acme/authz — RFC 8555 §7.1.4 / §7.5 authorizations and their
 * challenges: read one, pick the challenge of a type, answer it,
 * deactivate it; the key authorization and dns-01 TXT value (§8.1, §8.4).
 */
#ifndef CP_ACME_AUTHZ_H
#define CP_ACME_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "acme/client.h"

struct acme_challenge {
    char *type;
    char *url;
    char *token;    /* NULL for types without one */
    char *status;
    json_t *error;  /* the challenge's problem document, if any (borrowed from the authz object) */
};

struct acme_authz {
    char *url;
    char *ident;     /* identifier value as the CA gives it (no "*." for wildcards);
                        an "ip" identifier's address in its canonical text (RFC 8738 §3) */
    bool ip;         /* the identifier's type is "ip" (else "dns") */
    bool wildcard;
    char *status;    /* pending, valid, invalid, deactivated, expired, revoked */
    struct acme_challenge *chal;
    size_t nchal;
    json_t *object;
};

/* Read the authorization at url (POST-as-GET). *retry_after_s as in acme_order_refresh.
 * CP_EPROTO when the identifier's type is not "dns" or "ip", or an "ip" value is no address. */
int acme_authz_fetch(struct acme_client *c, const char *url, struct acme_authz *out,
                     long *retry_after_s, struct err *err) CP_WUR;

/* The challenge of that type, or NULL. */
const struct acme_challenge *acme_authz_challenge(const struct acme_authz *a, const char *type);

/* RFC 8555 §7.5.1: tell the CA the challenge is ready (POST {}). */
int acme_challenge_respond(struct acme_client *c, const struct acme_challenge *ch, struct err *err) CP_WUR;

/* RFC 8555 §7.5.2: give up a pending authorization. */
int acme_authz_deactivate(struct acme_client *c, const char *url, struct err *err) CP_WUR;

/* §8.1: token "." thumbprint. Caller frees. */
char *acme_key_authorization(const char *token, const char *thumbprint);
/* §8.4: base64url(SHA-256(key authorization)). Caller frees. */
char *acme_dns01_value(const char *key_authorization);

void acme_authz_free(struct acme_authz *a);

#endif
