/*
 * dns/propagation — poll each (name server address, record name) pair until
 * the server returns every value expected at that name.
 *
 * The wait is bounded however the zone looks: at most DNS_ZONE_MAX_NS name
 * servers with DNS_NS_MAX_ADDRS addresses each are asked (the rest is logged),
 * and the deadline holds inside a pass too: each query waits min(1 s, the time
 * left) and none starts after the deadline, so a 3 s timeout ends after ~3 s
 * even when a dozen servers stay silent.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/propagation.h"
#include "util/clock.h"
#include "util/str.h"

#define POLL_FIRST_MS 50
#define POLL_MAX_MS 2000
#define PROGRESS_EVERY_MS 5000
#define LAST_PASS_MS 250 /* the last pass starts this long before the deadline */

/* One server address that must serve every value expected at one name. */
struct check {
    const char *fqdn;  /* borrowed from the records */
    const char *host;  /* borrowed from the NS list */
    const char *addr;  /* borrowed from the NS list */
    struct dns_resolver *direct;
    bool done;
    bool answered;        /* did the last query get any answer? */
    const char *missing;  /* a value the last answer lacked */
};

struct wait {
    const struct dns_txt *recs;
    size_t n;
    struct check *checks;
    size_t nchecks;
    struct dns_ns **ns;  /* one NS list per distinct name, for freeing */
    size_t *nns;
    size_t nlists;
};

static long now_ms(void)
{
    return (long)clock_mono_ms();
}

static bool first_of_name(const struct dns_txt *recs, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(recs[j].fqdn, recs[i].fqdn) == 0)
            return false;
    return true;
}

static int add_checks(struct wait *w, const char *fqdn, const struct dns_ns *ns, size_t nns,
                      uint16_t port, struct err *err)
{
    for (size_t i = 0; i < nns; i++) {
        for (size_t a = 0; a < ns[i].naddrs; a++) {
            struct check *grown = realloc(w->checks, (w->nchecks + 1) * sizeof(*grown));
            struct check *c;
            int rc;

            if (grown == NULL)
                return err_nomem(err);
            w->checks = grown;
            c = &w->checks[w->nchecks];
            *c = (struct check){fqdn, ns[i].host, ns[i].addrs[a], NULL, false, false, NULL};
            if ((rc = dns_resolver_new_direct(c->addr, port, &c->direct, err)) != CP_OK)
                return rc;
            w->nchecks++;
        }
    }
    return CP_OK;
}

/* The name servers of the zone of recs[i] (found through r unless the provider said). */
static int plan_name(struct wait *w, struct dns_resolver *r, size_t i, const struct dns_propagation_opts *o,
                     struct err *err)
{
    char *zone = NULL;
    const char *z = w->recs[i].zone;
    size_t skipped = 0;
    int rc = CP_OK;

    if (z == NULL && (rc = dns_find_zone(r, w->recs[i].fqdn, &zone, NULL, err)) == CP_OK)
        z = zone;
    if (rc == CP_OK)
        rc = dns_zone_ns(r, z, &w->ns[w->nlists], &w->nns[w->nlists], &skipped, err);
    if (rc == CP_OK && skipped > 0)
        log_warn(o->log, "propagation: zone %s: asking %d name servers with %d addresses each at most; "
                 "%zu more name server(s) or address(es) not asked", z, DNS_ZONE_MAX_NS, DNS_NS_MAX_ADDRS, skipped);
    if (rc == CP_OK) {
        w->nlists++;
        rc = add_checks(w, w->recs[i].fqdn, w->ns[w->nlists - 1], w->nns[w->nlists - 1], o->port, err);
    }
    free(zone);
    return rc;
}

static int plan(struct wait *w, struct dns_resolver *r, const struct dns_propagation_opts *o, struct err *err)
{
    int rc = CP_OK;

    w->ns = calloc(w->n ? w->n : 1, sizeof(*w->ns));
    w->nns = calloc(w->n ? w->n : 1, sizeof(*w->nns));
    if (w->ns == NULL || w->nns == NULL)
        return err_nomem(err);
    for (size_t i = 0; rc == CP_OK && i < w->n; i++)
        if (first_of_name(w->recs, i))
            rc = plan_name(w, r, i, o, err);
    if (rc != CP_OK)
        err_prefix(err, "propagation: ");
    return rc;
}

static void wait_free(struct wait *w)
{
    for (size_t i = 0; i < w->nchecks; i++)
        dns_resolver_free(w->checks[i].direct);
    for (size_t i = 0; i < w->nlists; i++)
        dns_ns_free(w->ns[i], w->nns[i]);
    free(w->checks);
    free(w->ns);
    free(w->nns);
}

static bool has_value(char **vals, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(vals[i], v) == 0)
            return true;
    return false;
}

/* Ask c's server once; c->done when every value expected at c->fqdn is there. */
static int poll_check(struct wait *w, struct check *c)
{
    char **vals = NULL;
    size_t nvals = 0;
    int rc = dns_txt_lookup(c->direct, c->fqdn, &vals, &nvals, NULL);

    if (rc == CP_ENOMEM)
        return rc;
    c->answered = rc == CP_OK;
    c->missing = NULL;
    for (size_t i = 0; i < w->n && c->missing == NULL; i++)
        if (strcmp(w->recs[i].fqdn, c->fqdn) == 0 && !has_value(vals, nvals, w->recs[i].value))
            c->missing = w->recs[i].value;
    c->done = c->answered && c->missing == NULL;
    dns_strv_free(vals, nvals);
    return CP_OK;
}

/* Poll every unfinished check until deadline; *pending is how many remain (the first in *first).
 * The checks a pass did not reach before the deadline keep what their last poll found. */
static int poll_all(struct wait *w, long long deadline, size_t *pending, const struct check **first)
{
    *pending = 0;
    *first = NULL;
    for (size_t i = 0; i < w->nchecks; i++) {
        struct check *c = &w->checks[i];
        if (!c->done && clock_mono_ms() < deadline && poll_check(w, c) != CP_OK)
            return CP_ENOMEM;
        if (!c->done && (*pending)++ == 0)
            *first = c;
    }
    return CP_OK;
}

static int lacking(const struct check *c, long secs, struct err *err)
{
    if (!c->answered)
        return err_set(err, CP_ETIMEOUT, "propagation: %s (%s) did not answer for TXT %s after %ld s",
                       c->addr, c->host, c->fqdn, secs);
    return err_set(err, CP_ETIMEOUT, "propagation: %s (%s) has no TXT \"%s\" at %s after %ld s",
                   c->addr, c->host, c->missing, c->fqdn, secs);
}

/* Sleep ms in short slices so a cancel flag is seen within 50 ms. */
static bool nap(long ms, volatile sig_atomic_t *cancel)
{
    for (long left = ms; left > 0 && !(cancel && *cancel); left -= POLL_FIRST_MS) {
        long step = left < POLL_FIRST_MS ? left : POLL_FIRST_MS;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
    }
    return !(cancel && *cancel);
}

static int poll_loop(struct wait *w, const struct dns_propagation_opts *o, struct err *err)
{
    long timeout_s = o->timeout_s > 0 ? o->timeout_s : DNS_PROPAGATION_TIMEOUT_S;
    long start = now_ms(), deadline = start + timeout_s * 1000L, last_note = start, interval = POLL_FIRST_MS;
    long last_pass = deadline - LAST_PASS_MS;
    const struct check *first = NULL;
    size_t pending = 0;

    for (size_t i = 0; i < w->nchecks; i++)
        dns_resolver_set_deadline(w->checks[i].direct, deadline);
    for (;;) {
        if (poll_all(w, deadline, &pending, &first) != CP_OK)
            return err_nomem(err);
        if (pending == 0) {
            log_info(o->log, "propagation: %zu name server address(es) serve every value after %.1f s",
                     w->nchecks, (double)(now_ms() - start) / 1000.0);
            return CP_OK;
        }
        if (now_ms() >= last_pass)
            return lacking(first, timeout_s, err);
        if (now_ms() - last_note >= PROGRESS_EVERY_MS) {
            log_info(o->log, "propagation: waiting for %zu of %zu server(s), e.g. %s (%s) for %s",
                     pending, w->nchecks, first->addr, first->host, first->fqdn);
            last_note = now_ms();
        }
        /* the last pass starts LAST_PASS_MS before the deadline, its queries end at it */
        if (!nap(interval < last_pass - now_ms() ? interval : last_pass - now_ms(), o->cancel))
            return err_set(err, CP_EINTR, "propagation: interrupted");
        interval = interval * 2 > POLL_MAX_MS ? POLL_MAX_MS : interval * 2;
    }
}

int dns_propagation_wait(struct dns_resolver *r, const struct dns_txt *recs, size_t n,
                         const struct dns_propagation_opts *o, struct err *err)
{
    struct wait w = {recs, n, NULL, 0, NULL, NULL, 0};
    int rc = plan(&w, r, o, err);

    if (rc == CP_OK)
        rc = poll_loop(&w, o, err);
    wait_free(&w);
    return rc;
}
