#include "acme/revoke.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acme/problem.h"
#include "crypto/cert.h"
#include "jose/b64url.h"
#include "util/str.h"

static const struct {
    enum acme_revoke_reason code;
    const char *name;
} reasons[] = {
    {ACME_REVOKE_UNSPECIFIED, "unspecified"},
    {ACME_REVOKE_KEY_COMPROMISE, "keyCompromise"},
    {ACME_REVOKE_AFFILIATION_CHANGED, "affiliationChanged"},
    {ACME_REVOKE_SUPERSEDED, "superseded"},
    {ACME_REVOKE_CESSATION_OF_OPERATION, "cessationOfOperation"},
};

#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

int acme_revoke_reason_parse(const char *name, enum acme_revoke_reason *out, struct err *err)
{
    for (size_t i = 0; name != NULL && i < NREASONS; i++) {
        if (strcasecmp(name, reasons[i].name) == 0) {
            *out = reasons[i].code;
            return CP_OK;
        }
    }
    return err_set(err, CP_EUSAGE, "revocation reason \"%s\" is not one of unspecified, "
                   "keyCompromise, affiliationChanged, superseded, cessationOfOperation",
                   name ? name : "");
}

const char *acme_revoke_reason_name(int code)
{
    for (size_t i = 0; i < NREASONS; i++)
        if ((int)reasons[i].code == code)
            return reasons[i].name;
    return NULL;
}

/* RFC 8555 §7.6: {"certificate": base64url(DER), "reason": code}; a missing
 * reason means unspecified, so 0 is left out. */
static int revoke_payload(const char *pem, size_t len, enum acme_revoke_reason reason,
                          json_t **out, struct err *err)
{
    unsigned char *der = NULL;
    size_t der_len = 0;
    char *b64 = NULL;
    int rc = cert_pem_to_der(pem, len, &der, &der_len, err);

    *out = NULL;
    if (rc != CP_OK)
        return rc;
    if ((b64 = b64url_encode(der, der_len)) == NULL ||
        (*out = json_pack("{s:s}", "certificate", b64)) == NULL ||
        (reason != ACME_REVOKE_UNSPECIFIED &&
         json_object_set_new(*out, "reason", json_integer(reason)) != 0)) {
        json_decref(*out);
        *out = NULL;
        rc = err_nomem(err);
    }
    free(der);
    free(b64);
    return rc;
}

/* POST with the client's current signer, mapping alreadyRevoked. */
static int post_revoke(struct acme_client *c, const json_t *payload, const char *serial,
                       struct err *err)
{
    struct acme_reply r = {0};
    const char *url = acme_client_directory(c)->revoke_cert;
    int rc = acme_post(c, url, payload, &r, err);

    if (rc == CP_EACME && acme_problem_is(r.json, "alreadyRevoked"))
        rc = err_set(err, CP_EEXIST, "certificate %s is already revoked (CA %s)", serial,
                     acme_client_url(c));
    else if (rc != CP_OK)
        err_prefix(err, "revoking certificate %s: ", serial);
    acme_reply_free(&r);
    return rc;
}

/* §7.6: signed by the certificate's key with its JWK; the account is put back after. */
static int post_with_cert_key(struct acme_client *c, const json_t *payload, EVP_PKEY *key,
                              const char *serial, struct err *err)
{
    struct jws_signer *old = acme_client_signer(c), *sg = jws_signer_new(key, err);
    char *kid = str_dup(acme_client_kid(c));
    int rc;

    if (sg == NULL) {
        free(kid);
        return err->code;  /* err is never NULL here (acme_revoke) */
    }
    if (acme_client_kid(c) != NULL && kid == NULL)
        rc = err_nomem(err);
    else if ((rc = acme_client_set_account(c, sg, NULL)) != CP_OK)
        rc = err_nomem(err);
    else
        rc = post_revoke(c, payload, serial, err);
    if (acme_client_set_account(c, old, kid) != CP_OK && rc == CP_OK)
        rc = err_nomem(err);
    jws_signer_free(sg);
    free(kid);
    return rc;
}

int acme_revoke(struct acme_client *c, const char *cert_pem, size_t len,
                enum acme_revoke_reason reason, EVP_PKEY *cert_key, struct err *err)
{
    struct cert_info ci = {0};
    struct err local = {0};
    json_t *payload = NULL;
    int rc;

    if (err == NULL)  /* helpers below read err->code after calls that return pointers */
        err = &local;
    if (acme_client_directory(c)->revoke_cert == NULL)
        return err_set(err, CP_EPROTO, "CA %s has no revokeCert URL", acme_client_url(c));
    if (acme_revoke_reason_name((int)reason) == NULL)
        return err_set(err, CP_EUSAGE, "revocation reason %d is not one a subscriber may give",
                       (int)reason);
    if ((rc = cert_info_from_pem(cert_pem, len, &ci, err)) != CP_OK)
        return rc;
    if (cert_key != NULL && (rc = cert_matches_key(cert_pem, len, cert_key, err)) != CP_OK) {
        err_prefix(err, "revoking certificate %s: ", ci.serial_hex);
        goto out;
    }
    if (cert_key == NULL && acme_client_kid(c) == NULL) {
        rc = err_set(err, CP_EUSAGE, "revoking certificate %s: no account and no certificate "
                     "key to sign with", ci.serial_hex);
        goto out;
    }
    if ((rc = revoke_payload(cert_pem, len, reason, &payload, err)) != CP_OK)
        goto out;
    rc = cert_key ? post_with_cert_key(c, payload, cert_key, ci.serial_hex, err)
                  : post_revoke(c, payload, ci.serial_hex, err);
out:
    json_decref(payload);
    cert_info_free(&ci);
    return rc;
}
