/*
 * tests/unit/support/script — a scripted http_transport for offline engine
 * tests: each request gets the next canned reply, and what was sent is
 * recorded. Sleeps go through script_sleep so no test waits.
 */
#ifndef CP_TEST_SCRIPT_H
#define CP_TEST_SCRIPT_H

#include <stddef.h>

#include "acme/client.h"
#include "http/http.h"

#define SCRIPT_MAX 32

struct canned {
    long status;
    const char *content_type;
    const char *nonce;
    const char *location;
    const char *retry_after;
    const char *body;
    const char *expect_url;  /* when set, the request must be for this URL */
    const char *link;        /* a Link header, or NULL */
};

/* status of a canned reply that stands for a connection broken mid-exchange (CP_ENET) */
#define SCRIPT_BROKEN (-1)

struct script {
    struct http_transport t;
    const struct canned *replies;
    size_t n, next;
    char *sent_method[SCRIPT_MAX];
    char *sent_url[SCRIPT_MAX];
    char *sent_body[SCRIPT_MAX];
    long slept_ms;  /* also the script's clock: time passes only by sleeping */
};

/* Set up s with replies and open a client on DIR_URL through it. */
struct acme_client *script_client(struct script *s, const char *dir_url, const struct canned *replies,
                                  size_t n, struct err *err);
/* Free what the script recorded. */
void script_done(struct script *s);
/* The JSON payload of request i (decoded from its JWS), new reference; NULL for POST-as-GET. */
json_t *script_payload(const struct script *s, size_t i);
/* A member of the protected header of request i, malloc'd. */
char *script_protected(const struct script *s, size_t i, const char *member);

#endif
