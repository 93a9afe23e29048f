/*
 * solve/dns — dns-01 (RFC 8555 §8.4) through any DNS provider: works out the
 * record names, publishes an order's records in one batch, waits until the
 * zones' name servers serve them, removes each value once its authorization
 * is final, and keeps a crash journal so nothing is left behind for good.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/journal.h"
#include "dns/propagation.h"
#include "dns/provider.h"
#include "dns/resolve.h"
#include "dns/round.h"
#include "jose/b64url.h"
#include "solve/solve.h"
#include "util/fsio.h"
#include "util/str.h"

#define JOURNAL_PREFIX "dns-journal-"

/* One presented challenge: its value at its (CNAME-followed) name. */
struct entry {
    char *ident;
    char *value;
    char *fqdn;
    struct dns_txt rec;  /* rec.fqdn and rec.value point at the strings above */
    bool queued;         /* presented, not yet handed to the provider */
    bool inflight;       /* in the batch add() is working on */
    bool done;           /* cleanup() was called: removed with the order's last one */
    bool validated;      /* what cleanup() was told */
};

struct dns_solver {
    struct solver base;
    struct dns_provider *provider;
    char *journal;  /* path, or NULL without a state directory */
    long timeout_s;
    bool skip;
    volatile sig_atomic_t *cancel;
    const struct logger *log;
    struct dns_resolver *res;
    struct entry **ents;
    size_t n;
    bool owns_provider;
    struct dns_rounds *rounds;  /* borrowed, or NULL */
    char *round_key;
    bool expected;         /* counted by the rounds as a member still to come (publishing) */
    bool expected_remove;  /* published in a round: expected in a removal round */
};

static void entry_free(struct entry *e)
{
    if (e == NULL)
        return;
    dns_txt_clear(&e->rec);
    free(e->ident);
    free(e->value);
    free(e->fqdn);
    free(e);
}

/* Rewrite the journal with what is published or being published; delete it when nothing is. */
static int journal_sync(struct dns_solver *d, struct err *err)
{
    struct dns_txt *recs = NULL;
    size_t k = 0;
    int rc = CP_OK;

    if (d->journal == NULL)
        return CP_OK;
    if ((recs = calloc(d->n ? d->n : 1, sizeof(*recs))) == NULL)
        return err_nomem(err);
    for (size_t i = 0; i < d->n; i++)
        if (d->ents[i]->rec.added || d->ents[i]->inflight)
            recs[k++] = d->ents[i]->rec;
    if (k > 0)
        rc = dns_journal_write(d->journal, d->provider->name, (long)getpid(), recs, k, err);
    else if (unlink(d->journal) != 0 && errno != ENOENT)
        rc = err_set(err, CP_EIO, "cannot remove %s: %s", d->journal, strerror(errno));
    free(recs);
    return rc;
}

static struct entry *find(struct dns_solver *d, const char *ident, const char *value)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->ents[i]->ident, ident) == 0 && strcmp(d->ents[i]->value, value) == 0)
            return d->ents[i];
    return NULL;
}

/* RFC 8555 §8.4: the TXT record at "_acme-challenge." + the name; where that
 * name is an alias, the record belongs at the end of the CNAME chain. */
static int record_name(struct dns_solver *d, const char *ident, char **fqdn, struct err *err)
{
    char *name = dns_challenge_name(ident);
    int rc;

    if (name == NULL)
        return err_set(err, CP_EINVALID, "dns-01: \"%s\" is not a DNS name", ident);
    rc = dns_follow_cname(d->res, name, fqdn, err);
    if (rc == CP_OK && strcmp(name, *fqdn) != 0)
        log_info(d->log, "dns-01: %s is an alias of %s; the record goes there", name, *fqdn);
    free(name);
    return rc;
}

static int dns_present(struct solver *s, const struct chal *c, struct err *err)
{
    struct dns_solver *d = (struct dns_solver *)s;
    struct entry *e = NULL, **grown = NULL;
    int rc;

    if (c->type == NULL || strcmp(c->type, "dns-01") != 0)
        return err_set(err, CP_EUSAGE, "the dns solver answers dns-01, not %s", c->type ? c->type : "(none)");
    if (c->auth == NULL || !b64url_alphabet_only(c->auth) || strlen(c->auth) > 255)
        return err_set(err, CP_EINVALID, "dns-01 value for %s is not base64url", c->ident);
    if (find(d, c->ident, c->auth) != NULL)
        return CP_OK;
    if ((e = calloc(1, sizeof(*e))) == NULL || (e->ident = strdup(c->ident)) == NULL ||
        (e->value = strdup(c->auth)) == NULL || (grown = realloc(d->ents, (d->n + 1) * sizeof(*grown))) == NULL) {
        entry_free(e);
        return err_nomem(err);
    }
    d->ents = grown;
    if ((rc = record_name(d, c->ident, &e->fqdn, err)) != CP_OK) {
        entry_free(e);
        return rc;
    }
    e->rec.fqdn = e->fqdn;
    e->rec.value = e->value;
    e->queued = true;
    d->ents[d->n++] = e;
    return CP_OK;
}

/* Copy the records of entries for which want() holds into a batch for the
 * provider; scatter() hands what the provider filled in back to the entries. */
static size_t gather(struct dns_solver *d, bool (*want)(const struct entry *), struct dns_txt *out,
                     struct entry **who)
{
    size_t k = 0;

    for (size_t i = 0; i < d->n; i++)
        if (want(d->ents[i])) {
            who[k] = d->ents[i];
            out[k++] = d->ents[i]->rec;
        }
    return k;
}

static void scatter(struct dns_txt *batch, struct entry **who, size_t k)
{
    for (size_t i = 0; i < k; i++)
        who[i]->rec = batch[i];
}

static bool is_queued(const struct entry *e)
{
    return e->queued;
}

static bool is_added(const struct entry *e)
{
    return e->rec.added;
}

/* Remove every published record in one batch (a failed add, or free()). */
static void remove_added(struct dns_solver *d, struct dns_txt *batch, struct entry **who)
{
    struct err err = {0};
    size_t k = gather(d, is_added, batch, who);

    if (k > 0 && d->provider->remove(d->provider, batch, k, &err) != CP_OK)
        log_warn(d->log, "dns-01: cannot remove published records: %s", err.msg);
    scatter(batch, who, k);
    if (journal_sync(d, &err) != CP_OK)
        log_warn(d->log, "dns-01: %s", err.msg);
}

/* The queued records into batch, journalled as in flight before anyone publishes them. */
static int take_queued(struct dns_solver *d, struct dns_txt *batch, struct entry **who, size_t *k, struct err *err)
{
    int rc;

    if ((*k = gather(d, is_queued, batch, who)) == 0)
        return CP_OK;
    for (size_t i = 0; i < *k; i++)
        who[i]->inflight = true;
    if ((rc = journal_sync(d, err)) != CP_OK)
        for (size_t i = 0; i < *k; i++)
            who[i]->inflight = false;
    return rc;
}

/* One add() batch for every queued record, journalled first. */
static int publish(struct dns_solver *d, struct dns_txt *batch, struct entry **who, struct err *err)
{
    size_t k = 0;
    int rc = take_queued(d, batch, who, &k, err);

    if (rc != CP_OK || k == 0)
        return rc;
    log_info(d->log, "dns-01: publishing %zu TXT record(s) through %s", k, d->provider->name);
    rc = d->provider->add(d->provider, batch, k, err);
    scatter(batch, who, k);
    for (size_t i = 0; i < k; i++)
        who[i]->queued = who[i]->inflight = false;
    if (rc != CP_OK) {
        remove_added(d, batch, who);  /* a provider failing halfway takes back what it added */
        return rc;
    }
    return journal_sync(d, err);
}

/* The queued records through the batch's round; *done when the round saw
 * them all published and visible. A failed round is not an error: the
 * caller goes on alone with what is still queued. */
static int together(struct dns_solver *d, struct dns_txt *batch, struct entry **who, bool *done, struct err *err)
{
    struct dns_propagation_opts po = {d->timeout_s, d->cancel, d->log, 0};
    struct dns_round_member m = {d->round_key, d->expected, batch,  0,      d->provider,
                                 d->res,       &po,         d->skip, d->log, DNS_ROUND_PUBLISH};
    struct err why = {0};
    size_t k = 0;
    int rc = take_queued(d, batch, who, &k, err);

    *done = false;
    if (rc == CP_OK && k == 0 && d->expected) {
        /* nothing to publish (every authorization already valid): no round waits for us */
        d->expected = false;
        if (dns_rounds_expect(d->rounds, d->round_key, DNS_ROUND_PUBLISH, -1) != CP_OK)
            return err_nomem(err);
    }
    if (rc != CP_OK || k == 0)
        return rc;
    m.n = k;
    d->expected = false;
    rc = dns_rounds_join(d->rounds, &m, &why);
    scatter(batch, who, k);
    for (size_t i = 0; i < k; i++) {
        who[i]->inflight = false;
        who[i]->queued = !who[i]->rec.added;
    }
    if (rc != CP_OK)
        log_warn(d->log, "dns-01: the records published together are not all ready (%s); going on alone", why.msg);
    *done = rc == CP_OK;
    d->expected_remove = rc == CP_OK;  /* the round counted us for removing together */
    return journal_sync(d, err);
}

static int dns_wait_ready(struct solver *s, struct err *err)
{
    struct dns_solver *d = (struct dns_solver *)s;
    struct dns_txt *batch = calloc(d->n ? d->n : 1, sizeof(*batch));
    struct entry **who = calloc(d->n ? d->n : 1, sizeof(*who));
    struct dns_propagation_opts po = {d->timeout_s, d->cancel, d->log, 0};
    bool done = false;
    size_t k;
    int rc = batch && who ? CP_OK : err_nomem(err);

    if (rc == CP_OK && d->rounds != NULL)
        rc = together(d, batch, who, &done, err);
    if (rc == CP_OK && !done)
        rc = publish(d, batch, who, err);
    if (rc == CP_OK && !done && d->skip)
        log_info(d->log, "dns-01: propagation check skipped");
    else if (rc == CP_OK && !done && (k = gather(d, is_added, batch, who)) > 0)
        rc = dns_propagation_wait(d->res, batch, k, &po, err);
    free(batch);
    free(who);
    return rc;
}

/* The order's published records in the removal round of the orders it was
 * published with; what the round could not remove stays for remove_all(). */
static void remove_together(struct dns_solver *d, struct dns_txt *batch, struct entry **who)
{
    size_t k = gather(d, is_added, batch, who);
    struct dns_round_member m = {d->round_key, true,    batch,  k,      d->provider,
                                 d->res,       NULL,    true,   d->log, DNS_ROUND_REMOVE};
    struct err why = {0};

    d->expected_remove = false;
    if (k == 0) {
        if (dns_rounds_expect(d->rounds, d->round_key, DNS_ROUND_REMOVE, -1) != CP_OK)
            log_warn(d->log, "dns-01: out of memory leaving the batch's removal round");
        return;
    }
    if (dns_rounds_join(d->rounds, &m, &why) != CP_OK)
        log_warn(d->log, "dns-01: the records removed together are not all gone (%s); removing the rest alone",
                 why.msg);
    scatter(batch, who, k);
    for (size_t i = 0; i < k; i++)
        if (!who[i]->rec.added)
            log_info(d->log, "dns-01: removed the TXT record of %s at %s (%s)", who[i]->ident, who[i]->fqdn,
                     who[i]->validated ? "valid" : "not valid");
}

/* Remove every record of the order (every entry is done): with the orders it
 * was published with when it was published in a round, else in one provider call. */
static void remove_all(struct dns_solver *d)
{
    struct dns_txt *batch = calloc(d->n, sizeof(*batch));
    struct entry **who = calloc(d->n, sizeof(*who));
    struct err err = {0};
    size_t k;

    if (batch != NULL && who != NULL && d->expected_remove)
        remove_together(d, batch, who);
    if (batch == NULL || who == NULL) {
        log_warn(d->log, "dns-01: out of memory removing the TXT records; trying again at the end");
    } else if ((k = gather(d, is_added, batch, who)) > 0 &&
               d->provider->remove(d->provider, batch, k, &err) != CP_OK) {
        /* keep them listed: free() tries again, the journal remembers them */
        scatter(batch, who, k);
        log_warn(d->log, "dns-01: cannot remove %zu TXT record(s): %s", k, err.msg);
    } else {
        scatter(batch, who, k);
        for (size_t i = 0; i < k; i++)
            log_info(d->log, "dns-01: removed the TXT record of %s at %s (%s)", who[i]->ident, who[i]->fqdn,
                     who[i]->validated ? "valid" : "not valid");
        for (size_t i = 0; i < d->n; i++)
            entry_free(d->ents[i]);
        d->n = 0;
    }
    free(batch);
    free(who);
    if (journal_sync(d, &err) != CP_OK)
        log_warn(d->log, "dns-01: %s", err.msg);
}

/* The engine cleans up every presented challenge once the authorizations are
 * final: the last one removes the order's records together (one UPDATE). */
static void dns_cleanup(struct solver *s, const struct chal *c, bool validated)
{
    struct dns_solver *d = (struct dns_solver *)s;
    struct entry *e = find(d, c->ident, c->auth);

    if (e == NULL)
        return;
    e->done = true;
    e->validated = validated;
    for (size_t i = 0; i < d->n; i++)
        if (!d->ents[i]->done)
            return;
    remove_all(d);
}

static void dns_free(struct solver *s)
{
    struct dns_solver *d = (struct dns_solver *)s;
    struct dns_txt *batch = calloc(d->n ? d->n : 1, sizeof(*batch));
    struct entry **who = calloc(d->n ? d->n : 1, sizeof(*who));

    if (batch != NULL && who != NULL)
        remove_added(d, batch, who);
    free(batch);
    free(who);
    for (size_t i = 0; i < d->n; i++)
        entry_free(d->ents[i]);
    free(d->ents);
    free(d->journal);
    /* an order that failed before its round: the round need not wait for it */
    if (d->expected && dns_rounds_expect(d->rounds, d->round_key, DNS_ROUND_PUBLISH, -1) != CP_OK)
        log_warn(d->log, "dns-01: out of memory leaving the batch's round");
    if (d->expected_remove && dns_rounds_expect(d->rounds, d->round_key, DNS_ROUND_REMOVE, -1) != CP_OK)
        log_warn(d->log, "dns-01: out of memory leaving the batch's removal round");
    free(d->round_key);
    dns_resolver_free(d->res);
    if (d->owns_provider)
        dns_provider_free(d->provider);
    free(d);
}

static char *journal_path(const char *dir)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return str_printf("%s/" JOURNAL_PREFIX "%ld-%lld%09ld.json", dir, (long)getpid(), (long long)ts.tv_sec,
                      ts.tv_nsec);
}

struct solver *solver_dns_new(const struct solver_dns_opts *o, struct err *err)
{
    struct dns_solver *d = NULL;
    int rc;

    if (o->provider == NULL) {
        err_set(err, CP_EUSAGE, "dns-01 needs a DNS provider");
        return NULL;
    }
    if ((d = calloc(1, sizeof(*d))) == NULL) {
        err_nomem(err);
        return NULL;
    }
    d->base = (struct solver){"dns-01", dns_present, dns_wait_ready, dns_cleanup, dns_free, NULL, NULL};
    d->provider = o->provider;
    d->timeout_s = o->propagation_timeout_s;
    d->skip = o->skip_propagation;
    d->cancel = o->cancel;
    d->log = o->log;
    rc = dns_resolver_new(o->resolver, &d->res, err);
    if (rc == CP_OK && o->state_dir != NULL && (d->journal = journal_path(o->state_dir)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK && o->rounds != NULL && o->round_key != NULL) {
        d->rounds = o->rounds;
        if ((d->round_key = strdup(o->round_key)) == NULL ||
            dns_rounds_expect(d->rounds, d->round_key, DNS_ROUND_PUBLISH, 1) != CP_OK)
            rc = err_nomem(err);
        else
            d->expected = true;
    }
    if (rc != CP_OK) {
        dns_free(&d->base);  /* the caller still owns the provider */
        return NULL;
    }
    d->owns_provider = o->owns_provider;
    return &d->base;
}

/* A journal of a process still running is its own business; this one's too:
 * in a batch, another worker's order may be using it right now. (A journal a
 * dead process left under the pid we have now waits for the next run.) */
static bool pid_running(long pid)
{
    return pid > 0 && (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Remove what one journal lists, then the journal. *skipped when it is not ours to clean. */
static int recover_one(const struct solver_dns_opts *o, const char *path, size_t *removed, struct err *err)
{
    struct dns_journal j;
    int rc = dns_journal_read(path, &j, err);

    if (rc != CP_OK)
        return rc;
    if (strcmp(j.provider, o->provider->name) != 0 || pid_running(j.pid)) {
        log_info(o->log, "dns-01: leaving %s alone (provider %s, process %ld)", path, j.provider, j.pid);
    } else if ((rc = o->provider->remove(o->provider, j.recs, j.n, err)) == CP_OK) {
        log_info(o->log, "dns-01: removed %zu record(s) a crashed run left (%s)", j.n, path);
        *removed += j.n;
        if (unlink(path) != 0)
            rc = err_set(err, CP_EIO, "cannot remove %s: %s", path, strerror(errno));
    } else {
        err_prefix(err, "DNS journal %s: ", path);
    }
    dns_journal_clear(&j);
    return rc;
}

static bool journal_name(const char *name)
{
    size_t n = strlen(name);

    return str_has_prefix(name, JOURNAL_PREFIX) && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

int solver_dns_recover(const struct solver_dns_opts *o, size_t *removed, struct err *err)
{
    size_t count = 0;
    struct dirent *de;
    DIR *dir;
    int rc = CP_OK;

    if (removed != NULL)
        *removed = 0;
    if (o->provider == NULL)
        return err_set(err, CP_EUSAGE, "dns-01 needs a DNS provider");
    if (o->state_dir == NULL)
        return CP_OK;
    if ((dir = opendir(o->state_dir)) == NULL)
        return errno == ENOENT ? CP_OK : err_set(err, CP_EIO, "cannot read %s: %s", o->state_dir, strerror(errno));
    while (rc == CP_OK && (de = readdir(dir)) != NULL) {
        char *path = NULL;
        if (!journal_name(de->d_name))
            continue;
        if ((path = str_printf("%s/%s", o->state_dir, de->d_name)) == NULL)
            rc = err_nomem(err);
        else if ((rc = recover_one(o, path, &count, err)) != CP_OK && !fs_exists(path))
            rc = CP_OK;  /* another worker of this process cleaned it first */
        free(path);
    }
    closedir(dir);
    if (removed != NULL)
        *removed = count;
    return rc;
}
