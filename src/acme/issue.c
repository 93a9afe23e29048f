#include "acme/issue.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acme/authz.h"
#include "acme/order.h"
#include "acme/problem.h"
#include "crypto/cert.h"
#include "crypto/csr.h"
#include "util/ident.h"
#include "util/str.h"

/* One authorization of the order and what we presented for it. */
struct slot {
    struct acme_authz authz;
    const struct acme_challenge *ch;  /* NULL when already valid (reused) */
    char *ident, *token, *auth;       /* owned copies: authz is refetched while polling */
    struct chal job;
    bool presented;
};

struct run {
    struct acme_client *c;
    const struct acme_issue_req *req;
    struct acme_order order;
    struct slot *slots;
    size_t nslots;
    long long deadline_ms;  /* on the client's clock */
    long delay_ms;
};

/* RFC 8555 §7.1.3 gives no limit; a CA that lists more authorizations than
 * this is not serving our order (a certificate has at most 100 names at
 * Let's Encrypt, and each name has one authorization). */
#define MAX_AUTHZ 128
/* The first poll comes quickly (a CA often finishes in milliseconds), then
 * the wait doubles up to this step. */
#define POLL_FIRST_MS 10
#define POLL_MAX_MS 8000
/* Alternate chains tried at most (each is one download). */
#define MAX_ALTERNATES 8

void acme_issue_result_free(struct acme_issue_result *r)
{
    if (r == NULL)
        return;
    free(r->pem);
    free(r->order_url);
    free(r->cert_url);
    memset(r, 0, sizeof(*r));
}

static int past_deadline(struct run *r, const char *what, struct err *err)
{
    if (acme_client_now_ms(r->c) < r->deadline_ms)
        return CP_OK;
    return err_set(err, CP_ETIMEOUT, "timed out after %ld s waiting for %s",
                   r->req->timeout_s > 0 ? r->req->timeout_s : 300, what);
}

/* RFC 8555 §7.5.1 / RFC 9110 §10.2.3: wait before the next poll. The CA's
 * Retry-After counts, but never below our back-off step (a CA may say 0 or a
 * past date) nor beyond the deadline (it may say 10^20); it is clamped before
 * any arithmetic. */
static int poll_wait(struct run *r, long retry_after_s, const char *what, struct err *err)
{
    long long left = r->deadline_ms - acme_client_now_ms(r->c);
    long long ms = r->delay_ms;

    if (acme_client_cancelled(r->c))
        return err_set(err, CP_EINTR, "interrupted while waiting for %s", what);
    if (left <= 0)
        return past_deadline(r, what, err);
    if (retry_after_s > 0)
        ms = retry_after_s > left / 1000 ? left : (long long)retry_after_s * 1000;
    if (ms < r->delay_ms)
        ms = r->delay_ms;
    if (ms > left)
        ms = left;
    acme_client_sleep(r->c, (long)ms);
    if (r->delay_ms < POLL_MAX_MS)
        r->delay_ms = r->delay_ms * 2 < POLL_MAX_MS ? r->delay_ms * 2 : POLL_MAX_MS;
    return CP_OK;
}

/* Choose the challenge and compute what the solver presents (§8.1, §8.3, §8.4). */
static int slot_prepare(struct run *r, struct slot *s, struct err *err)
{
    const char *type = r->req->solver->type;
    const char *thumb = jws_signer_thumbprint(acme_client_signer(r->c));
    char *keyauth = NULL;

    if (strcmp(s->authz.status, "valid") == 0) {
        /* RFC 8555 §7.1.3: the CA may reuse an authorization it validated before */
        log_info(acme_client_log(r->c), "authorization for %s%s is valid already: nothing to present",
                 s->authz.wildcard ? "*." : "", s->authz.ident);
        return CP_OK;
    }
    if (strcmp(s->authz.status, "pending") != 0)
        return err_set(err, CP_EACME, "authorization for %s%s is %s", s->authz.wildcard ? "*." : "",
                       s->authz.ident, s->authz.status);
    s->ch = acme_authz_challenge(&s->authz, type);
    if (s->ch == NULL || s->ch->token == NULL)
        return err_set(err, CP_EUSAGE, "CA offers no %s challenge for %s%s", type,
                       s->authz.wildcard ? "*." : "", s->authz.ident);
    if ((keyauth = acme_key_authorization(s->ch->token, thumb)) == NULL)
        return err_nomem(err);
    s->auth = strcmp(type, "dns-01") == 0 ? acme_dns01_value(keyauth) : strdup(keyauth);
    free(keyauth);
    s->ident = strdup(s->authz.ident);
    s->token = strdup(s->ch->token);
    if (s->auth == NULL || s->ident == NULL || s->token == NULL)
        return err_nomem(err);
    s->job = (struct chal){type, s->ident, s->token, s->auth};
    return CP_OK;
}

/* RFC 8555 §7.1.4: an authorization is for one identifier of our order. One
 * for anything else (another name, a "name" that looks like an option) is
 * refused before any solver sees it. Names compare case-insensitively; an
 * "ip" identifier (RFC 8738 §3, in canonical text) only matches an address of
 * the order, a "dns" one only a DNS name: "192.0.2.1" as a DNS name is not ours. */
static int authz_is_ours(const struct run *r, const struct acme_authz *a, struct err *err)
{
    for (size_t i = 0; i < r->req->nnames; i++) {
        const char *name = r->req->names[i];
        bool wild = str_has_prefix(name, "*.");
        if (ident_is_ip(name) != a->ip)
            continue;
        if (a->ip ? !a->wildcard && ident_ip_equal(name, a->ident)
                  : wild == a->wildcard && strcasecmp(wild ? name + 2 : name, a->ident) == 0)
            return CP_OK;
    }
    return err_set(err, CP_EPROTO, "authorization %s is for %s \"%s%s\", not a name of this order; refused",
                   a->url, a->ip ? "ip" : "dns", a->wildcard ? "*." : "", a->ident);
}

static int fetch_authzs(struct run *r, struct err *err)
{
    int rc;

    if (r->order.nauthz > MAX_AUTHZ)
        return err_set(err, CP_EPROTO, "order %s lists %zu authorizations, more than %d; refused",
                       r->order.url, r->order.nauthz, MAX_AUTHZ);
    r->slots = calloc(r->order.nauthz + 1, sizeof(*r->slots));
    if (r->slots == NULL)
        return err_nomem(err);
    for (size_t i = 0; i < r->order.nauthz; i++) {
        if ((rc = past_deadline(r, "the authorizations", err)) != CP_OK)
            return rc;
        rc = acme_authz_fetch(r->c, r->order.authz[i], &r->slots[i].authz, NULL, err);
        if (rc == CP_OK && (rc = authz_is_ours(r, &r->slots[i].authz, err)) != CP_OK)
            acme_authz_free(&r->slots[i].authz);  /* not ours: not even deactivated */
        else
            r->nslots++;
        if (rc == CP_OK)
            rc = slot_prepare(r, &r->slots[i], err);
        if (rc != CP_OK)
            return rc;
    }
    return CP_OK;
}

/* Every challenge is presented before any is answered (so one DNS change covers all). */
static int present_all(struct run *r, struct err *err)
{
    struct solver *sv = r->req->solver;
    int rc;

    for (size_t i = 0; i < r->nslots; i++) {
        if (r->slots[i].ch == NULL)
            continue;
        if ((rc = sv->present(sv, &r->slots[i].job, err)) != CP_OK)
            return rc;
        r->slots[i].presented = true;
    }
    return sv->wait_ready(sv, err);
}

static int respond_all(struct run *r, struct err *err)
{
    int rc;

    for (size_t i = 0; i < r->nslots; i++) {
        if (r->slots[i].ch == NULL)
            continue;
        if ((rc = past_deadline(r, "the challenges to be answered", err)) != CP_OK)
            return rc;
        if ((rc = acme_challenge_respond(r->c, r->slots[i].ch, err)) != CP_OK) {
            err_prefix(err, "answering %s challenge for %s: ", r->slots[i].ch->type,
                       r->slots[i].authz.ident);
            return rc;
        }
    }
    return CP_OK;
}

static bool authz_final(const struct slot *s)
{
    return strcmp(s->authz.status, "pending") != 0 && strcmp(s->authz.status, "processing") != 0;
}

/* Refetch an authorization; *ra gets its Retry-After (or keeps the larger one). */
static int refetch_authz(struct run *r, struct slot *s, long *ra, struct err *err)
{
    long this_ra = -1;
    int rc;

    acme_authz_free(&s->authz);
    s->ch = NULL;
    rc = acme_authz_fetch(r->c, r->order.authz[s - r->slots], &s->authz, &this_ra, err);
    if (rc == CP_OK)
        s->ch = acme_authz_challenge(&s->authz, r->req->solver->type);
    if (this_ra > *ra)
        *ra = this_ra;
    return rc;
}

static bool any_waiting(const struct run *r)
{
    for (size_t i = 0; i < r->nslots; i++)
        if (r->slots[i].presented && !authz_final(&r->slots[i]))
            return true;
    return false;
}

/* RFC 8555 §7.5.1: poll every answered authorization, a round at a time,
 * until none is pending; the CA validates them concurrently. */
static int await_authzs(struct run *r, struct err *err)
{
    long ra = -1;
    int rc;

    r->delay_ms = POLL_FIRST_MS;
    while (any_waiting(r)) {
        if ((rc = poll_wait(r, ra, "the CA to validate the challenges", err)) != CP_OK)
            return rc;
        ra = -1;
        for (size_t i = 0; i < r->nslots; i++) {
            struct slot *s = &r->slots[i];
            if (s->presented && !authz_final(s) && (rc = refetch_authz(r, s, &ra, err)) != CP_OK)
                return rc;
        }
    }
    return CP_OK;
}

/* The first authorization that did not become valid, with the CA's reason. */
static int check_authzs(struct run *r, struct err *err)
{
    char what[300];

    for (size_t i = 0; i < r->nslots; i++) {
        struct slot *s = &r->slots[i];
        if (strcmp(s->authz.status, "valid") == 0)
            continue;
        snprintf(what, sizeof(what), "%s validation of %s%s failed", r->req->solver->type,
                 s->authz.wildcard ? "*." : "", s->authz.ident);
        if (s->ch != NULL && s->ch->error != NULL)
            return acme_problem_err(err, s->ch->error, what);
        return err_set(err, CP_EACME, "%s: authorization is %s", what, s->authz.status);
    }
    return CP_OK;
}

/* §7.5.2: leave no pending authorization behind on failure (best effort). */
static void deactivate_pending(struct run *r)
{
    for (size_t i = 0; i < r->nslots; i++) {
        struct slot *s = &r->slots[i];
        if (s->authz.status != NULL && strcmp(s->authz.status, "pending") == 0 &&
            acme_authz_deactivate(r->c, s->authz.url, NULL) != CP_OK)
            log_debug(acme_client_log(r->c), "could not deactivate %s", s->authz.url);
    }
}

/* Runs only once every authorization is final (or we gave up). */
static void cleanup_all(struct run *r)
{
    struct solver *sv = r->req->solver;

    for (size_t i = 0; i < r->nslots; i++) {
        struct slot *s = &r->slots[i];
        if (!s->presented)
            continue;
        sv->cleanup(sv, &s->job, s->authz.status && strcmp(s->authz.status, "valid") == 0);
        s->presented = false;
    }
}

/* Poll the order until it leaves the given state; a stale copy is refreshed at once. */
static int await_order(struct run *r, const char *state, bool stale, const char *what, struct err *err)
{
    long ra = -1;
    int rc;

    r->delay_ms = POLL_FIRST_MS;
    if (stale && (rc = acme_order_refresh(r->c, &r->order, &ra, err)) != CP_OK)
        return rc;
    while (strcmp(r->order.status, state) == 0) {
        if ((rc = poll_wait(r, ra, what, err)) != CP_OK)
            return rc;
        if ((rc = acme_order_refresh(r->c, &r->order, &ra, err)) != CP_OK)
            return rc;
    }
    return CP_OK;
}

static int expect_status(struct run *r, const char *want, struct err *err)
{
    const json_t *prob = json_object_get(r->order.object, "error");

    if (strcmp(r->order.status, want) == 0)
        return CP_OK;
    if (prob != NULL)
        return acme_problem_err(err, prob, "order failed");
    return err_set(err, CP_EACME, "order %s is %s, expected %s", r->order.url, r->order.status, want);
}

/* An alternate chain that leads to want, or NULL. A chain that cannot be
 * fetched is skipped: the default chain is already in hand. */
static char *alternate_for(struct run *r, char *const *alt, size_t nalt, const char *want)
{
    struct err why = {0};
    char *pem = NULL;

    for (size_t i = 0; i < nalt && i < MAX_ALTERNATES; i++) {
        if (past_deadline(r, "the alternate chains", &why) != CP_OK ||
            acme_cert_download(r->c, alt[i], &pem, NULL, NULL, &why) != CP_OK) {
            log_warn(acme_client_log(r->c), "skipping alternate chain: %s", why.msg);
            continue;
        }
        if (cert_chain_has_issuer(pem, strlen(pem), want))
            return pem;
        str_free(&pem);
    }
    return NULL;
}

/* RFC 8555 §7.4.2: the default chain, or the first alternate that leads to the
 * preferred issuer; the default when none does. */
static int download(struct run *r, struct acme_issue_result *out, struct err *err)
{
    const char *want = r->req->preferred_chain;
    char **alt = NULL, *pem = NULL;
    size_t nalt = 0;
    int rc = acme_cert_download(r->c, out->cert_url, &out->pem, &alt, &nalt, err);

    if (rc == CP_OK && want != NULL && !cert_chain_has_issuer(out->pem, strlen(out->pem), want)) {
        if ((pem = alternate_for(r, alt, nalt, want)) != NULL) {
            free(out->pem);
            out->pem = pem;
        } else {
            log_warn(acme_client_log(r->c), "no chain from the CA leads to \"%s\"; keeping the default chain",
                     want);
        }
    }
    for (size_t i = 0; i < nalt; i++)
        free(alt[i]);
    free(alt);
    return rc;
}

/* §7.4: the CSR (built here unless the request brings one) to the finalize URL. */
static int send_csr(struct run *r, bool *not_ready, struct err *err)
{
    unsigned char *csr = NULL;
    size_t csr_len = 0;
    int rc = CP_OK;

    if (r->req->csr_der == NULL)  /* else: a CSR someone else made, sent as it is */
        rc = csr_build(r->req->cert_key, r->req->names, r->req->nnames, &csr, &csr_len, err);
    if (rc == CP_OK)
        rc = acme_order_finalize(r->c, &r->order, csr ? csr : r->req->csr_der,
                                 csr ? csr_len : r->req->csr_der_len, not_ready, err);
    free(csr);
    return rc;
}

static int finalize(struct run *r, struct acme_issue_result *out, struct err *err)
{
    bool not_ready = false;
    int rc;

    /* every authorization is valid, so the order is ready (§7.1.6): finalize at
     * once, and read the order only when the CA says it is not ready yet */
    if ((rc = send_csr(r, &not_ready, err)) != CP_OK && not_ready) {
        log_info(acme_client_log(r->c), "the CA says the order is not ready yet; waiting for it");
        err_clear(err);
        if ((rc = await_order(r, "pending", true, "the order to become ready", err)) != CP_OK ||
            (rc = expect_status(r, "ready", err)) != CP_OK)
            return rc;
        rc = send_csr(r, NULL, err);
    }
    if (rc != CP_OK)
        return rc;
    if ((rc = await_order(r, "processing", false, "the certificate to be issued", err)) != CP_OK ||
        (rc = await_order(r, "ready", false, "the certificate to be issued", err)) != CP_OK ||
        (rc = expect_status(r, "valid", err)) != CP_OK)
        return rc;
    if (r->order.certificate == NULL)
        return err_set(err, CP_EPROTO, "order %s is valid but has no certificate URL", r->order.url);
    if ((out->cert_url = strdup(r->order.certificate)) == NULL)
        return err_nomem(err);
    return download(r, out, err);
}

static int authorize(struct run *r, struct err *err)
{
    int rc;

    if ((rc = fetch_authzs(r, err)) != CP_OK)
        return rc;
    rc = present_all(r, err);
    if (rc == CP_OK)
        rc = respond_all(r, err);
    if (rc == CP_OK)
        rc = await_authzs(r, err);
    cleanup_all(r);
    return rc == CP_OK ? check_authzs(r, err) : rc;
}

int acme_issue(struct acme_client *c, const struct acme_issue_req *req,
               struct acme_issue_result *out, struct err *err)
{
    struct run r = {.c = c, .req = req};
    int rc;

    memset(out, 0, sizeof(*out));
    r.deadline_ms = acme_client_now_ms(c) + 1000LL * (req->timeout_s > 0 ? req->timeout_s : 300);
    rc = acme_order_create(c, req->names, req->nnames, req->profile, req->replaces, &r.order, err);
    if (rc == CP_OK && (out->order_url = strdup(r.order.url)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = authorize(&r, err);
    if (rc == CP_OK)
        rc = finalize(&r, out, err);
    if (rc != CP_OK) {
        deactivate_pending(&r);
        acme_issue_result_free(out);
    }
    for (size_t i = 0; i < r.nslots; i++) {
        free(r.slots[i].auth);
        free(r.slots[i].ident);
        free(r.slots[i].token);
        acme_authz_free(&r.slots[i].authz);
    }
    free(r.slots);
    acme_order_free(&r.order);
    return rc;
}
