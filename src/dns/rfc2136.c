/*
 * dns/rfc2136 — DNS UPDATE (RFC 2136) with TSIG (RFC 8945) through ldns.
 * One UPDATE message per zone carries every record of a batch. Additions
 * have no prerequisites; a removal deletes exactly one value (RFC 2136
 * §2.5.4: class NONE, TTL 0), so other TXT values at the name survive.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/answer.h"
#include "dns/resolve.h"
#include "dns/rfc2136.h"
#include "util/str.h"

#define TSIG_FUDGE 300
#define UDP_TRIES 2
#define UDP_TIMEOUT_S 3
#define TCP_TIMEOUT_S 10

struct rfc2136 {
    struct dns_provider base;
    struct tsig_key key;  /* key.name == NULL: updates go unsigned */
    char *server;         /* "ADDR[:PORT]" setting, or NULL: the SOA MNAME */
    char *zone;           /* setting (absolute), or NULL: looked up */
    long ttl;
    char *resolver;       /* "ADDR[:PORT]" or NULL: the system's */
    struct dns_resolver *res;  /* made on first use */
    const struct logger *log;
};

/* One UPDATE exchange with a server. */
struct exchange {
    char *where;  /* "127.0.0.1:53", for messages */
    struct sockaddr_storage *ss;
    size_t sslen;
    ldns_pkt *reply;
    uint8_t *wire;  /* the reply as received, for TSIG verification */
    size_t wirelen;
};

static int resolver(struct rfc2136 *p, struct dns_resolver **out, struct err *err)
{
    int rc = CP_OK;

    if (p->res == NULL)
        rc = dns_resolver_new(p->resolver, &p->res, err);
    *out = p->res;
    return rc;
}

/* The zone a record goes into: the setting, else found through the resolver. */
static int record_zone(struct rfc2136 *p, struct dns_txt *r, struct err *err)
{
    struct dns_resolver *res = NULL;
    int rc;

    if (r->zone != NULL)
        return CP_OK;
    if (p->zone != NULL)
        return (r->zone = strdup(p->zone)) ? CP_OK : err_nomem(err);
    if ((rc = resolver(p, &res, err)) != CP_OK)
        return rc;
    return dns_find_zone(res, r->fqdn, &r->zone, NULL, err);
}

/* The primary's address: the server setting, else the zone's SOA MNAME. */
static int primary(struct rfc2136 *p, const char *zone, char **addr, uint16_t *port, struct err *err)
{
    struct dns_resolver *res = NULL;
    char *z = NULL, *mname = NULL, **addrs = NULL;
    size_t n = 0;
    int rc;

    *addr = NULL;
    *port = 53;
    if (p->server != NULL)
        return dns_server_parse(p->server, 53, addr, port, err);
    if ((rc = resolver(p, &res, err)) == CP_OK && (rc = dns_find_zone(res, zone, &z, &mname, err)) == CP_OK &&
        (rc = dns_host_addrs(res, mname, &addrs, &n, err)) == CP_OK && (*addr = strdup(addrs[0])) == NULL)
        rc = err_nomem(err);
    if (rc != CP_OK)
        err_prefix(err, "rfc2136: primary server of zone %s: ", zone);
    free(z);
    free(mname);
    dns_strv_free(addrs, n);
    return rc;
}

/* A TXT RR for the update section: class IN to add (§2.5.1), NONE to delete (§2.5.4). */
static ldns_rr *txt_rr(const char *fqdn, const char *value, ldns_rr_class cls, uint32_t ttl)
{
    ldns_rr *rr = ldns_rr_new();
    ldns_rdf *owner = ldns_dname_new_frm_str(fqdn);
    ldns_rdf *txt = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_STR, value);

    if (rr == NULL || owner == NULL || txt == NULL) {
        ldns_rr_free(rr);
        ldns_rdf_deep_free(owner);
        ldns_rdf_deep_free(txt);
        return NULL;
    }
    ldns_rr_set_owner(rr, owner);
    ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
    ldns_rr_set_class(rr, cls);
    ldns_rr_set_ttl(rr, ttl);
    ldns_rr_push_rdf(rr, txt);
    return rr;
}

/* A TXT value goes into a quoted character-string: printable, no quote or backslash. */
static bool plain_value(const char *v)
{
    size_t n = strlen(v);

    for (const char *c = v; *c; c++)
        if (!isprint((unsigned char)*c) || *c == '"' || *c == '\\')
            return false;
    return n > 0 && n <= 255;
}

static int build_update(struct rfc2136 *p, const char *zone, const struct dns_txt *recs,
                        const bool *pick, size_t n, bool add, ldns_pkt **out, struct err *err)
{
    ldns_rr_list *ups = ldns_rr_list_new();
    ldns_rdf *zrdf = ldns_dname_new_frm_str(zone);
    int rc = ups && zrdf ? CP_OK : err_nomem(err);

    for (size_t i = 0; rc == CP_OK && i < n; i++) {
        ldns_rr *rr = NULL;
        if (!pick[i])
            continue;
        if (!plain_value(recs[i].value))
            rc = err_set(err, CP_EINVALID, "rfc2136: TXT value for %s has characters DNS UPDATE "
                         "would not carry verbatim", recs[i].fqdn);
        else if ((rr = txt_rr(recs[i].fqdn, recs[i].value, add ? LDNS_RR_CLASS_IN : LDNS_RR_CLASS_NONE,
                              add ? (uint32_t)p->ttl : 0)) == NULL || !ldns_rr_list_push_rr(ups, rr))
            rc = err_set(err, CP_EINVALID, "rfc2136: cannot build a TXT record for %s", recs[i].fqdn);
    }
    /* the packet takes zrdf and copies the update section */
    if (rc == CP_OK && (*out = ldns_update_pkt_new(zrdf, LDNS_RR_CLASS_IN, NULL, ups, NULL)) == NULL)
        rc = err_nomem(err);
    else if (rc != CP_OK)
        ldns_rdf_deep_free(zrdf);
    if (rc == CP_OK) {
        ldns_pkt_set_rd(*out, false);  /* RFC 2136 §2.2: that bit is Z, zero, in an UPDATE */
        ldns_pkt_set_random_id(*out);
    }
    ldns_rr_list_deep_free(ups);
    return rc;
}

/* RFC 8945 §4.2: the update carries a TSIG RR whose MAC covers the message. */
static int sign(struct rfc2136 *p, ldns_pkt *q, struct err *err)
{
    if (p->key.name == NULL)
        return CP_OK;
    if (ldns_pkt_tsig_sign(q, p->key.name, p->key.secret, TSIG_FUDGE, p->key.alg, NULL) != LDNS_STATUS_OK)
        return err_set(err, CP_ECRYPTO, "rfc2136: cannot sign the update with key \"%s\"", p->key.name);
    return CP_OK;
}

static int exchange_open(struct exchange *x, const char *addr, uint16_t port, struct err *err)
{
    ldns_rdf *ip = ldns_rdf_new_frm_str(strchr(addr, ':') ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, addr);

    *x = (struct exchange){NULL, NULL, 0, NULL, NULL, 0};
    x->where = str_printf(strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, (unsigned)port);
    if (ip != NULL)
        x->ss = ldns_rdf2native_sockaddr_storage(ip, port, &x->sslen);
    ldns_rdf_deep_free(ip);
    if (x->where == NULL || x->ss == NULL)
        return err_set(err, CP_EUSAGE, "rfc2136: not an IP address: %s", addr);
    return CP_OK;
}

static void exchange_close(struct exchange *x)
{
    free(x->where);
    free(x->ss);
    ldns_pkt_free(x->reply);
    free(x->wire);
    *x = (struct exchange){NULL, NULL, 0, NULL, NULL, 0};
}

static void reply_drop(struct exchange *x)
{
    ldns_pkt_free(x->reply);
    free(x->wire);
    x->reply = NULL;
    x->wire = NULL;
    x->wirelen = 0;
}

/* One try over UDP or TCP; the reply must carry our message ID. */
static ldns_status exchange_once(struct exchange *x, ldns_buffer *qb, uint16_t id, bool tcp)
{
    ldns_status st;

    reply_drop(x);
    if (tcp)
        st = ldns_tcp_send(&x->wire, qb, x->ss, (socklen_t)x->sslen, (struct timeval){TCP_TIMEOUT_S, 0},
                           &x->wirelen);
    else
        st = ldns_udp_send(&x->wire, qb, x->ss, (socklen_t)x->sslen, (struct timeval){UDP_TIMEOUT_S, 0},
                           &x->wirelen);
    if (st == LDNS_STATUS_OK && x->wire == NULL)
        st = LDNS_STATUS_NETWORK_ERR;
    if (st == LDNS_STATUS_OK)
        st = dns_answer_parse(x->wire, x->wirelen, &x->reply);
    if (st == LDNS_STATUS_OK && ldns_pkt_id(x->reply) != id)
        st = LDNS_STATUS_ERR;
    return st;
}

/* UDP (bounded tries), then TCP when the reply is truncated (RFC 1035 §4.2.1). */
static int transmit(struct exchange *x, ldns_buffer *qb, uint16_t id, struct err *err)
{
    ldns_status st = LDNS_STATUS_ERR;
    bool tcp = false;

    for (int t = 0; t < UDP_TRIES && st != LDNS_STATUS_OK; t++)
        st = exchange_once(x, qb, id, false);
    if (st == LDNS_STATUS_OK && ldns_pkt_tc(x->reply)) {
        tcp = true;
        st = exchange_once(x, qb, id, true);
    }
    if (st != LDNS_STATUS_OK)
        return err_set(err, CP_ENET, "rfc2136: no usable reply from %s over %s (%s)", x->where,
                       tcp ? "TCP" : "UDP", ldns_get_errorstr_by_id(st));
    return CP_OK;
}

static const char *rcode_name(int rcode)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                        "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};

    return rcode >= 0 && rcode < 11 ? names[rcode] : "an unknown RCODE";
}

/* RFC 8945 §5.2.2-5.2.3, the TSIG errors a server reports in its TSIG RR. */
static const char *tsig_error(uint16_t e)
{
    switch (e) {
    case 16: return "TSIG BADSIG: the server rejects the key's secret";
    case 17: return "TSIG BADKEY: the server does not know this key name and algorithm";
    case 18: return "TSIG BADTIME: the clocks of this host and the server differ too much";
    case 22: return "TSIG BADTRUNC";
    default: return "TSIG error";
    }
}

/* The reply's RCODE, TSIG error and (with a key) its signature. */
static int check_reply(struct rfc2136 *p, struct exchange *x, const ldns_rdf *qmac, const char *zone,
                       struct err *err)
{
    ldns_rr *tsig = ldns_pkt_tsig(x->reply);
    uint16_t terr = tsig && ldns_rr_rd_count(tsig) > 5 ? ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)) : 0;
    int rcode = (int)ldns_pkt_get_rcode(x->reply);

    if (terr != 0)
        return err_set(err, CP_ECRYPTO, "rfc2136: %s refused the update of zone %s: %s (%s, key \"%s\")",
                       x->where, zone, rcode_name(rcode), tsig_error(terr), p->key.name ? p->key.name : "");
    if (rcode != LDNS_RCODE_NOERROR)
        return err_set(err, rcode == LDNS_RCODE_SERVFAIL ? CP_ENET : CP_EPROTO,
                       "rfc2136: %s refused the update of zone %s: %s%s", x->where, zone, rcode_name(rcode),
                       rcode == LDNS_RCODE_NOTAUTH && p->key.name == NULL ? " (no key_file set)" : "");
    if (p->key.name == NULL)
        return CP_OK;
    if (tsig == NULL)
        return err_set(err, CP_ECRYPTO, "rfc2136: the reply of %s is not signed (TSIG)", x->where);
    /* RFC 8945 §5.3: the reply's MAC covers the request's MAC too */
    if (!ldns_pkt_tsig_verify(x->reply, x->wire, x->wirelen, p->key.name, p->key.secret, qmac))
        return err_set(err, CP_ECRYPTO, "rfc2136: the TSIG signature of the reply of %s does not verify",
                       x->where);
    return CP_OK;
}

/* Send one UPDATE for the picked records of zone and check the reply. */
static int send_update(struct rfc2136 *p, const char *zone, const struct dns_txt *recs, const bool *pick,
                       size_t n, bool add, struct err *err)
{
    struct exchange x = {NULL, NULL, 0, NULL, NULL, 0};
    ldns_pkt *q = NULL;
    ldns_buffer *qb = ldns_buffer_new(LDNS_MAX_PACKETLEN);
    char *addr = NULL;
    uint16_t port = 53;
    int rc = qb ? CP_OK : err_nomem(err);

    if (rc == CP_OK && (rc = primary(p, zone, &addr, &port, err)) == CP_OK &&
        (rc = exchange_open(&x, addr, port, err)) == CP_OK &&
        (rc = build_update(p, zone, recs, pick, n, add, &q, err)) == CP_OK && (rc = sign(p, q, err)) == CP_OK) {
        if (ldns_pkt2buffer_wire(qb, q) != LDNS_STATUS_OK)
            rc = err_set(err, CP_EINVALID, "rfc2136: the update for zone %s does not fit a message", zone);
        else if ((rc = transmit(&x, qb, ldns_pkt_id(q), err)) == CP_OK)
            rc = check_reply(p, &x, ldns_pkt_tsig(q) ? ldns_rr_rdf(ldns_pkt_tsig(q), 3) : NULL, zone, err);
    }
    if (rc == CP_OK)
        log_info(p->log, "rfc2136: %s %s in zone %s at %s", add ? "added" : "removed",
                 n == 1 ? "a TXT value" : "TXT values", zone, x.where);
    exchange_close(&x);
    ldns_pkt_free(q);
    ldns_buffer_free(qb);
    free(addr);
    return rc;
}

/* Every record of recs[first]'s zone whose added flag is !add goes into one update. */
static int update_zone(struct rfc2136 *p, struct dns_txt *recs, size_t n, size_t first, bool add,
                       bool *pick, struct err *err)
{
    int rc;

    for (size_t i = 0; i < n; i++)
        pick[i] = i >= first && recs[i].added != add && recs[i].zone && strcmp(recs[i].zone, recs[first].zone) == 0;
    rc = send_update(p, recs[first].zone, recs, pick, n, add, err);
    for (size_t i = 0; rc == CP_OK && i < n; i++)
        if (pick[i])
            recs[i].added = add;
    return rc;
}

/* add (or remove) every record not yet in that state, zone by zone. */
static int apply(struct dns_provider *dp, struct dns_txt *recs, size_t n, bool add, struct err *err)
{
    struct rfc2136 *p = (struct rfc2136 *)dp;
    bool *pick = calloc(n ? n : 1, sizeof(*pick));
    int rc = pick ? CP_OK : err_nomem(err);

    for (size_t i = 0; rc == CP_OK && i < n; i++)
        if (recs[i].added != add)
            rc = record_zone(p, &recs[i], err);
    for (size_t i = 0; rc == CP_OK && i < n; i++)
        if (recs[i].added != add)
            rc = update_zone(p, recs, n, i, add, pick, err);
    free(pick);
    return rc;
}

static int rfc2136_add(struct dns_provider *dp, struct dns_txt *recs, size_t n, struct err *err)
{
    return apply(dp, recs, n, true, err);
}

static int rfc2136_remove(struct dns_provider *dp, struct dns_txt *recs, size_t n, struct err *err)
{
    return apply(dp, recs, n, false, err);
}

static void rfc2136_free(struct dns_provider *dp)
{
    struct rfc2136 *p = (struct rfc2136 *)dp;

    if (p == NULL)
        return;
    dns_tsig_key_clear(&p->key);
    free(p->server);
    free(p->zone);
    free(p->resolver);
    dns_resolver_free(p->res);
    free(p);
}

static int configure(struct rfc2136 *p, const struct kvlist *s, struct err *err)
{
    static const char *const known[] = {"server", "key_file", "zone", "ttl", NULL};
    const char *server = kv_get(s, "server"), *key = kv_get(s, "key_file"), *zone = kv_get(s, "zone");
    char *addr = NULL;
    uint16_t port = 0;
    int rc;

    if ((rc = kv_check_known(s, known, "rfc2136", err)) != CP_OK ||
        (rc = kv_get_long(s, "ttl", 1, 86400, &p->ttl, "rfc2136", err)) != CP_OK)
        return rc;
    if (server != NULL && (rc = dns_server_parse(server, 53, &addr, &port, err)) != CP_OK)
        return rc;
    free(addr);
    if (server != NULL && (p->server = strdup(server)) == NULL)
        return err_nomem(err);
    if (zone != NULL && (p->zone = dns_name_fqdn(zone)) == NULL)
        return err_set(err, CP_EUSAGE, "rfc2136: zone \"%s\" is not a DNS name", zone);
    if (key != NULL && (rc = dns_tsig_key_load(key, &p->key, err)) != CP_OK)
        return rc == CP_ENOMEM ? rc : CP_EUSAGE;
    return CP_OK;
}

struct dns_provider *dns_rfc2136_new(const struct dns_provider_opts *opts, struct err *err)
{
    static const struct kvlist none = {NULL, 0};
    struct rfc2136 *p = calloc(1, sizeof(*p));
    int rc;

    if (p == NULL) {
        err_nomem(err);
        return NULL;
    }
    p->base = (struct dns_provider){"rfc2136", rfc2136_add, rfc2136_remove, rfc2136_free};
    p->ttl = 60;
    p->log = opts->log;
    rc = configure(p, opts->settings ? opts->settings : &none, err);
    if (rc == CP_OK && opts->resolver != NULL && (p->resolver = strdup(opts->resolver)) == NULL)
        rc = err_nomem(err);
    if (rc != CP_OK) {
        rfc2136_free(&p->base);
        return NULL;
    }
    if (p->key.name == NULL)
        log_warn(p->log, "rfc2136: no key_file: updates go unsigned");
    return &p->base;
}
