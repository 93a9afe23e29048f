#include "renew/schedule.h"

#include <string.h>
#include <strings.h>

#include "util/ident.h"

static const char *const reason_text[] = {
    [RENEW_REASON_ARI_WINDOW] = "ARI window",
    [RENEW_REASON_ARI_PASSED] = "ARI window has passed",
    [RENEW_REASON_LIFETIME] = "a third of the lifetime left",
    [RENEW_REASON_BEFORE_EXPIRY] = "the configured time before expiry left",
    [RENEW_REASON_FORCED_NAMES] = "forced: names changed",
    [RENEW_REASON_FORCED_KEY_TYPE] = "forced: key type changed",
    [RENEW_REASON_FORCED_BROKEN] = "forced: current version missing or broken",
    [RENEW_REASON_FORCED_REVOKED] = "forced: revoked",
    [RENEW_REASON_FORCED_USER] = "forced: requested",
};

const char *renew_reason_text(enum renew_reason r)
{
    if ((unsigned)r >= sizeof(reason_text) / sizeof(reason_text[0]) || reason_text[r] == NULL)
        return "unknown reason";
    return reason_text[r];
}

/* A point in [0, span) scaled from a 32-bit random number: no modulo bias,
 * no overflow for any span below 2^32 seconds. */
static time_t scaled(uint32_t random, time_t span)
{
    if (span <= 0)
        return 0;
    return (time_t)(((uint64_t)span * random) >> 32);
}

static void finish(const struct renew_input *in, struct renew_plan *out, time_t at,
                   enum renew_reason reason)
{
    out->at = at;
    out->reason = reason;
    out->due = at <= in->now;
}

static enum renew_reason forced_reason(enum renew_force f)
{
    switch (f) {
    case RENEW_FORCE_NAMES:
        return RENEW_REASON_FORCED_NAMES;
    case RENEW_FORCE_KEY_TYPE:
        return RENEW_REASON_FORCED_KEY_TYPE;
    case RENEW_FORCE_BROKEN:
        return RENEW_REASON_FORCED_BROKEN;
    case RENEW_FORCE_REVOKED:
        return RENEW_REASON_FORCED_REVOKED;
    default:
        return RENEW_REASON_FORCED_USER;
    }
}

/* RFC 9773 §4.2: a uniformly random time in [start, end); a choice made
 * earlier in the same window is kept so repeated runs do not re-roll it
 * (and so, in effect, move renewal towards the window's start). */
static void plan_ari(const struct renew_input *in, struct renew_plan *out)
{
    time_t at;

    if (in->window_end <= in->now) {
        finish(in, out, in->now, RENEW_REASON_ARI_PASSED);
        return;
    }
    if (in->has_chosen && in->chosen >= in->window_start && in->chosen < in->window_end)
        at = in->chosen;
    else
        at = in->window_start + scaled(in->random, in->window_end - in->window_start);
    out->store_chosen = true;
    out->chosen = at;
    /* A time before the caller's next run would be missed: take it now. */
    if (in->check_interval_s > 0 && at > in->now && at < in->now + in->check_interval_s)
        at = in->now;
    finish(in, out, at, RENEW_REASON_ARI_WINDOW);
}

/* A third of the lifetime left, moved earlier by up to 1/30 of the
 * lifetime (capped) so certificates issued together spread out. */
static void plan_lifetime(const struct renew_input *in, struct renew_plan *out)
{
    time_t life = in->not_after - in->not_before;
    time_t spread_max = life / 30 < RENEW_MAX_SPREAD_S ? life / 30 : RENEW_MAX_SPREAD_S;
    bool before = in->renew_before_s > 0;
    time_t left = before ? (in->renew_before_s < life ? in->renew_before_s : life) : life / 3;
    time_t at = in->not_after - left - scaled(in->random, spread_max);

    if (in->check_interval_s > 0 && at < in->now + in->check_interval_s && at > in->now)
        at = in->now;
    finish(in, out, at, before ? RENEW_REASON_BEFORE_EXPIRY : RENEW_REASON_LIFETIME);
}

int renew_schedule(const struct renew_input *in, struct renew_plan *out, struct err *err)
{
    memset(out, 0, sizeof(*out));
    if (in->force != RENEW_FORCE_NONE) {
        finish(in, out, in->now, forced_reason(in->force));
        return CP_OK;
    }
    if (in->not_after <= in->not_before)
        return err_set(err, CP_EINVALID, "certificate validity ends (%lld) before it starts (%lld)",
                       (long long)in->not_after, (long long)in->not_before);
    if (in->has_window && in->window_end <= in->window_start)
        return err_set(err, CP_EINVALID, "ARI window ends (%lld) before it starts (%lld)",
                       (long long)in->window_end, (long long)in->window_start);
    if (in->has_window)
        plan_ari(in, out);
    else
        plan_lifetime(in, out);
    return CP_OK;
}

/* An address may be written in several forms ("2001:DB8:0::1"): it matches
 * by value (a certificate's addresses are canonical text, crypto/cert.h). */
static bool contains(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(list[i], name) == 0 || ident_ip_equal(list[i], name))
            return true;
    return false;
}

/* Each list within the other: quadratic, but certificates carry at most a
 * few hundred names. */
bool renew_names_differ(const char *const *want, size_t nwant, const char *const *have,
                        size_t nhave)
{
    for (size_t i = 0; i < nwant; i++)
        if (!contains(have, nhave, want[i]))
            return true;
    for (size_t i = 0; i < nhave; i++)
        if (!contains(want, nwant, have[i]))
            return true;
    return false;
}
