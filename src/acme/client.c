#include "acme/client.h"
#include "util/clock.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme/noncepool.h"
#include "acme/problem.h"
#include "acme/ratelimit.h"
#include "http/url.h"
#include "jose/b64url.h"
#include "util/str.h"

struct acme_client {
    char *url;
    struct acme_directory dir;
    struct http_transport *http;
    const struct logger *log;
    struct jws_signer *signer;
    char *kid;
    char *nonce;
    int max_nonce_retries;
    int max_retries;
    long max_retry_after_s;
    void (*sleep_ms)(void *ud, long ms);
    long long (*now_ms)(void *ud);
    void *sleep_ud;
    struct nonce_pool *nonces;
    struct ratelimit *limits;
    volatile sig_atomic_t *cancel;
};

static int request(struct acme_client *c, const char *method, const char *url, const json_t *payload,
                   struct acme_reply *out, struct err *err);

static void default_sleep(void *ud, long ms)
{
    (void)ud;
    clock_sleep_ms(ms);
}

static long long default_now_ms(void *ud)
{
    (void)ud;
    return clock_mono_ms();
}

long long acme_client_now_ms(struct acme_client *c)
{
    return c->now_ms(c->sleep_ud);
}

void acme_client_sleep(struct acme_client *c, long ms)
{
    if (ms > 0)
        c->sleep_ms(c->sleep_ud, ms);
}

const struct logger *acme_client_log(const struct acme_client *c)
{
    return c->log;
}

const struct acme_directory *acme_client_directory(const struct acme_client *c)
{
    return &c->dir;
}

const char *acme_client_url(const struct acme_client *c)
{
    return c->url;
}

const char *acme_client_kid(const struct acme_client *c)
{
    return c->kid;
}

struct jws_signer *acme_client_signer(const struct acme_client *c)
{
    return c->signer;
}

static bool is_json(const struct http_response *r)
{
    const char *ct = http_header_get(r, "Content-Type");

    return ct != NULL && (str_has_prefix(ct, "application/json") ||
                          str_has_prefix(ct, "application/problem+json"));
}

void acme_reply_free(struct acme_reply *r)
{
    if (r == NULL)
        return;
    json_decref(r->json);
    free(r->location);
    http_response_free(&r->http);
    memset(r, 0, sizeof(*r));
}

long acme_reply_retry_after(const struct acme_reply *r)
{
    const char *ra = http_header_get(&r->http, "Retry-After");
    long secs;

    if (ra == NULL || http_retry_after(ra, time(NULL), &secs) != CP_OK)
        return -1;
    return secs;
}

/* Parse the JSON body (if it claims to be JSON) and copy Location. */
static int reply_fill(struct acme_reply *r, const char *url, struct err *err)
{
    const char *loc = http_header_get(&r->http, "Location");
    json_error_t jerr;

    r->status = r->http.status;
    if (loc != NULL && (r->location = strdup(loc)) == NULL)
        return err_nomem(err);
    if (!is_json(&r->http))
        return CP_OK;
    r->json = json_loadb(r->http.body.data ? r->http.body.data : "", r->http.body.len, 0, &jerr);
    if (r->json == NULL)
        return err_set(err, CP_EPROTO, "reply from %s is not valid JSON: %s", url, jerr.text);
    return CP_OK;
}

/* RFC 8555 §6.5.1: a nonce is base64url; anything else is not kept. */
static void take_nonce(struct acme_client *c, const struct http_response *r)
{
    const char *n = http_header_get(r, "Replay-Nonce");

    if (!b64url_alphabet_only(n))
        return;
    if (c->nonces != NULL) {  /* shared: any worker's next request may use it */
        nonce_pool_put(c->nonces, n);
        return;
    }
    free(c->nonce);
    c->nonce = strdup(n);
}

bool acme_client_cancelled(const struct acme_client *c)
{
    return c->cancel != NULL && *c->cancel != 0;
}

/* RFC 8555 has no limits of its own; a CA's per-IP limits are per kind of request. */
static enum rl_class request_class(const struct acme_client *c, const char *url)
{
    if (strcmp(url, c->url) == 0)
        return RL_DIRECTORY;
    if (c->dir.new_nonce != NULL && strcmp(url, c->dir.new_nonce) == 0)
        return RL_NEW_NONCE;
    if (c->dir.new_account != NULL && strcmp(url, c->dir.new_account) == 0)
        return RL_NEW_ACCOUNT;
    if (c->dir.new_order != NULL && strcmp(url, c->dir.new_order) == 0)
        return RL_NEW_ORDER;
    return RL_OTHER;
}

static int send_get(struct acme_client *c, const char *method, const char *url,
                    struct acme_reply *out, struct err *err)
{
    struct http_request req = {method, url, NULL, NULL, 0, NULL};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = http_send(c->http, &req, &out->http, err);
    if (rc != CP_OK)
        return rc;
    take_nonce(c, &out->http);
    return reply_fill(out, url, err);
}

int acme_get(struct acme_client *c, const char *url, struct acme_reply *out, struct err *err)
{
    return send_get(c, "GET", url, out, err);
}

/* RFC 8555 §7.2: a HEAD to newNonce when we hold none. */
static int fetch_nonce(struct acme_client *c, bool *broken, struct err *err)
{
    struct acme_reply r;
    int rc;

    if (c->nonce == NULL && c->nonces != NULL)
        c->nonce = nonce_pool_take(c->nonces);
    if (c->nonce != NULL)
        return CP_OK;
    ratelimit_acquire(c->limits, RL_NEW_NONCE);
    rc = send_get(c, "HEAD", c->dir.new_nonce, &r, err);
    if (rc == CP_OK && c->nonces != NULL)
        c->nonce = nonce_pool_take(c->nonces);
    *broken = r.http.broken;
    acme_reply_free(&r);
    if (rc == CP_OK && c->nonce == NULL)
        rc = err_set(err, CP_EPROTO, "newNonce %s gave no Replay-Nonce header", c->dir.new_nonce);
    return rc;
}

static int dir_url(const json_t *d, const char *key, bool required, char **out, struct err *err)
{
    const char *v = json_string_value(json_object_get(d, key));

    if (v == NULL || !(str_has_prefix(v, "https://") || str_has_prefix(v, "http://"))) {
        if (required)
            return err_set(err, CP_EPROTO, "ACME directory has no valid \"%s\" URL", key);
        return CP_OK;
    }
    *out = strdup(v);
    return *out ? CP_OK : err_nomem(err);
}

/* RFC 8555 §7.1.1 (and RFC 9773 §4 for renewalInfo); unknown fields ignored. */
static int dir_parse(struct acme_directory *d, json_t *raw, struct err *err)
{
    json_t *meta = json_object_get(raw, "meta");
    const char *tos = json_string_value(json_object_get(meta, "termsOfService"));
    const char *web = json_string_value(json_object_get(meta, "website"));
    int rc;

    d->raw = raw;
    if ((rc = dir_url(raw, "newNonce", true, &d->new_nonce, err)) != CP_OK ||
        (rc = dir_url(raw, "newAccount", true, &d->new_account, err)) != CP_OK ||
        (rc = dir_url(raw, "newOrder", true, &d->new_order, err)) != CP_OK ||
        (rc = dir_url(raw, "revokeCert", false, &d->revoke_cert, err)) != CP_OK ||
        (rc = dir_url(raw, "keyChange", false, &d->key_change, err)) != CP_OK ||
        (rc = dir_url(raw, "renewalInfo", false, &d->renewal_info, err)) != CP_OK)
        return rc;
    if ((tos && !(d->terms_of_service = strdup(tos))) || (web && !(d->website = strdup(web))))
        return err_nomem(err);
    d->eab_required = json_is_true(json_object_get(meta, "externalAccountRequired"));
    d->profiles = json_object_get(meta, "profiles");
    if (d->profiles != NULL && !json_is_object(d->profiles))
        d->profiles = NULL;
    return CP_OK;
}

int acme_client_check_url(struct acme_client *c, const char *what, const char *url, struct err *err)
{
    char *host = NULL, *ours = NULL;
    long port = 0, our_port = 0;
    int rc;

    if (url == NULL)
        return err_set(err, CP_EPROTO, "%s: the CA gave no URL", what);
    if (strncasecmp(c->url, "https://", 8) == 0 && strncasecmp(url, "https://", 8) != 0)
        return err_set(err, CP_EPROTO, "%s \"%s\" from %s is not https; refused (the directory is https)",
                       what, url, c->url);
    if ((rc = url_host_port(url, &host, &port, NULL)) != CP_OK)
        return err_set(err, CP_EPROTO, "%s \"%s\" from %s is not an absolute http(s) URL", what, url, c->url);
    if (url_host_port(c->url, &ours, &our_port, NULL) == CP_OK &&
        (strcasecmp(host, ours) != 0 || port != our_port))
        log_info(c->log, "%s is on another host than the directory: %s", what, url);
    free(host);
    free(ours);
    return CP_OK;
}

/* Every URL of the directory passes acme_client_check_url. */
static int dir_check(struct acme_client *c, struct err *err)
{
    const struct acme_directory *d = &c->dir;
    const char *const urls[] = {d->new_nonce, d->new_account, d->new_order, d->revoke_cert,
                                d->key_change, d->renewal_info};
    const char *const names[] = {"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange",
                                 "renewalInfo"};
    int rc;

    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
        if (urls[i] != NULL && (rc = acme_client_check_url(c, names[i], urls[i], err)) != CP_OK)
            return rc;
    return CP_OK;
}

static void dir_free(struct acme_directory *d)
{
    free(d->new_nonce);
    free(d->new_account);
    free(d->new_order);
    free(d->revoke_cert);
    free(d->key_change);
    free(d->renewal_info);
    free(d->terms_of_service);
    free(d->website);
    json_decref(d->raw);
    memset(d, 0, sizeof(*d));
}

/* The directory another client of this run fetched: parsed and checked, no request. */
static int dir_reuse(struct acme_client *c, const char *text, struct err *err)
{
    json_t *raw = json_loads(text, 0, NULL);
    int rc;

    if (!json_is_object(raw)) {
        json_decref(raw);
        return err_set(err, CP_EPROTO, "ACME directory %s: the copy kept by this run is not a JSON object",
                       c->url);
    }
    rc = dir_parse(&c->dir, raw, err);
    if (rc == CP_OK)
        rc = dir_check(c, err);
    if (rc != CP_OK)
        err_prefix(err, "%s: ", c->url);
    return rc;
}

static int dir_load(struct acme_client *c, struct err *err)
{
    struct acme_reply r;
    int rc = request(c, "GET", c->url, NULL, &r, err);

    if (rc != CP_OK)
        goto out;
    if (r.status != 200 || !json_is_object(r.json)) {
        rc = err_set(err, CP_EPROTO, "ACME directory %s: HTTP %ld, expected a JSON object",
                     c->url, r.status);
        goto out;
    }
    rc = dir_parse(&c->dir, json_incref(r.json), err);
    if (rc == CP_OK)
        rc = dir_check(c, err);
    if (rc != CP_OK)
        err_prefix(err, "%s: ", c->url);
out:
    acme_reply_free(&r);
    return rc;
}

struct acme_client *acme_client_new(const struct acme_client_opts *o, struct err *err)
{
    struct acme_client *c = calloc(1, sizeof(*c));

    if (c == NULL || (c->url = strdup(o->directory_url)) == NULL) {
        err_nomem(err);
        goto fail;
    }
    c->http = o->transport;
    c->log = o->log;
    c->max_nonce_retries = o->max_nonce_retries > 0 ? o->max_nonce_retries : 10;
    c->max_retry_after_s = o->max_retry_after_s > 0 ? o->max_retry_after_s : 60;
    c->max_retries = o->max_retries > 0 ? o->max_retries : 3;
    c->sleep_ms = o->sleep_ms ? o->sleep_ms : default_sleep;
    c->now_ms = o->now_ms ? o->now_ms : default_now_ms;
    c->sleep_ud = o->sleep_ud;
    c->nonces = o->nonces;
    c->limits = o->limits;
    c->cancel = o->cancel;
    if ((o->directory_json ? dir_reuse(c, o->directory_json, err) : dir_load(c, err)) != CP_OK)
        goto fail;
    return c;
fail:
    acme_client_free(c);
    return NULL;
}

char *acme_client_directory_text(const struct acme_client *c)
{
    return json_dumps(c->dir.raw, JSON_COMPACT);
}

void acme_client_free(struct acme_client *c)
{
    if (c == NULL)
        return;
    dir_free(&c->dir);
    free(c->url);
    free(c->kid);
    free(c->nonce);
    free(c);
}

int acme_client_set_account(struct acme_client *c, struct jws_signer *signer, const char *kid)
{
    char *k = NULL;

    if (kid != NULL && (k = strdup(kid)) == NULL)
        return CP_ENOMEM;
    free(c->kid);
    c->kid = k;
    c->signer = signer;
    return CP_OK;
}

/* RFC 8555 §6.2: protected header with url, nonce and either kid or jwk. */
static char *sign_body(struct acme_client *c, const char *url, const json_t *payload, struct err *err)
{
    json_t *hdr = NULL, *jws = NULL;
    char *pl = NULL, *body = NULL;

    hdr = c->kid ? json_pack("{s:s, s:s, s:s}", "url", url, "nonce", c->nonce, "kid", c->kid)
                 : json_pack("{s:s, s:s, s:O}", "url", url, "nonce", c->nonce, "jwk",
                             jws_signer_jwk(c->signer));
    if (hdr == NULL)
        goto nomem;
    if (payload != NULL && (pl = json_dumps(payload, JSON_COMPACT)) == NULL)
        goto nomem;
    jws = jws_sign(c->signer, hdr, pl, pl ? strlen(pl) : 0, err);
    if (jws != NULL && (body = json_dumps(jws, JSON_COMPACT)) == NULL)
        err_nomem(err);
    goto out;
nomem:
    err_nomem(err);
out:
    json_decref(hdr);
    json_decref(jws);
    free(pl);
    return body;
}

/* One signed POST; the nonce held is used up whatever happens. */
static int post_once(struct acme_client *c, const char *url, const json_t *payload,
                     struct acme_reply *out, struct err *err)
{
    struct http_request req = {"POST", url, "application/jose+json", NULL, 0, NULL};
    char *body = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (c->signer == NULL)
        return err_set(err, CP_EUSAGE, "no account key to sign a request to %s", url);
    if ((rc = fetch_nonce(c, &out->http.broken, err)) != CP_OK)
        return rc;
    body = sign_body(c, url, payload, err);
    str_free(&c->nonce);
    if (body == NULL)
        return err ? err->code : CP_ECRYPTO;
    req.body = body;
    req.body_len = strlen(body);
    rc = http_send(c->http, &req, &out->http, err);
    free(body);
    if (rc != CP_OK)
        return rc;
    take_nonce(c, &out->http);
    return reply_fill(out, url, err);
}

static int reply_error(const struct acme_reply *r, const char *url, struct err *err)
{
    char what[600];
    size_t n;

    if (r->json == NULL)
        return err_set(err, CP_EACME, "%s: HTTP %ld with no problem document", url, r->status);
    snprintf(what, sizeof(what), "%s (HTTP %ld)", url, r->status);
    acme_problem_err(err, r->json, what);
    /* RFC 8555 §7.3.1: the CA does not know the key; a test CA forgets on restart */
    if (err != NULL && acme_problem_is(r->json, "accountDoesNotExist")) {
        n = strlen(err->msg);
        snprintf(err->msg + n, sizeof(err->msg) - n,
                 " (the CA no longer knows this account; register its key again)");
    }
    return CP_EACME;
}

/* Where one request stands among its retries. */
struct attempts {
    int nonce;       /* badNonce retries so far */
    int other;       /* 429/503/broken-connection retries so far */
    long step_ms;    /* the back-off step when the CA names no wait */
    char note[160];  /* why we stopped retrying, appended to the error */
};

static long next_step(struct attempts *a)
{
    long ms = a->step_ms;

    a->other++;
    if (a->step_ms < 8000)
        a->step_ms *= 2;
    return ms;
}

/* RFC 8555 §6.6 and RFC 9110 §10.2.3: 429 and 503 ask us to come back later.
 * The wait is the CA's Retry-After (at least 1 s, so "0" or a past date is no
 * busy loop), else our back-off step; a wait longer than we are willing to give
 * is an error. -1: do not try again. */
static long busy_delay_ms(struct acme_client *c, const struct acme_reply *r, struct attempts *a)
{
    long ra = acme_reply_retry_after(r), ms;

    if (a->other >= c->max_retries) {
        snprintf(a->note, sizeof(a->note), " (still refused after %d retries)", a->other);
        return -1;
    }
    if (ra > c->max_retry_after_s) {
        snprintf(a->note, sizeof(a->note), " (the CA asks to wait %ld s, more than the %ld s limit)",
                 ra, c->max_retry_after_s);
        return -1;
    }
    ms = next_step(a);
    if (ra >= 0)
        ms = ra > 1 ? ra * 1000 : 1000;
    return ms;
}

/* How long to wait before trying this request again; -1: not again. */
static long retry_delay_ms(struct acme_client *c, int rc, const struct acme_reply *r, struct attempts *a)
{
    if (rc != CP_OK) {
        if (!r->http.broken)
            return -1;
        if (a->other < c->max_retries)
            return next_step(a);
        snprintf(a->note, sizeof(a->note), " (gave up after %d retries)", a->other);
        return -1;
    }
    /* RFC 8555 §6.5: a badNonce reply carries a fresh nonce; try at once */
    if (acme_problem_is(r->json, "badNonce"))
        return a->nonce++ < c->max_nonce_retries ? 0 : -1;
    if (r->status == 429 || r->status == 503)
        return busy_delay_ms(c, r, a);
    return -1;
}

static void append_note(struct err *err, const char *note)
{
    size_t n;

    if (err == NULL || note[0] == '\0')
        return;
    n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n, "%s", note);
}

static void log_retry(struct acme_client *c, int rc, const char *method, const char *url,
                      const struct acme_reply *r, long delay)
{
    const char *type = acme_problem_short_type(r->json);

    if (rc != CP_OK)
        log_debug(c->log, "retrying %s %s after a broken connection in %ld ms", method, url, delay);
    else
        log_debug(c->log, "retrying %s %s after HTTP %ld (%s) in %ld ms", method, url, r->status,
                  type ? type : "no type", delay);
}

/* RFC 8555 never sends a client elsewhere; a redirect is refused, not followed. */
static int not_followed(const struct acme_reply *r, const char *url, struct err *err)
{
    return err_set(err, CP_EPROTO, "%s: HTTP %ld redirect to %s refused (ACME needs no redirects)", url,
                   r->status, r->location ? r->location : "(no Location)");
}

/* After the CA said rateLimited (a 429 with Retry-After), no new order goes
 * to it until then; the orders already under way finish. */
static int orders_paused(struct acme_client *c, const char *url, struct err *err)
{
    long left = 0;

    if (!ratelimit_orders_paused(c->limits, &left))
        return CP_OK;
    return err_set(err, CP_EACME, "%s: not ordering: the CA asked for no new orders for another %ld s "
                   "(rateLimited)", url, left);
}

/* The one retry loop of certpilot. Each try is sent afresh (a POST is signed
 * again with a new nonce); what a failed try left is freed before the next. */
static int request(struct acme_client *c, const char *method, const char *url, const json_t *payload,
                   struct acme_reply *out, struct err *err)
{
    struct attempts a = {.step_ms = 1000};
    bool post = strcmp(method, "POST") == 0;
    long delay;
    int rc;

    if (post && request_class(c, url) == RL_NEW_ORDER && (rc = orders_paused(c, url, err)) != CP_OK)
        return rc;
    for (;;) {
        ratelimit_acquire(c->limits, request_class(c, url));
        rc = post ? post_once(c, url, payload, out, err) : send_get(c, method, url, out, err);
        if (rc == CP_OK && out->status == 429 && acme_problem_is(out->json, "rateLimited"))
            ratelimit_pause_orders(c->limits, acme_reply_retry_after(out) > 0 ? acme_reply_retry_after(out) : 60);
        if (rc == CP_OK && out->status >= 300 && out->status < 400)
            return not_followed(out, url, err);
        if (rc == CP_OK && out->status < 400)
            return rc;
        delay = retry_delay_ms(c, rc, out, &a);
        if (delay < 0)
            break;
        log_retry(c, rc, method, url, out, delay);
        acme_reply_free(out);
        acme_client_sleep(c, delay);
    }
    if (rc == CP_OK && post)
        rc = reply_error(out, url, err);
    if (rc != CP_OK)
        append_note(err, a.note);
    return rc;
}

int acme_post(struct acme_client *c, const char *url, const json_t *payload,
              struct acme_reply *out, struct err *err)
{
    return request(c, "POST", url, payload, out, err);
}
