/*
 * acme/ratelimit — politeness towards the CA: a token bucket per kind of
 * request, shared by every worker of a run (thread-safe), with defaults
 * below Let's Encrypt's published per-IP limits, and a pause of new orders
 * after the CA said rateLimited.
 */
#ifndef CP_ACME_RATELIMIT_H
#define CP_ACME_RATELIMIT_H

#include <stdbool.h>

enum rl_class {
    RL_DIRECTORY,    /* GET of the directory: 40/s */
    RL_NEW_NONCE,    /* newNonce: 20/s */
    RL_NEW_ACCOUNT,  /* newAccount: 5/s */
    RL_NEW_ORDER,    /* newOrder: 300/s */
    RL_OTHER,        /* every other ACME request: 250/s */
    RL_NCLASSES,
};

struct ratelimit_opts {
    double per_s[RL_NCLASSES];  /* requests per second; 0: the default above */
    /* Clock and sleep, injectable for tests; NULL: CLOCK_MONOTONIC and nanosleep. */
    long long (*now_ms)(void *ud);
    void (*sleep_ms)(void *ud, long ms);
    void *ud;
};

struct ratelimit;

/* NULL when out of memory. */
struct ratelimit *ratelimit_new(const struct ratelimit_opts *o);
void ratelimit_free(struct ratelimit *rl);

/* Wait until one request of class c may be sent; returns the milliseconds
 * waited. Requests are served in the order they asked (reservations). */
long ratelimit_acquire(struct ratelimit *rl, enum rl_class c);

/* The CA answered rateLimited with Retry-After seconds: no new order until then. */
void ratelimit_pause_orders(struct ratelimit *rl, long seconds);

/* Are new orders paused? *left_s gets the seconds left (when not NULL). */
bool ratelimit_orders_paused(struct ratelimit *rl, long *left_s);

#endif
