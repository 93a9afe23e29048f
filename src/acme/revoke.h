/*
 * acme/revoke — RFC 8555 §7.6 certificate revocation, signed either by the
 * account that ordered the certificate (kid) or by the certificate's own
 * key (jwk), which works when the account is lost. Reasons are the RFC 5280
 * §5.3.1 CRLReason codes a CA accepts from a subscriber.
 */
#ifndef CP_ACME_REVOKE_H
#define CP_ACME_REVOKE_H

#include <stddef.h>

#include <openssl/evp.h>

#include "acme/client.h"

/* RFC 5280 §5.3.1 CRLReason values a subscriber may give. */
enum acme_revoke_reason {
    ACME_REVOKE_UNSPECIFIED = 0,
    ACME_REVOKE_KEY_COMPROMISE = 1,
    ACME_REVOKE_AFFILIATION_CHANGED = 3,
    ACME_REVOKE_SUPERSEDED = 4,
    ACME_REVOKE_CESSATION_OF_OPERATION = 5,
};

/* "unspecified", "keyCompromise", "affiliationChanged", "superseded",
 * "cessationOfOperation" (case does not matter) to its code. CP_EUSAGE
 * naming the bad value and listing the good ones. */
int acme_revoke_reason_parse(const char *name, enum acme_revoke_reason *out,
                             struct err *err) CP_WUR;
/* The RFC 5280 name of a code, or NULL for a code not listed above. */
const char *acme_revoke_reason_name(int code);

/*
 * Revoke the first certificate of cert_pem. cert_key NULL: sign with the
 * client's account (it must have a kid); else sign with this key, which
 * must be the certificate's own (checked here first, CP_EINVALID), and
 * embed its JWK. The client's account is unchanged afterwards either way.
 * CP_EEXIST when the CA says the certificate is already revoked;
 * CP_EACME for any other refusal (e.g. unauthorized).
 */
int acme_revoke(struct acme_client *c, const char *cert_pem, size_t len,
                enum acme_revoke_reason reason, EVP_PKEY *cert_key, struct err *err) CP_WUR;

#endif
