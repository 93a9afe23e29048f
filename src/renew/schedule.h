/*
 * renew/schedule — when a certificate should be renewed next, and why
 * (and whether its names changed, one of the reasons to renew at once).
 *
 * Pure logic: the caller passes the clock (now) and a random number, so
 * every decision can be replayed in a test. Rules, in order:
 *   1. a forced reason (names or key type changed, the current version is
 *      missing or broken, the certificate is revoked, the user asked):
 *      renew now;
 *   2. an ARI window (RFC 9773 §4.2): a uniformly random time inside it,
 *      kept stable across runs (the caller stores the choice and passes it
 *      back); a window that has already ended means renew now;
 *   3. otherwise when a third of the lifetime is left, moved earlier by a
 *      random spread of up to 1/30 of the lifetime (at most 6 hours), so a
 *      fleet issued at the same moment does not renew at the same moment.
 */
#ifndef CP_RENEW_SCHEDULE_H
#define CP_RENEW_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/err.h"

/* Longest random spread of the lifetime rule. */
#define RENEW_MAX_SPREAD_S (6L * 3600)

/* Why a renewal is due now, whatever the dates say. */
enum renew_force {
    RENEW_FORCE_NONE = 0,
    RENEW_FORCE_NAMES,     /* the wanted names differ from the certificate's */
    RENEW_FORCE_KEY_TYPE,  /* the wanted key type differs from the certificate's */
    RENEW_FORCE_BROKEN,    /* the current version is missing or does not parse */
    RENEW_FORCE_REVOKED,   /* the certificate was revoked */
    RENEW_FORCE_USER,      /* the user asked for it */
};

enum renew_reason {
    RENEW_REASON_ARI_WINDOW = 0,   /* a time chosen in the CA's suggested window */
    RENEW_REASON_ARI_PASSED,       /* the CA's suggested window has already ended */
    RENEW_REASON_LIFETIME,         /* a third of the lifetime left */
    RENEW_REASON_BEFORE_EXPIRY,    /* the configured time before expiry left (renew_before) */
    RENEW_REASON_FORCED_NAMES,
    RENEW_REASON_FORCED_KEY_TYPE,
    RENEW_REASON_FORCED_BROKEN,
    RENEW_REASON_FORCED_REVOKED,
    RENEW_REASON_FORCED_USER,
};

struct renew_input {
    time_t now;
    time_t not_before;       /* of the current certificate */
    time_t not_after;
    bool has_window;         /* the CA gave an ARI suggestedWindow */
    time_t window_start;
    time_t window_end;
    bool has_chosen;         /* a time chosen earlier (renew_plan.chosen, stored by the caller) */
    time_t chosen;
    long renew_before_s;     /* without ARI: renew when this much is left instead of a third of
                                the lifetime (capped at the lifetime); 0: a third */
    long check_interval_s;   /* how often the caller runs (e.g. a daily timer); 0: unknown.
                                RFC 9773 §4.2: a chosen time before the next run means now. */
    uint32_t random;         /* uniform over 0..UINT32_MAX from the caller's random source */
    enum renew_force force;
};

struct renew_plan {
    time_t at;               /* when to renew; <= now when due */
    bool due;                /* at <= now */
    enum renew_reason reason;
    bool store_chosen;       /* chosen is a time inside the ARI window to store and pass back */
    time_t chosen;
};

/* Decide. CP_EINVALID (naming the dates) when not_after is not after
 * not_before, or the ARI window's end is not after its start (RFC 9773
 * §4.2 says to treat such a window as no answer: the caller may then
 * retry with has_window false). */
int renew_schedule(const struct renew_input *in, struct renew_plan *out, struct err *err) CP_WUR;

/* Do two lists of DNS names differ as sets (order, letter case and repeats
 * do not count)? For RENEW_FORCE_NAMES: the names asked for against the
 * certificate's names. */
bool renew_names_differ(const char *const *want, size_t nwant, const char *const *have,
                        size_t nhave);

/* A short English phrase for a reason ("ARI window", "forced: names changed"). Never NULL. */
const char *renew_reason_text(enum renew_reason r);

#endif
