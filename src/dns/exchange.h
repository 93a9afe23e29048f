/*
 * dns/exchange — send one query to a resolver's servers and take only the
 * reply that belongs to it (dns/resolve.c's one way onto the network).
 */
#ifndef CP_DNS_EXCHANGE_H
#define CP_DNS_EXCHANGE_H

#include <ldns/ldns.h>

#include "util/err.h"

/*
 * Ask r's servers (its port, timeout and retry count) for name/type/class IN,
 * with RD when rd. A reply counts only when it comes from the server asked and
 * carries the query's ID and question (name, type, class); anything else is
 * dropped and the wait for that server goes on. Each try waits r's timeout or
 * until deadline_ms (clock_mono_ms; 0: none), whichever comes first.
 * *reply belongs to the caller (ldns_pkt_free). CP_ENET when no server gave
 * a matching reply; err says why in a few words ("timed out; 2 replies that
 * did not match the query dropped"), for the caller to put in its message.
 */
int dns_exchange(ldns_resolver *r, const ldns_rdf *name, ldns_rr_type type, bool rd, long long deadline_ms,
                 ldns_pkt **reply, struct err *err) CP_WUR;

#endif
