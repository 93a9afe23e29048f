/*
 * dns/round — the dns-01 records of concurrent orders published together.
 *
 * The workers of a batch each run their own order with their own dns solver.
 * Without help, eight orders make eight provider calls (eight RFC 2136 UPDATE
 * messages) and eight propagation waits. A round gathers what the workers
 * present: the first to arrive opens it and leads it; the round closes when
 * every solver expected to come has come, or after a short window; the leader
 * then publishes every member's records in one add() through its own provider
 * and waits once for all of them, and the members are released together.
 *
 * Removal works the same way: the members of a publish round that succeeded
 * are expected in a removal round of their key, and remove their records
 * together once their authorizations are final (one UPDATE for the round).
 *
 * Only members with the same key share a round: the key names the provider
 * and every setting it was made with, so any member's provider can publish
 * and remove any member's records. A round is an optimisation: when it fails
 * (a provider error, a record not visible in time), each member is told so
 * and finishes alone, so one broken zone fails only its own certificate.
 *
 * Thread-safe: one struct dns_rounds is shared by all the workers of a pool.
 */
#ifndef CP_DNS_ROUND_H
#define CP_DNS_ROUND_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/propagation.h"
#include "dns/provider.h"
#include "dns/resolve.h"
#include "util/err.h"
#include "util/log.h"

/* How long a round waits for members that are expected but not there yet. */
#define DNS_ROUND_WINDOW_MS 1000

struct dns_rounds;

/* What a round does with its members' records. */
enum dns_round_op {
    DNS_ROUND_PUBLISH,  /* add() them, then wait until they are served */
    DNS_ROUND_REMOVE,   /* remove() them */
};

/* NULL when out of memory. window_ms 0: DNS_ROUND_WINDOW_MS. */
struct dns_rounds *dns_rounds_new(long window_ms);

/* No member may still be waiting. Accepts NULL. */
void dns_rounds_free(struct dns_rounds *g);

/*
 * A solver that will join an op round of key once: for DNS_ROUND_PUBLISH,
 * delta +1 when it is made; -1 when it goes without having joined (its order
 * failed earlier, or it has nothing to publish). A publish round that
 * succeeds counts its members as expected in a removal round itself; a
 * member that will not join one says -1 for DNS_ROUND_REMOVE. A round stops
 * waiting for more members as soon as nobody of its key and op is expected.
 * CP_ENOMEM when a new key cannot be recorded.
 */
int dns_rounds_expect(struct dns_rounds *g, const char *key, enum dns_round_op op, int delta) CP_WUR;

/* What one order brings to a round. */
struct dns_round_member {
    const char *key;                        /* members of one round have equal keys */
    bool expected;                          /* counted by dns_rounds_expect: this joining is its arrival */
    struct dns_txt *recs;                   /* records not yet published; added, zone and id are filled in */
    size_t n;
    /* used only when this member leads the round: */
    struct dns_provider *provider;          /* publishes every member's records */
    struct dns_resolver *res;               /* for the propagation wait */
    const struct dns_propagation_opts *po;  /* the wait's bound, cancel flag and log */
    bool skip_propagation;                  /* publish and go on without asking the name servers */
    const struct logger *log;
    enum dns_round_op op;
};

/*
 * Join the open m->op round of m->key, or open one and lead it; return when
 * the round is over. Publishing, CP_OK: every record of m is published
 * (added) and, unless skip_propagation, served by every authoritative
 * server; the member is now expected in a removal round. Removing, CP_OK:
 * every record of m is removed. Otherwise the round's error, and
 * m->recs[i].added tells which records are published: the member goes on
 * alone from there.
 */
int dns_rounds_join(struct dns_rounds *g, struct dns_round_member *m, struct err *err) CP_WUR;

#endif
