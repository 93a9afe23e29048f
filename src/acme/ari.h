/*
 * acme/ari — RFC 9773 ACME Renewal Information: the CA's suggested
 * renewal window for one certificate, fetched with an unauthenticated GET
 * of renewalInfo/<certID>, and how long to wait before asking again.
 * The certID itself comes from crypto/cert (cert_info.ari_id).
 */
#ifndef CP_ACME_ARI_H
#define CP_ACME_ARI_H

#include <time.h>

#include <jansson.h>

#include "acme/client.h"

/* RFC 9773 §4.3: bounds on the Retry-After a client honours, and the
 * interval used when the CA sends none (or an unreadable one). */
#define ARI_RETRY_MIN_S 60L
#define ARI_RETRY_MAX_S 86400L
#define ARI_RETRY_DEFAULT_S (6L * 3600)

struct acme_ari {
    time_t start;           /* suggestedWindow.start (UTC) */
    time_t end;             /* suggestedWindow.end, always after start */
    char *explanation_url;  /* explanationURL or NULL; server text, sanitise before printing */
    long retry_after_s;     /* when to ask again, clamped to [ARI_RETRY_MIN_S, ARI_RETRY_MAX_S] */
};

/*
 * GET the renewal information of the certificate whose RFC 9773 §4.1
 * identifier is cert_id. CP_ENOTFOUND when the CA offers no renewalInfo
 * or does not know the certificate (HTTP 404); CP_EINVALID for a cert_id
 * that is not base64url "." base64url; CP_EPROTO when the reply is not a
 * valid RenewalInfo object (including a window whose end is not after its
 * start, RFC 9773 §4.2). On failure out holds no window, but its
 * retry_after_s still says when to ask again. Free out with acme_ari_free.
 */
int acme_ari_fetch(struct acme_client *c, const char *cert_id, struct acme_ari *out,
                   struct err *err) CP_WUR;

/* Fill out from a RenewalInfo object (pure; acme_ari_fetch uses it).
 * retry_after_s is left to the caller. what names the source in errors. */
int acme_ari_parse(const json_t *obj, const char *what, struct acme_ari *out, struct err *err) CP_WUR;

/* RFC 9773 §4.3: clamp a Retry-After in seconds; a negative value (none sent) gives the default. */
long acme_ari_clamp_retry(long secs);

/* RFC 3339 date-time ("2025-01-02T04:00:00Z", fractions and offsets allowed)
 * to UTC seconds. CP_EINVALID when s is not one. */
int acme_ari_parse_time(const char *s, time_t *out) CP_WUR;

void acme_ari_free(struct acme_ari *a);

#endif
