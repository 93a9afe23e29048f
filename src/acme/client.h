/*
 * acme/client — one ACME server as seen by certpilot: its directory, the
 * nonce we hold, the account signer, and the one function every request
 * goes through (acme_post), where badNonce retries, Retry-After and
 * back-off live. The per-resource files (account.c, order.c, authz.c)
 * build requests and parse replies; issue.c strings them together.
 *
 * The client borrows its transport, signer and logger: they must outlive it.
 */
#ifndef CP_ACME_CLIENT_H
#define CP_ACME_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "http/http.h"
#include "jose/jws.h"
#include "util/err.h"
#include "util/log.h"

/* RFC 8555 §7.1.1 plus RFC 9773 renewalInfo; unknown fields are ignored. */
struct acme_directory {
    char *new_nonce;
    char *new_account;
    char *new_order;
    char *revoke_cert;
    char *key_change;
    char *renewal_info;      /* NULL when the CA has no ARI */
    char *terms_of_service;  /* meta.termsOfService, may be NULL */
    char *website;           /* meta.website, may be NULL */
    bool eab_required;       /* meta.externalAccountRequired */
    json_t *profiles;        /* meta.profiles object or NULL (borrowed from raw) */
    json_t *raw;
};

struct acme_client;
struct nonce_pool;
struct ratelimit;

/* The answer to one request. json is set when the body is JSON
 * (application/json or application/problem+json); location from the
 * Location header. Free with acme_reply_free. */
struct acme_reply {
    long status;
    json_t *json;
    char *location;
    struct http_response http;
};

struct acme_client_opts {
    const char *directory_url;
    struct http_transport *transport;  /* borrowed */
    const struct logger *log;          /* borrowed, may be NULL */
    int max_nonce_retries;             /* badNonce retries per request; 0: 10 */
    long max_retry_after_s;            /* longest Retry-After honoured on 429/503; 0: 60 */
    int max_retries;                   /* retries per request after 429, 503 or a broken
                                          connection; 0: 3 */
    /* Sleep and clock hooks so tests need not wait; NULL: nanosleep and
     * CLOCK_MONOTONIC. now_ms counts milliseconds from any fixed point. */
    void (*sleep_ms)(void *ud, long ms);
    long long (*now_ms)(void *ud);
    void *sleep_ud;
    /* Shared by the clients of one run's workers (borrowed, may be NULL): */
    struct nonce_pool *nonces;         /* Replay-Nonces from every reply, for every client */
    struct ratelimit *limits;          /* requests per second per kind; new orders paused after rateLimited */
    volatile sig_atomic_t *cancel;     /* set (SIGINT/SIGTERM): polling stops at its next turn */
    /* The directory as another client of this run read it from directory_url
     * (acme_client_directory_text), used instead of fetching it again; NULL: fetch it. */
    const char *directory_json;
};

/* Fetch the directory (RFC 8555 §7.1.1). CP_ENET / CP_EPROTO name the URL. */
struct acme_client *acme_client_new(const struct acme_client_opts *opts, struct err *err);
void acme_client_free(struct acme_client *c);

const struct acme_directory *acme_client_directory(const struct acme_client *c);

/* The directory as JSON text, for acme_client_opts.directory_json of another
 * client of the same run (malloc'd; NULL when out of memory). */
char *acme_client_directory_text(const struct acme_client *c);
const char *acme_client_url(const struct acme_client *c);

/* Use signer (borrowed) for every signed request; kid NULL means embed the
 * JWK (new-account, RFC 8555 §6.2), else the account URL. kid is copied. */
int acme_client_set_account(struct acme_client *c, struct jws_signer *signer, const char *kid) CP_WUR;
const char *acme_client_kid(const struct acme_client *c);
struct jws_signer *acme_client_signer(const struct acme_client *c);

/*
 * RFC 8555 §6.2-6.5: sign payload (NULL: POST-as-GET, empty payload) and
 * POST it to url. Takes a fresh Replay-Nonce from every response; asks
 * newNonce only when none is held; on badNonce retries with the nonce the
 * error carried. This is the one place requests are retried: after 429 or
 * 503 (waiting Retry-After, clamped to [1 s back-off step, max_retry_after_s],
 * a longer one is an error naming the limit) and after a connection that broke
 * mid-exchange, re-signed with a fresh nonce each time, max_retries times.
 * A 4xx/5xx answer becomes CP_EACME with the problem document as one line
 * (the reply is still filled so callers can look at the problem type).
 */
int acme_post(struct acme_client *c, const char *url, const json_t *payload,
              struct acme_reply *out, struct err *err) CP_WUR;

void acme_reply_free(struct acme_reply *r);

/* An unsigned GET through the client's transport (RFC 9773 renewalInfo is
 * fetched this way). The reply is filled as acme_post fills it, whatever
 * its status: the caller judges the status. */
int acme_get(struct acme_client *c, const char *url, struct acme_reply *out, struct err *err) CP_WUR;

/* RFC 9110 §10.2.3: the reply's Retry-After in seconds, or -1 when it has none
 * (or an unreadable one). */
long acme_reply_retry_after(const struct acme_reply *r);

/* Wait ms using the client's sleep hook (bounded polling uses this). */
void acme_client_sleep(struct acme_client *c, long ms);
/* The client's clock in milliseconds (monotonic; the test hook when set). */
long long acme_client_now_ms(struct acme_client *c);

/* Has the caller asked to stop (SIGINT/SIGTERM)? Bounded waits check it. */
bool acme_client_cancelled(const struct acme_client *c);

/* RFC 8555 §6.1: when the directory is https, every URL the CA hands us must be
 * https too. 0, or CP_EPROTO naming what (e.g. "order Location") and the URL. A
 * different host is allowed (RFC 8555 does not require one host) but logged. */
int acme_client_check_url(struct acme_client *c, const char *what, const char *url,
                          struct err *err) CP_WUR;
const struct logger *acme_client_log(const struct acme_client *c);

#endif
