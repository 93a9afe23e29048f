/*
 * dns/resolve — zone, CNAME and name server lookups through one resolver
 * (ldns). Every query asks for recursion (RD=1): the configured resolver may
 * be a recursive one or the authoritative server itself.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/resolve.h"
#include "dns/answer.h"
#include "dns/exchange.h"
#include "util/str.h"

struct dns_resolver {
    ldns_resolver *r;
    char *desc;  /* "127.0.0.1:53" or "the system resolver", for messages */
    bool rd;     /* ask for recursion */
    long long deadline_ms;  /* clock_mono_ms after which no query waits; 0: none */
};

static bool label_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* RFC 1035 §2.3.4: labels of 1..63 octets, names of at most 255 octets on the wire. */
char *dns_name_fqdn(const char *name)
{
    size_t len = name ? strlen(name) : 0, label = 0;
    char *out;

    if (len == 0 || len > 253 || name[0] == '.')
        return NULL;
    if ((out = str_printf("%s%s", name, name[len - 1] == '.' ? "" : ".")) == NULL)
        return NULL;
    for (char *p = out; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
        if (*p == '.' && (label == 0 || label > 63))
            break;
        if (*p != '.' && !label_char(*p))
            break;
        label = *p == '.' ? 0 : label + 1;
        if (p[1] == '\0')
            return out;
    }
    free(out);
    return NULL;
}

/* RFC 8555 §8.4: the TXT record lives at "_acme-challenge." + the domain name. */
char *dns_challenge_name(const char *ident)
{
    char *fqdn = dns_name_fqdn(ident), *out = NULL;

    if (fqdn != NULL && strlen(fqdn) + 16 <= 254)
        out = str_printf("_acme-challenge.%s", fqdn);
    free(fqdn);
    return out;
}

static int parse_port(const char *s, const char *whole, uint16_t *port, struct err *err)
{
    long v;

    if (!str_to_long(s, 1, 65535, &v))
        return err_set(err, CP_EUSAGE, "DNS server \"%s\": bad port", whole);
    *port = (uint16_t)v;
    return CP_OK;
}

int dns_server_parse(const char *s, uint16_t default_port, char **addr, uint16_t *port,
                     struct err *err)
{
    unsigned char bin[16];
    const char *colon = strchr(s, ':'), *portstr = NULL;
    char *a = NULL;
    int rc = CP_OK;

    *port = default_port;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':'))
            return err_set(err, CP_EUSAGE, "DNS server \"%s\": expected [ADDR]:PORT", s);
        a = strndup(s + 1, (size_t)(close - s - 1));
        portstr = close[1] == ':' ? close + 2 : NULL;
    } else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
        a = strndup(s, (size_t)(colon - s));
        portstr = colon + 1;
    } else {
        a = strdup(s);
    }
    if (a == NULL)
        return err_nomem(err);
    if (inet_pton(AF_INET, a, bin) != 1 && inet_pton(AF_INET6, a, bin) != 1)
        rc = err_set(err, CP_EUSAGE, "DNS server \"%s\": not an IP address", s);
    else if (portstr != NULL)
        rc = parse_port(portstr, s, port, err);
    if (rc != CP_OK)
        str_free(&a);
    *addr = a;
    return rc;
}

static int resolver_for(const char *server, ldns_resolver **out, struct err *err)
{
    char *addr = NULL;
    uint16_t port = 53;
    ldns_rdf *ip = NULL;
    int rc;

    if ((rc = dns_server_parse(server, 53, &addr, &port, err)) != CP_OK)
        return rc;
    ip = ldns_rdf_new_frm_str(strchr(addr, ':') ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, addr);
    *out = ldns_resolver_new();
    if (ip == NULL || *out == NULL || ldns_resolver_push_nameserver(*out, ip) != LDNS_STATUS_OK) {
        rc = err_nomem(err);
        ldns_resolver_deep_free(*out);
        *out = NULL;
    } else {
        ldns_resolver_set_port(*out, port);
    }
    ldns_rdf_deep_free(ip);
    free(addr);
    return rc;
}

int dns_resolver_new(const char *server, struct dns_resolver **out, struct err *err)
{
    struct dns_resolver *r = calloc(1, sizeof(*r));
    int rc = CP_OK;

    *out = NULL;
    if (r == NULL)
        return err_nomem(err);
    if (server != NULL) {
        rc = resolver_for(server, &r->r, err);
        r->desc = str_dup(server);
    } else {
        if (ldns_resolver_new_frm_file(&r->r, NULL) != LDNS_STATUS_OK)
            rc = err_set(err, CP_EIO, "cannot read the system resolver's configuration (/etc/resolv.conf)");
        r->desc = str_dup("the system resolver");
    }
    if (rc == CP_OK && r->desc == NULL)
        rc = err_nomem(err);
    if (rc != CP_OK) {
        dns_resolver_free(r);
        return rc;
    }
    r->rd = true;
    ldns_resolver_set_recursive(r->r, true);
    ldns_resolver_set_timeout(r->r, (struct timeval){2, 0});
    ldns_resolver_set_retry(r->r, 2);
    ldns_resolver_set_fallback(r->r, true);
    *out = r;
    return CP_OK;
}

int dns_resolver_new_direct(const char *addr, uint16_t port, struct dns_resolver **out, struct err *err)
{
    int rc = dns_resolver_new(addr, out, err);

    if (rc != CP_OK)
        return rc;
    (*out)->rd = false;
    ldns_resolver_set_recursive((*out)->r, false);
    ldns_resolver_set_port((*out)->r, port ? port : 53);
    ldns_resolver_set_timeout((*out)->r, (struct timeval){1, 0});
    ldns_resolver_set_retry((*out)->r, 1);
    return CP_OK;
}

void dns_resolver_set_deadline(struct dns_resolver *r, long long mono_ms)
{
    r->deadline_ms = mono_ms;
}

void dns_resolver_free(struct dns_resolver *r)
{
    if (r == NULL)
        return;
    ldns_resolver_deep_free(r->r);
    free(r->desc);
    free(r);
}

/* The answer records of type t owned by name (a new list, or NULL when there are none). */
static int query(struct dns_resolver *r, const char *name, ldns_rr_type t, const char *tname,
                 ldns_pkt **pkt, ldns_rr_list **rrs, struct err *err)
{
    ldns_rdf *dn = ldns_dname_new_frm_str(name);
    struct err why = {0};
    int rc;

    *pkt = NULL;
    *rrs = NULL;
    if (dn == NULL)
        return err_set(err, CP_EINVALID, "not a DNS name: %s", name);
    if ((rc = dns_exchange(r->r, dn, t, r->rd, r->deadline_ms, pkt, &why)) != CP_OK) {
        ldns_rdf_deep_free(dn);
        if (rc == CP_ENOMEM)
            return err_nomem(err);
        return err_set(err, CP_ENET, "resolver %s: no answer to %s %s (%s)", r->desc, tname, name, why.msg);
    }
    *rrs = ldns_pkt_rr_list_by_name_and_type(*pkt, dn, t, LDNS_SECTION_ANSWER);
    ldns_rdf_deep_free(dn);
    return CP_OK;
}

/* The first field of rr (a name or an address): a record without data is the server's fault. */
static int rr_text(const struct dns_resolver *r, const ldns_rr *rr, const char *tname, const char *name, char **out,
                   struct err *err)
{
    int rc = dns_answer_text(rr, out);

    if (rc == CP_EPROTO)
        return err_set(err, CP_EPROTO, "resolver %s: the %s record of %s in its answer has no data", r->desc, tname,
                       name);
    return rc == CP_OK ? CP_OK : err_nomem(err);
}

/* One step of the zone walk: does name answer with its own SOA? */
static int soa_at(struct dns_resolver *r, const char *name, char **mname, bool *found,
                  struct err *err)
{
    ldns_pkt *pkt = NULL;
    ldns_rr_list *rrs = NULL;
    int rc = query(r, name, LDNS_RR_TYPE_SOA, "SOA", &pkt, &rrs, err);

    *found = false;
    /* a failing server must not make a parent look like the zone */
    if (rc == CP_OK && ldns_pkt_get_rcode(pkt) == LDNS_RCODE_SERVFAIL)
        rc = err_set(err, CP_ENET, "resolver %s: SERVFAIL for SOA %s", r->desc, name);
    if (rc == CP_OK && rrs != NULL && ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR) {
        *found = true;
        if (mname != NULL)
            rc = rr_text(r, ldns_rr_list_rr(rrs, 0), "SOA", name, mname, err);
    }
    ldns_rr_list_deep_free(rrs);
    ldns_pkt_free(pkt);
    return rc;
}

int dns_find_zone(struct dns_resolver *r, const char *fqdn, char **zone, char **mname,
                  struct err *err)
{
    bool found = false;
    int rc;

    *zone = NULL;
    if (mname != NULL)
        *mname = NULL;
    /* walk up label by label; the root itself is never anyone's zone here */
    for (const char *name = fqdn; *name && strcmp(name, ".") != 0; name = strchr(name, '.') + 1) {
        if ((rc = soa_at(r, name, mname, &found, err)) != CP_OK)
            return rc;
        if (found)
            return (*zone = strdup(name)) ? CP_OK : err_nomem(err);
    }
    return err_set(err, CP_ENOTFOUND, "resolver %s: no zone found for %s (no SOA up to the root)",
                   r->desc, fqdn);
}

int dns_follow_cname(struct dns_resolver *r, const char *fqdn, char **target, struct err *err)
{
    char *name = strdup(fqdn);
    ldns_pkt *pkt = NULL;
    ldns_rr_list *rrs = NULL;
    int rc = CP_OK;

    *target = NULL;
    for (int hop = 0; name != NULL && rc == CP_OK; hop++) {
        if ((rc = query(r, name, LDNS_RR_TYPE_CNAME, "CNAME", &pkt, &rrs, err)) != CP_OK)
            break;
        if (rrs == NULL) {
            *target = name;
            name = NULL;
        } else if (hop == DNS_CNAME_MAX_HOPS) {
            rc = err_set(err, CP_EINVALID, "CNAME chain from %s is longer than %d names", fqdn,
                         DNS_CNAME_MAX_HOPS);
        } else {
            char *next = NULL;
            rc = rr_text(r, ldns_rr_list_rr(rrs, 0), "CNAME", name, &next, err);
            free(name);
            name = next;
        }
        ldns_rr_list_deep_free(rrs);
        ldns_pkt_free(pkt);
    }
    free(name);
    if (rc == CP_OK && *target == NULL)
        rc = err_nomem(err);
    return rc;
}

/* Append the rdata of the answers of type t at host to *addrs, up to DNS_NS_MAX_ADDRS in all;
 * *skipped counts the rest. */
static int addrs_of_type(struct dns_resolver *r, const char *host, ldns_rr_type t, const char *tname,
                         char ***addrs, size_t *n, size_t *skipped, struct err *err)
{
    ldns_pkt *pkt = NULL;
    ldns_rr_list *rrs = NULL;
    int rc = query(r, host, t, tname, &pkt, &rrs, err);
    size_t count = rrs ? ldns_rr_list_rr_count(rrs) : 0;

    for (size_t i = 0; rc == CP_OK && i < count; i++) {
        char **grown;
        if (*n >= DNS_NS_MAX_ADDRS) {
            *skipped += count - i;
            break;
        }
        if ((grown = realloc(*addrs, (*n + 1) * sizeof(**addrs))) == NULL) {
            rc = err_nomem(err);
            break;
        }
        *addrs = grown;
        if ((rc = rr_text(r, ldns_rr_list_rr(rrs, i), tname, host, &grown[*n], err)) == CP_OK)
            (*n)++;
    }
    ldns_rr_list_deep_free(rrs);
    ldns_pkt_free(pkt);
    return rc;
}

static int host_addrs(struct dns_resolver *r, const char *host, char ***addrs, size_t *n, size_t *skipped,
                      struct err *err)
{
    int rc;

    *addrs = NULL;
    *n = 0;
    rc = addrs_of_type(r, host, LDNS_RR_TYPE_A, "A", addrs, n, skipped, err);
    /* an IPv4-only host may well have no answer at all for AAAA: not an error */
    if (rc == CP_OK && addrs_of_type(r, host, LDNS_RR_TYPE_AAAA, "AAAA", addrs, n, skipped, NULL) == CP_ENOMEM)
        rc = err_nomem(err);
    if (rc == CP_OK && *n == 0)
        rc = err_set(err, CP_ENOTFOUND, "resolver %s: %s has no address", r->desc, host);
    if (rc != CP_OK) {
        dns_strv_free(*addrs, *n);
        *addrs = NULL;
        *n = 0;
    }
    return rc;
}

int dns_host_addrs(struct dns_resolver *r, const char *host, char ***addrs, size_t *n,
                   struct err *err)
{
    size_t skipped = 0;

    return host_addrs(r, host, addrs, n, &skipped, err);
}

/* The first DNS_ZONE_MAX_NS NS hosts of zone; *skipped counts the rest. */
static int ns_hosts(struct dns_resolver *r, const char *zone, struct dns_ns **ns, size_t *n,
                    size_t *skipped, struct err *err)
{
    ldns_pkt *pkt = NULL;
    ldns_rr_list *rrs = NULL;
    int rc = query(r, zone, LDNS_RR_TYPE_NS, "NS", &pkt, &rrs, err);
    size_t count = rrs ? ldns_rr_list_rr_count(rrs) : 0;

    if (rc == CP_OK && count == 0)
        rc = err_set(err, CP_ENOTFOUND, "resolver %s: zone %s has no NS records", r->desc, zone);
    if (count > DNS_ZONE_MAX_NS) {
        *skipped += count - DNS_ZONE_MAX_NS;
        count = DNS_ZONE_MAX_NS;
    }
    if (rc == CP_OK && (*ns = calloc(count, sizeof(**ns))) == NULL)
        rc = err_nomem(err);
    for (size_t i = 0; rc == CP_OK && i < count; i++)
        if ((rc = rr_text(r, ldns_rr_list_rr(rrs, i), "NS", zone, &(*ns)[i].host, err)) == CP_OK)
            (*n)++;
    ldns_rr_list_deep_free(rrs);
    ldns_pkt_free(pkt);
    return rc;
}

int dns_zone_ns(struct dns_resolver *r, const char *zone, struct dns_ns **ns, size_t *n, size_t *skipped,
                struct err *err)
{
    int rc;

    *ns = NULL;
    *n = 0;
    *skipped = 0;
    rc = ns_hosts(r, zone, ns, n, skipped, err);
    for (size_t i = 0; rc == CP_OK && i < *n; i++)
        rc = host_addrs(r, (*ns)[i].host, &(*ns)[i].addrs, &(*ns)[i].naddrs, skipped, err);
    if (rc != CP_OK) {
        err_prefix(err, "name servers of %s: ", zone);
        dns_ns_free(*ns, *n);
        *ns = NULL;
        *n = 0;
    }
    return rc;
}

int dns_txt_lookup(struct dns_resolver *r, const char *fqdn, char ***values, size_t *n,
                   struct err *err)
{
    ldns_pkt *pkt = NULL;
    ldns_rr_list *rrs = NULL;
    size_t count;
    int rc = query(r, fqdn, LDNS_RR_TYPE_TXT, "TXT", &pkt, &rrs, err);

    *values = NULL;
    *n = 0;
    count = rrs ? ldns_rr_list_rr_count(rrs) : 0;
    if (rc == CP_OK && count > 0 && (*values = calloc(count, sizeof(**values))) == NULL)
        rc = err_nomem(err);
    for (size_t i = 0; rc == CP_OK && i < count; i++, (*n)++)
        if (dns_answer_txt(ldns_rr_list_rr(rrs, i), &(*values)[i]) != CP_OK)
            rc = err_nomem(err);
    if (rc != CP_OK) {
        dns_strv_free(*values, *n);
        *values = NULL;
        *n = 0;
    }
    ldns_rr_list_deep_free(rrs);
    ldns_pkt_free(pkt);
    return rc;
}

void dns_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

void dns_ns_free(struct dns_ns *ns, size_t n)
{
    for (size_t i = 0; ns != NULL && i < n; i++) {
        free(ns[i].host);
        dns_strv_free(ns[i].addrs, ns[i].naddrs);
    }
    free(ns);
}
