/* RFC 9773 renewal information, as a CA's reply body (acme_ari_parse, with
 * acme_ari_parse_time for its two times), then the schedule renew_schedule
 * makes from the window. Besides the RenewalInfo members, the object may
 * carry the other inputs of the schedule as numbers (now, not_before,
 * not_after, chosen, check_interval, renew_before, random, force), each
 * brought into the range certpilot can give it: times of years 0 to 9999,
 * intervals of at most ten years. What the schedule decides is checked
 * against its rules (renew/schedule.h). */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "acme/ari.h"
#include "common.h"
#include "renew/schedule.h"

#define YEAR_S 31556952LL
#define TIME_SPAN (10000 * YEAR_S)  /* the seconds from year 0 to 9999, as RFC 3339 writes them */
#define TIME_MIN (-1970 * YEAR_S)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static long long member(const json_t *o, const char *key, long long min, long long span, long long dflt)
{
    const json_t *v = json_object_get(o, key);
    long long x;

    if (!json_is_integer(v))
        return dflt;
    x = json_integer_value(v) % span;
    return min + (x < 0 ? x + span : x);
}

static void fill(const json_t *o, const struct acme_ari *a, struct renew_input *in)
{
    in->has_window = true;
    in->window_start = a->start;
    in->window_end = a->end;
    in->now = (time_t)member(o, "now", TIME_MIN, TIME_SPAN, a->start);
    in->not_before = (time_t)member(o, "not_before", TIME_MIN, TIME_SPAN, a->start - 60 * 86400);
    in->not_after = (time_t)member(o, "not_after", TIME_MIN, TIME_SPAN, a->end + 30 * 86400);
    in->has_chosen = json_is_integer(json_object_get(o, "chosen"));
    in->chosen = (time_t)member(o, "chosen", TIME_MIN, TIME_SPAN, 0);
    in->check_interval_s = (long)member(o, "check_interval", 0, 10 * YEAR_S, 0);
    in->renew_before_s = (long)member(o, "renew_before", 0, 10 * YEAR_S, 0);
    in->random = (uint32_t)member(o, "random", 0, 1LL << 32, 12345);
    in->force = (enum renew_force)member(o, "force", 0, RENEW_FORCE_USER + 1, RENEW_FORCE_NONE);
}

/* The rules of renew/schedule.h, seen from the outside. */
static void check_plan(const struct renew_input *in, const struct renew_plan *p)
{
    if (p->due != (p->at <= in->now) || renew_reason_text(p->reason)[0] == '\0')
        abort();
    if (in->force != RENEW_FORCE_NONE && (p->at != in->now || p->reason < RENEW_REASON_FORCED_NAMES))
        abort();
    if (in->force != RENEW_FORCE_NONE)
        return;
    if (p->reason == RENEW_REASON_ARI_PASSED && (in->window_end > in->now || p->at != in->now))
        abort();
    if (p->reason == RENEW_REASON_ARI_WINDOW &&
        (!p->store_chosen || p->chosen < in->window_start || p->chosen >= in->window_end ||
         (p->at != p->chosen && p->at != in->now)))
        abort();
    if (p->reason != RENEW_REASON_ARI_PASSED && p->reason != RENEW_REASON_ARI_WINDOW)
        abort();  /* a sound window always decides */
}

static void schedule(const json_t *o, const struct acme_ari *a)
{
    struct renew_input in = {0};
    struct renew_plan p;
    struct err e = {0};
    int rc;

    fill(o, a, &in);
    rc = renew_schedule(&in, &p, &e);
    if (rc == CP_OK)
        check_plan(&in, &p);
    else if (in.force != RENEW_FORCE_NONE || in.not_after > in.not_before)
        abort();  /* the window is sound: only the certificate's dates can be refused */
    else
        fuzz_check_failure(&e, rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    json_t *o = json_loadb((const char *)data, len, 0, NULL);
    struct acme_ari a;
    struct err e = {0};
    int rc;

    if (o == NULL)
        return 0;
    rc = acme_ari_parse(o, "fuzz", &a, &e);
    if (rc != CP_OK) {
        fuzz_check_failure(&e, rc);
        if (a.explanation_url != NULL)
            abort();
    } else {
        if (a.end <= a.start)
            abort();
        schedule(o, &a);
    }
    acme_ari_free(&a);
    json_decref(o);
    return 0;
}
