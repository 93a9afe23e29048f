/*
 * Unit tests for dns/round: concurrent members share one add() and leave
 * with their own records filled in; a round closes as soon as nobody more is
 * expected, or after its window; a failure reaches every member; different
 * keys never share a round.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "dns/round.h"
#include "util/clock.h"
#include "util/str.h"

/* Counts add() calls and records; fails the record whose value is fail_value. */
struct counting {
    struct dns_provider base;
    pthread_mutex_t mu;
    int adds, removes;
    size_t records;
    const char *fail_value;
};

static int count_add(struct dns_provider *p, struct dns_txt *recs, size_t n, struct err *err)
{
    struct counting *c = (struct counting *)p;
    int rc = CP_OK;

    pthread_mutex_lock(&c->mu);
    c->adds++;
    c->records += n;
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < n && rc == CP_OK; i++) {
        if (c->fail_value != NULL && strcmp(recs[i].value, c->fail_value) == 0) {
            rc = err_set(err, CP_ENET, "fake: cannot add %s", recs[i].value);
            break;
        }
        recs[i].zone = strdup("example.test.");
        recs[i].id = str_printf("id-%s", recs[i].value);
        recs[i].added = true;
    }
    return rc;
}

static int count_remove(struct dns_provider *p, struct dns_txt *recs, size_t n, struct err *err)
{
    struct counting *c = (struct counting *)p;

    (void)err;
    pthread_mutex_lock(&c->mu);
    c->removes++;
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < n; i++)
        if (recs[i].added)
            dns_txt_clear(&recs[i]);
    return CP_OK;
}

static void count_free(struct dns_provider *p)
{
    (void)p;
}

/* One member in its own thread. */
struct seat {
    pthread_t thread;
    struct dns_rounds *g;
    struct dns_round_member m;
    struct dns_txt recs[2];
    char fqdn[64], value[2][32];
    int rc;
    struct err err;
};

static void *sit(void *arg)
{
    struct seat *s = arg;

    s->rc = dns_rounds_join(s->g, &s->m, &s->err);
    return NULL;
}

static void seat_init(struct seat *s, struct dns_rounds *g, struct counting *c, const char *key, int i,
                      size_t nrecs)
{
    memset(s, 0, sizeof(*s));
    s->g = g;
    snprintf(s->fqdn, sizeof(s->fqdn), "_acme-challenge.n%d.example.test.", i);
    for (size_t j = 0; j < nrecs; j++) {
        snprintf(s->value[j], sizeof(s->value[j]), "v%d-%zu", i, j);
        s->recs[j] = (struct dns_txt){s->fqdn, s->value[j], NULL, NULL, false};
    }
    s->m = (struct dns_round_member){key, true, s->recs, nrecs, &c->base, NULL, NULL, true, NULL, DNS_ROUND_PUBLISH};
}

static void seat_clear(struct seat *s)
{
    for (size_t j = 0; j < s->m.n; j++)
        dns_txt_clear(&s->recs[j]);
}

static void counting_init(struct counting *c)
{
    memset(c, 0, sizeof(*c));
    c->base = (struct dns_provider){"counting", count_add, count_remove, count_free};
    pthread_mutex_init(&c->mu, NULL);
}

#define SEATS 6

/* Six expected members: one add() of all nine records, long before the window ends. */
static void gathers_every_expected_member(void **state)
{
    struct dns_rounds *g = dns_rounds_new(30000);
    struct seat seats[SEATS];
    struct counting c;
    long long start = clock_mono_ms();

    (void)state;
    counting_init(&c);
    for (int i = 0; i < SEATS; i++) {
        assert_int_equal(dns_rounds_expect(g, "k", DNS_ROUND_PUBLISH, 1), CP_OK);
        seat_init(&seats[i], g, &c, "k", i, i % 2 ? 2 : 1);
    }
    for (int i = 0; i < SEATS; i++)
        assert_int_equal(pthread_create(&seats[i].thread, NULL, sit, &seats[i]), 0);
    for (int i = 0; i < SEATS; i++)
        pthread_join(seats[i].thread, NULL);
    assert_true(clock_mono_ms() - start < 30000);  /* closed when the last expected one came */
    assert_int_equal(c.adds, 1);
    assert_int_equal(c.records, 9);
    for (int i = 0; i < SEATS; i++) {
        assert_int_equal(seats[i].rc, CP_OK);
        for (size_t j = 0; j < seats[i].m.n; j++) {
            char want[48];
            snprintf(want, sizeof(want), "id-%s", seats[i].value[j]);
            assert_true(seats[i].recs[j].added);
            assert_string_equal(seats[i].recs[j].id, want);
            assert_string_equal(seats[i].recs[j].zone, "example.test.");
        }
        seat_clear(&seats[i]);
    }
    dns_rounds_free(g);
}

/* The members of a publish round that succeeded remove together: one remove()
 * of all their records, without waiting out the window. */
static void published_together_removed_together(void **state)
{
    struct dns_rounds *g = dns_rounds_new(30000);
    struct seat seats[3];
    struct counting c;
    long long start = clock_mono_ms();

    (void)state;
    counting_init(&c);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(dns_rounds_expect(g, "k", DNS_ROUND_PUBLISH, 1), CP_OK);
        seat_init(&seats[i], g, &c, "k", i, 2);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&seats[i].thread, NULL, sit, &seats[i]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(seats[i].thread, NULL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(seats[i].rc, CP_OK);
        seats[i].m.op = DNS_ROUND_REMOVE;  /* the round counted them for removal */
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&seats[i].thread, NULL, sit, &seats[i]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(seats[i].thread, NULL);
    assert_true(clock_mono_ms() - start < 30000);
    assert_int_equal(c.adds, 1);
    assert_int_equal(c.removes, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(seats[i].rc, CP_OK);
        assert_false(seats[i].recs[0].added);
        assert_false(seats[i].recs[1].added);
        assert_null(seats[i].recs[0].id);
    }
    dns_rounds_free(g);
}

/* Two expected, one comes: the round waits out its window, then goes alone. */
static void window_ends_the_wait(void **state)
{
    struct dns_rounds *g = dns_rounds_new(150);
    struct seat s;
    struct counting c;
    long long start = clock_mono_ms();

    (void)state;
    counting_init(&c);
    assert_int_equal(dns_rounds_expect(g, "k", DNS_ROUND_PUBLISH, 2), CP_OK);
    seat_init(&s, g, &c, "k", 0, 1);
    sit(&s);
    assert_int_equal(s.rc, CP_OK);
    assert_true(clock_mono_ms() - start >= 150);
    assert_int_equal(c.adds, 1);
    /* the one that never came leaves; the next round does not wait */
    assert_int_equal(dns_rounds_expect(g, "k", DNS_ROUND_PUBLISH, -1), CP_OK);
    seat_clear(&s);
    seat_init(&s, g, &c, "k", 1, 1);
    s.m.expected = false;
    sit(&s);
    assert_int_equal(s.rc, CP_OK);
    assert_int_equal(c.adds, 2);
    seat_clear(&s);
    dns_rounds_free(g);
}

/* A provider failure reaches every member; what was added is marked so. */
static void failure_reaches_every_member(void **state)
{
    struct dns_rounds *g = dns_rounds_new(30000);
    struct seat seats[3];
    struct counting c;
    size_t added = 0;

    (void)state;
    counting_init(&c);
    c.fail_value = "v1-0";
    for (int i = 0; i < 3; i++) {
        assert_int_equal(dns_rounds_expect(g, "k", DNS_ROUND_PUBLISH, 1), CP_OK);
        seat_init(&seats[i], g, &c, "k", i, 1);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&seats[i].thread, NULL, sit, &seats[i]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(seats[i].thread, NULL);
    assert_int_equal(c.adds, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(seats[i].rc, CP_ENET);
        assert_string_equal(seats[i].err.msg, "fake: cannot add v1-0");
        added += seats[i].recs[0].added;
        seat_clear(&seats[i]);
    }
    assert_false(seats[1].recs[0].added);
    assert_true(added <= 2);
    dns_rounds_free(g);
}

/* Members of different settings never share a provider call. */
static void keys_apart(void **state)
{
    struct dns_rounds *g = dns_rounds_new(30000);
    struct seat a, b;
    struct counting c;

    (void)state;
    counting_init(&c);
    assert_int_equal(dns_rounds_expect(g, "provider=a\n", DNS_ROUND_PUBLISH, 1), CP_OK);
    assert_int_equal(dns_rounds_expect(g, "provider=b\n", DNS_ROUND_PUBLISH, 1), CP_OK);
    seat_init(&a, g, &c, "provider=a\n", 0, 1);
    seat_init(&b, g, &c, "provider=b\n", 1, 1);
    assert_int_equal(pthread_create(&a.thread, NULL, sit, &a), 0);
    assert_int_equal(pthread_create(&b.thread, NULL, sit, &b), 0);
    pthread_join(a.thread, NULL);
    pthread_join(b.thread, NULL);
    assert_int_equal(a.rc, CP_OK);
    assert_int_equal(b.rc, CP_OK);
    assert_int_equal(c.adds, 2);
    seat_clear(&a);
    seat_clear(&b);
    dns_rounds_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gathers_every_expected_member),
        cmocka_unit_test(published_together_removed_together),
        cmocka_unit_test(window_ends_the_wait),
        cmocka_unit_test(failure_reaches_every_member),
        cmocka_unit_test(keys_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
