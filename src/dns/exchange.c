/*
 * dns/exchange — one query, and only its reply.
 *
 * RFC 5452 §9.1 (after RFC 1035 §7.3): a reply is accepted only when it comes
 * from the address and port the query went to, carries the query's ID and
 * repeats its question (name, type, class). The UDP socket is connected, so
 * the kernel already drops datagrams from anyone else; a datagram that fails
 * the ID or question check is dropped and the wait goes on until the timeout,
 * so an off-path guess can cost time but is never taken for the answer. The
 * ID is random (getrandom), the source port the kernel's ephemeral choice.
 * A truncated reply (TC, RFC 1035 §4.2.1) is asked again over TCP.
 */
#define _GNU_SOURCE /* getrandom */
#include "dns/exchange.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/answer.h"
#include "util/clock.h"

#define MAX_DATAGRAM 65535

/* One query on its way: what was asked, its wire form, and what was dropped. */
struct ask {
    ldns_pkt *q;
    uint8_t *wire;
    size_t len;
    size_t dropped;  /* datagrams that were not the reply */
    int last_errno;  /* of the last failing socket call; 0: it timed out */
};

static bool same_question(const ldns_pkt *q, const ldns_pkt *a)
{
    const ldns_rr *qq = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    const ldns_rr *aq = ldns_rr_list_rr(ldns_pkt_question(a), 0);

    return ldns_rr_list_rr_count(ldns_pkt_question(a)) == 1 && aq != NULL &&
           ldns_rr_get_type(aq) == ldns_rr_get_type(qq) && ldns_rr_get_class(aq) == ldns_rr_get_class(qq) &&
           ldns_dname_compare(ldns_rr_owner(aq), ldns_rr_owner(qq)) == 0;
}

/* Is wire the reply to x->q? Then *a holds it parsed; else it is counted as dropped. */
static bool take_reply(struct ask *x, const uint8_t *wire, size_t len, ldns_pkt **a)
{
    *a = NULL;
    if (dns_answer_parse(wire, len, a) == LDNS_STATUS_OK && ldns_pkt_qr(*a) &&
        ldns_pkt_id(*a) == ldns_pkt_id(x->q) && same_question(x->q, *a))
        return true;
    ldns_pkt_free(*a);
    *a = NULL;
    x->dropped++;
    return false;
}

/* Read datagrams from fd until the reply comes or deadline passes. */
static bool udp_wait(int fd, struct ask *x, long long deadline, uint8_t *buf, ldns_pkt **a)
{
    for (;;) {
        long long left = deadline - clock_mono_ms();
        struct pollfd p = {fd, POLLIN, 0};
        int ready = left > 0 ? poll(&p, 1, (int)left) : 0;
        ssize_t n;

        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return false;
        if ((n = recv(fd, buf, MAX_DATAGRAM, 0)) < 0 && errno != EINTR) {
            x->last_errno = errno;  /* ECONNREFUSED: nothing listens there */
            return false;
        }
        if (n > 0 && take_reply(x, buf, (size_t)n, a))
            return true;
    }
}

static bool udp_ask(const struct sockaddr_storage *to, socklen_t tolen, struct ask *x, long long deadline,
                    ldns_pkt **a)
{
    uint8_t *buf = malloc(MAX_DATAGRAM);
    int fd = socket(to->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool ok = false;

    if (buf == NULL || fd < 0 || connect(fd, (const struct sockaddr *)to, tolen) != 0 ||
        send(fd, x->wire, x->len, 0) != (ssize_t)x->len)
        x->last_errno = errno;
    else
        ok = udp_wait(fd, x, deadline, buf, a);
    if (fd >= 0)
        close(fd);
    free(buf);
    return ok;
}

static bool tcp_ask(const struct sockaddr_storage *to, socklen_t tolen, struct ask *x, long long deadline,
                    ldns_pkt **a)
{
    long long left = deadline - clock_mono_ms();
    struct timeval tv = {(time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000};
    ldns_buffer *qb = ldns_buffer_new(x->len);
    uint8_t *wire = NULL;
    size_t len = 0;
    bool ok = false;

    if (qb != NULL && left > 0) {
        ldns_buffer_write(qb, x->wire, x->len);
        ldns_buffer_flip(qb);
        if (ldns_tcp_send(&wire, qb, to, tolen, tv, &len) == LDNS_STATUS_OK)
            ok = take_reply(x, wire, len, a);
        else
            x->last_errno = ECONNREFUSED;
    }
    free(wire);
    ldns_buffer_free(qb);
    return ok;
}

/* One server, once: UDP, then TCP when the reply says it was truncated. */
static bool ask_server(const ldns_rdf *ns, uint16_t port, struct ask *x, long long deadline, ldns_pkt **a)
{
    size_t sl = 0;
    struct sockaddr_storage *to = ldns_rdf2native_sockaddr_storage(ns, port, &sl);
    bool ok = false;

    x->last_errno = 0; /* the error said is the last server's */
    if (to == NULL)
        return false;
    ok = udp_ask(to, (socklen_t)sl, x, deadline, a);
    if (ok && ldns_pkt_tc(*a)) {
        ldns_pkt_free(*a);
        *a = NULL;
        ok = tcp_ask(to, (socklen_t)sl, x, deadline, a);
    }
    free(to);
    return ok;
}

static long long try_deadline(const ldns_resolver *r, long long deadline)
{
    struct timeval tv = ldns_resolver_timeout(r);
    long long end = clock_mono_ms() + (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;

    return deadline > 0 && deadline < end ? deadline : end;
}

/* Every server, r's retry count times, until one sends the reply. */
static bool ask_all(ldns_resolver *r, struct ask *x, long long deadline, ldns_pkt **a)
{
    ldns_rdf **ns = ldns_resolver_nameservers(r);
    size_t n = ldns_resolver_nameserver_count(r);
    unsigned tries = ldns_resolver_retry(r) > 0 ? ldns_resolver_retry(r) : 1;

    for (unsigned t = 0; t < tries; t++)
        for (size_t i = 0; i < n; i++) {
            if (deadline > 0 && clock_mono_ms() >= deadline)
                return false;
            if (ask_server(ns[i], ldns_resolver_port(r), x, try_deadline(r, deadline), a))
                return true;
        }
    return false;
}

static ldns_pkt *new_query(const ldns_rdf *name, ldns_rr_type type, bool rd)
{
    ldns_rdf *dn = ldns_rdf_clone(name);
    ldns_pkt *q = dn ? ldns_pkt_query_new(dn, type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0) : NULL;
    uint16_t id = 0;

    if (dn != NULL && q == NULL)
        ldns_rdf_deep_free(dn);
    if (q != NULL && getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
        ldns_pkt_free(q);
        return NULL;
    }
    if (q != NULL)
        ldns_pkt_set_id(q, id);
    return q;
}

static int why_not(const struct ask *x, struct err *err)
{
    const char *what = x->last_errno ? strerror(x->last_errno) : "timed out";

    if (x->dropped > 0)
        return err_set(err, CP_ENET, "%s; %zu repl%s that did not match the query dropped", what, x->dropped,
                       x->dropped == 1 ? "y" : "ies");
    return err_set(err, CP_ENET, "%s", what);
}

int dns_exchange(ldns_resolver *r, const ldns_rdf *name, ldns_rr_type type, bool rd, long long deadline_ms,
                 ldns_pkt **reply, struct err *err)
{
    struct ask x = {new_query(name, type, rd), NULL, 0, 0, 0};
    int rc = CP_OK;

    *reply = NULL;
    if (x.q == NULL || ldns_pkt2wire(&x.wire, x.q, &x.len) != LDNS_STATUS_OK)
        rc = err_nomem(err);
    else if (!ask_all(r, &x, deadline_ms, reply))
        rc = why_not(&x, err);
    free(x.wire);
    ldns_pkt_free(x.q);
    return rc;
}
