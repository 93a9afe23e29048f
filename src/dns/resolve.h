/*
 * dns/resolve — the lookups dns-01 needs, all through one configured
 * resolver ("ADDR[:PORT]", else the system's /etc/resolv.conf): the zone a
 * name lives in, where a CNAME chain ends, the zone's name servers and their
 * addresses. Name servers are resolved through the same resolver, never
 * behind its back through the system's.
 *
 * Names handed in and out are absolute and lower case, with the trailing dot.
 * Every returned string or array belongs to the caller.
 */
#ifndef CP_DNS_RESOLVE_H
#define CP_DNS_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct dns_resolver;

/* The longest CNAME chain followed before giving up. */
#define DNS_CNAME_MAX_HOPS 8
/* A zone's name servers asked, and addresses taken per name server (A, then AAAA):
 * a zone (or a spoofer) listing more cannot make one check ask without end. */
#define DNS_ZONE_MAX_NS 8
#define DNS_NS_MAX_ADDRS 4

/* One name server of a zone and its addresses ("127.0.0.1", "::1"). */
struct dns_ns {
    char *host;
    char **addrs;
    size_t naddrs;
};

/* Lower-case absolute form of a host name ("Example.COM" -> "example.com.");
 * NULL for an empty, over-long or malformed name (or out of memory). */
char *dns_name_fqdn(const char *name);

/* "_acme-challenge.<name>." for an identifier (without "*."); NULL as dns_name_fqdn. */
char *dns_challenge_name(const char *ident);

/* Split "ADDR[:PORT]" ("192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53", "::1")
 * into a malloc'd address and a port (default_port when none is given).
 * CP_EUSAGE names what is wrong. */
int dns_server_parse(const char *s, uint16_t default_port, char **addr, uint16_t *port,
                     struct err *err) CP_WUR;

/* A resolver for server ("ADDR[:PORT]") or, when NULL, the system's. */
int dns_resolver_new(const char *server, struct dns_resolver **out, struct err *err) CP_WUR;
/* A resolver that asks the server at addr (on port, 0: 53) without recursion
 * (RD=0), one try of at most 1 s: for asking an authoritative server what it serves. */
int dns_resolver_new_direct(const char *addr, uint16_t port, struct dns_resolver **out, struct err *err) CP_WUR;
/* From now on no query of r waits past mono_ms (clock_mono_ms; 0: no deadline):
 * each try waits min(its timeout, the time left), none starts after it. */
void dns_resolver_set_deadline(struct dns_resolver *r, long long mono_ms);
void dns_resolver_free(struct dns_resolver *r);

/*
 * Every lookup below takes a reply only when it comes from the server asked
 * with the query's ID and question (RFC 5452 §9.1, dns/exchange.c); anything
 * else is dropped and the wait goes on. CP_ENET "resolver R: no answer to T N
 * (timed out; K replies that did not match the query dropped)" when none came.
 */

/* The TXT values at fqdn, each record's strings joined (RFC 7208 §3.3 style).
 * No records is not an error (*n == 0). CP_ENET when the server does not answer. */
int dns_txt_lookup(struct dns_resolver *r, const char *fqdn, char ***values, size_t *n,
                   struct err *err) CP_WUR;

/* Walk fqdn's labels upwards until a name answers with its own SOA: that name
 * is the zone apex (*zone); *mname is the SOA's primary server name. mname may
 * be NULL. CP_ENOTFOUND when no enclosing zone answers. */
int dns_find_zone(struct dns_resolver *r, const char *fqdn, char **zone, char **mname,
                  struct err *err) CP_WUR;

/* Follow a CNAME chain from fqdn (at most DNS_CNAME_MAX_HOPS); *target is the
 * last name of the chain, a copy of fqdn when it is no alias. */
int dns_follow_cname(struct dns_resolver *r, const char *fqdn, char **target, struct err *err) CP_WUR;

/* The addresses (A, then AAAA; at most DNS_NS_MAX_ADDRS) of host. CP_ENOTFOUND when it has none. */
int dns_host_addrs(struct dns_resolver *r, const char *host, char ***addrs, size_t *n,
                   struct err *err) CP_WUR;

/* The NS hosts of zone (the first DNS_ZONE_MAX_NS) with their addresses (at most
 * DNS_NS_MAX_ADDRS each); *skipped counts the name servers and addresses left out.
 * CP_ENOTFOUND when the zone has no NS records or a name server has no address.
 * Free with dns_ns_free. */
int dns_zone_ns(struct dns_resolver *r, const char *zone, struct dns_ns **ns, size_t *n, size_t *skipped,
                struct err *err) CP_WUR;

void dns_ns_free(struct dns_ns *ns, size_t n);
void dns_strv_free(char **v, size_t n);

#endif
