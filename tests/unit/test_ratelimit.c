/*
 * acme/ratelimit and acme/noncepool: rates held with an injected clock,
 * reservations served in order, the order pause; nonces newest first,
 * bounded, shared between threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <cmocka.h>

#include "acme/noncepool.h"
#include "acme/ratelimit.h"

struct clock {
    long long now;
    long long slept;
};

static long long fake_now(void *ud)
{
    return ((struct clock *)ud)->now;
}

/* Sleeping moves the fake clock, as real time would. */
static void fake_sleep(void *ud, long ms)
{
    struct clock *c = ud;

    c->now += ms;
    c->slept += ms;
}

static void test_rates(void **state)
{
    struct clock c = {1000000, 0};
    struct ratelimit_opts o = {{0}, fake_now, fake_sleep, &c};
    struct ratelimit *rl;
    long long start;

    (void)state;
    o.per_s[RL_NEW_NONCE] = 0;  /* default: 20/s */
    rl = ratelimit_new(&o);
    assert_non_null(rl);
    /* a burst of one second's worth goes at once */
    for (int i = 0; i < 20; i++)
        assert_int_equal(ratelimit_acquire(rl, RL_NEW_NONCE), 0);
    /* then one every 50 ms */
    assert_int_equal(ratelimit_acquire(rl, RL_NEW_NONCE), 50);
    start = c.now;
    for (int i = 0; i < 40; i++)
        ratelimit_acquire(rl, RL_NEW_NONCE);
    assert_in_range(c.now - start, 1990, 2010);  /* 40 at 20/s: 2 s */
    /* classes are independent: new-account (5/s) still has its burst */
    for (int i = 0; i < 5; i++)
        assert_int_equal(ratelimit_acquire(rl, RL_NEW_ACCOUNT), 0);
    assert_int_equal(ratelimit_acquire(rl, RL_NEW_ACCOUNT), 200);
    ratelimit_free(rl);
}

static void test_order_pause(void **state)
{
    struct clock c = {0, 0};
    struct ratelimit_opts o = {{0}, fake_now, fake_sleep, &c};
    struct ratelimit *rl = ratelimit_new(&o);
    long left = -1;

    (void)state;
    assert_false(ratelimit_orders_paused(rl, &left));
    assert_int_equal(left, 0);
    ratelimit_pause_orders(rl, 30);
    ratelimit_pause_orders(rl, 10);  /* a shorter pause does not shorten it */
    assert_true(ratelimit_orders_paused(rl, &left));
    assert_int_equal(left, 30);
    c.now += 29500;
    assert_true(ratelimit_orders_paused(rl, &left));
    assert_int_equal(left, 1);
    c.now += 500;
    assert_false(ratelimit_orders_paused(rl, NULL));
    ratelimit_free(rl);
    assert_int_equal(ratelimit_acquire(NULL, RL_OTHER), 0);
}

static void test_nonce_pool(void **state)
{
    struct nonce_pool *p = nonce_pool_new(3);
    char *n;

    (void)state;
    assert_null(nonce_pool_take(p));
    nonce_pool_put(p, "a");
    nonce_pool_put(p, "b");
    nonce_pool_put(p, "c");
    nonce_pool_put(p, "d");  /* full: "a" goes */
    n = nonce_pool_take(p);
    assert_string_equal(n, "d");
    free(n);
    n = nonce_pool_take(p);
    assert_string_equal(n, "c");
    free(n);
    nonce_pool_put(p, "e");
    n = nonce_pool_take(p);
    assert_string_equal(n, "e");
    free(n);
    n = nonce_pool_take(p);
    assert_string_equal(n, "b");
    free(n);
    assert_null(nonce_pool_take(p));
    nonce_pool_put(p, "left");
    nonce_pool_free(p);  /* frees what is left */
}

static void *churn(void *arg)
{
    struct nonce_pool *p = arg;
    char buf[32];

    for (int i = 0; i < 10000; i++) {
        snprintf(buf, sizeof(buf), "n%d", i);
        nonce_pool_put(p, buf);
        free(nonce_pool_take(p));
    }
    return NULL;
}

/* Under ASan/TSan-free builds this still catches a lost or doubled nonce as a crash or leak. */
static void test_nonce_pool_threads(void **state)
{
    struct nonce_pool *p = nonce_pool_new(8);
    pthread_t t[4];

    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, churn, p), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    nonce_pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_order_pause),
        cmocka_unit_test(test_nonce_pool),
        cmocka_unit_test(test_nonce_pool_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
