#include "acme/ratelimit.h"
#include "util/clock.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static const double default_rate[RL_NCLASSES] = {40, 20, 5, 300, 250};

struct bucket {
    double rate;          /* tokens per millisecond */
    double cap;           /* a burst of one second */
    double tokens;        /* may go negative: requests already waiting */
    long long last_ms;
};

struct ratelimit {
    pthread_mutex_t lock;
    struct bucket b[RL_NCLASSES];
    long long orders_paused_until_ms;
    long long (*now_ms)(void *ud);
    void (*sleep_ms)(void *ud, long ms);
    void *ud;
};

static long long mono_ms(void *ud)
{
    (void)ud;
    return clock_mono_ms();
}

static void nano_sleep(void *ud, long ms)
{
    (void)ud;
    clock_sleep_ms(ms);
}

struct ratelimit *ratelimit_new(const struct ratelimit_opts *o)
{
    struct ratelimit *rl = calloc(1, sizeof(*rl));

    if (rl == NULL)
        return NULL;
    rl->now_ms = o && o->now_ms ? o->now_ms : mono_ms;
    rl->sleep_ms = o && o->sleep_ms ? o->sleep_ms : nano_sleep;
    rl->ud = o ? o->ud : NULL;
    for (int i = 0; i < RL_NCLASSES; i++) {
        double per_s = o && o->per_s[i] > 0 ? o->per_s[i] : default_rate[i];
        rl->b[i] = (struct bucket){per_s / 1000.0, per_s < 1 ? 1 : per_s, per_s < 1 ? 1 : per_s,
                                   rl->now_ms(rl->ud)};
    }
    pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

long ratelimit_acquire(struct ratelimit *rl, enum rl_class c)
{
    struct bucket *b;
    long long now;
    long wait = 0;

    if (rl == NULL || (unsigned)c >= RL_NCLASSES)
        return 0;
    pthread_mutex_lock(&rl->lock);
    b = &rl->b[c];
    now = rl->now_ms(rl->ud);
    b->tokens += (double)(now - b->last_ms) * b->rate;
    if (b->tokens > b->cap)
        b->tokens = b->cap;
    b->last_ms = now;
    b->tokens -= 1;  /* reserve ours; a deficit is the time we must wait */
    if (b->tokens < 0)
        wait = (long)(-b->tokens / b->rate + 0.999);
    pthread_mutex_unlock(&rl->lock);
    if (wait > 0)
        rl->sleep_ms(rl->ud, wait);
    return wait;
}

void ratelimit_pause_orders(struct ratelimit *rl, long seconds)
{
    long long until;

    if (rl == NULL || seconds <= 0)
        return;
    pthread_mutex_lock(&rl->lock);
    until = rl->now_ms(rl->ud) + (long long)seconds * 1000;
    if (until > rl->orders_paused_until_ms)
        rl->orders_paused_until_ms = until;
    pthread_mutex_unlock(&rl->lock);
}

bool ratelimit_orders_paused(struct ratelimit *rl, long *left_s)
{
    long long left;

    if (rl == NULL)
        return false;
    pthread_mutex_lock(&rl->lock);
    left = rl->orders_paused_until_ms - rl->now_ms(rl->ud);
    pthread_mutex_unlock(&rl->lock);
    if (left_s != NULL)
        *left_s = left > 0 ? (long)((left + 999) / 1000) : 0;
    return left > 0;
}
