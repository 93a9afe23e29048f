/*
 * dns/propagation — wait until every authoritative server of each record's
 * zone serves every expected TXT value, before the CA is told to look.
 * Servers are asked directly on port 53 without recursion (RD=0): a cache in
 * between could only ever say "not yet" for longer, or "yes" too early.
 */
#ifndef CP_DNS_PROPAGATION_H
#define CP_DNS_PROPAGATION_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/provider.h"
#include "dns/resolve.h"
#include "util/err.h"
#include "util/log.h"

#define DNS_PROPAGATION_TIMEOUT_S 120

struct dns_propagation_opts {
    long timeout_s;                 /* 0: DNS_PROPAGATION_TIMEOUT_S */
    volatile sig_atomic_t *cancel;  /* non-zero aborts the wait (SIGINT/SIGTERM); may be NULL */
    const struct logger *log;       /* progress at info level; may be NULL */
    uint16_t port;                  /* the name servers' port; 0: 53 (tests ask elsewhere) */
};

/*
 * One wait for all of recs (fqdn and value; zone when known, else it is looked
 * up through r). The name servers of each zone and their addresses come from r.
 * Polls every server from 50 ms, doubling to 2 s, until each returns every
 * value expected at each name; at most DNS_ZONE_MAX_NS name servers of a zone
 * and DNS_NS_MAX_ADDRS addresses each (a warning says what was left out).
 * No query waits past the timeout (each waits min(1 s, the time left)). CP_ETIMEOUT names a server and a record still
 * lacking its value; CP_EINTR "propagation: interrupted" when *cancel was set.
 */
int dns_propagation_wait(struct dns_resolver *r, const struct dns_txt *recs, size_t n,
                         const struct dns_propagation_opts *o, struct err *err) CP_WUR;

#endif
