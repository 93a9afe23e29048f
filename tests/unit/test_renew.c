/*
 * renew/schedule with fixed clocks and fixed random numbers: the ARI
 * window (chosen, kept, past, re-chosen when it moves), the lifetime rule
 * for 90-day and 6-day certificates with its bounded spread, forced
 * reasons, the caller's check interval, and invalid dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "renew/schedule.h"

#define DAY 86400L
#define HOUR 3600L
#define T0 ((time_t)1767225600) /* 2026-01-01T00:00:00Z */

static struct renew_input cert(long days)
{
    struct renew_input in;

    memset(&in, 0, sizeof(in));
    in.not_before = T0;
    in.not_after = T0 + days * DAY;
    in.now = T0;
    return in;
}

static struct renew_plan plan(const struct renew_input *in)
{
    struct renew_plan p;
    struct err err = {0};

    assert_int_equal(renew_schedule(in, &p, &err), CP_OK);
    return p;
}

static void test_lifetime_90_days(void **state)
{
    struct renew_input in = cert(90);
    struct renew_plan p;

    (void)state;
    in.random = 0;  /* no spread: exactly 60 days in */
    p = plan(&in);
    assert_int_equal(p.reason, RENEW_REASON_LIFETIME);
    assert_int_equal(p.at, T0 + 60 * DAY);
    assert_false(p.due);
    assert_false(p.store_chosen);
    assert_string_equal(renew_reason_text(p.reason), "a third of the lifetime left");
    in.random = UINT32_MAX;  /* the largest spread is capped at 6 hours */
    p = plan(&in);
    assert_true(p.at > T0 + 60 * DAY - 6 * HOUR);
    assert_true(p.at <= T0 + 60 * DAY - 6 * HOUR + 1);
    in.random = UINT32_MAX / 2 + 1;  /* half of it */
    assert_int_equal(plan(&in).at, T0 + 60 * DAY - 3 * HOUR);
}

static void test_lifetime_6_days(void **state)
{
    struct renew_input in = cert(6);
    struct renew_plan p;

    (void)state;
    p = plan(&in);
    assert_int_equal(p.at, T0 + 4 * DAY);
    /* 1/30 of 6 days is 4.8 hours: less than the cap, so it bounds the spread */
    in.random = UINT32_MAX;
    p = plan(&in);
    assert_true(p.at < T0 + 4 * DAY - 4 * HOUR);
    assert_true(p.at >= T0 + 4 * DAY - (6 * DAY) / 30);
    in.now = T0 + 4 * DAY - 1;  /* the same spread, one second before the mark: due */
    assert_true(plan(&in).due);
    in.random = 0;
    assert_false(plan(&in).due);
    in.now = T0 + 4 * DAY;
    assert_true(plan(&in).due);
}

static void test_lifetime_expired_is_due(void **state)
{
    struct renew_input in = cert(90);

    (void)state;
    in.now = T0 + 100 * DAY;
    assert_true(plan(&in).due);
    assert_int_equal(plan(&in).reason, RENEW_REASON_LIFETIME);
}

static void test_lifetime_30_second_cert(void **state)
{
    struct renew_input in = cert(0);

    (void)state;
    in.not_after = T0 + 30;
    in.random = UINT32_MAX;
    assert_int_equal(plan(&in).at, T0 + 20 - 0);  /* 30/30 = 1 s of spread, scaled below 1 */
    in.now = T0 + 20;
    assert_true(plan(&in).due);
}

static struct renew_input with_window(time_t start, time_t end)
{
    struct renew_input in = cert(90);

    in.has_window = true;
    in.window_start = start;
    in.window_end = end;
    return in;
}

static void test_ari_future_window(void **state)
{
    struct renew_input in = with_window(T0 + 50 * DAY, T0 + 52 * DAY);
    struct renew_plan p;

    (void)state;
    in.now = T0 + 10 * DAY;
    in.random = 0;
    p = plan(&in);
    assert_int_equal(p.reason, RENEW_REASON_ARI_WINDOW);
    assert_string_equal(renew_reason_text(p.reason), "ARI window");
    assert_int_equal(p.at, T0 + 50 * DAY);
    assert_true(p.store_chosen);
    assert_int_equal(p.chosen, p.at);
    assert_false(p.due);
    in.random = UINT32_MAX / 2 + 1;
    assert_int_equal(plan(&in).at, T0 + 51 * DAY);
    in.random = UINT32_MAX;  /* inside the window, never at its end */
    p = plan(&in);
    assert_true(p.at < T0 + 52 * DAY && p.at >= T0 + 52 * DAY - 1);
}

/* The stored choice is kept while it lies in the window, whatever the random number says. */
static void test_ari_choice_is_stable(void **state)
{
    struct renew_input in = with_window(T0 + 50 * DAY, T0 + 52 * DAY);
    struct renew_plan p;

    (void)state;
    in.now = T0 + 10 * DAY;
    in.has_chosen = true;
    in.chosen = T0 + 51 * DAY + 7;
    for (uint32_t r = 0; r < 5; r++) {
        in.random = r * 999999937u;
        p = plan(&in);
        assert_int_equal(p.at, T0 + 51 * DAY + 7);
        assert_int_equal(p.chosen, T0 + 51 * DAY + 7);
    }
    in.now = T0 + 51 * DAY + 7;  /* the moment arrives */
    assert_true(plan(&in).due);
}

/* The CA moved its window (e.g. before a mass revocation): a stored choice outside it is redrawn. */
static void test_ari_window_moved(void **state)
{
    struct renew_input in = with_window(T0 + 20 * DAY, T0 + 21 * DAY);
    struct renew_plan p;

    (void)state;
    in.now = T0 + 10 * DAY;
    in.has_chosen = true;
    in.chosen = T0 + 51 * DAY;
    in.random = 0;
    p = plan(&in);
    assert_int_equal(p.at, T0 + 20 * DAY);
    assert_int_equal(p.chosen, T0 + 20 * DAY);
}

static void test_ari_window_open_now(void **state)
{
    struct renew_input in = with_window(T0 + 50 * DAY, T0 + 52 * DAY);
    struct renew_plan p;

    (void)state;
    in.now = T0 + 51 * DAY;
    in.random = 0;  /* chosen time already past: due */
    p = plan(&in);
    assert_true(p.due);
    assert_int_equal(p.reason, RENEW_REASON_ARI_WINDOW);
    in.random = UINT32_MAX;  /* chosen later in the open window: wait */
    assert_false(plan(&in).due);
}

static void test_ari_window_in_the_past(void **state)
{
    struct renew_input in = with_window(T0 + 1 * DAY, T0 + 2 * DAY);
    struct renew_plan p;

    (void)state;
    in.now = T0 + 3 * DAY;
    p = plan(&in);
    assert_true(p.due);
    assert_int_equal(p.at, in.now);
    assert_int_equal(p.reason, RENEW_REASON_ARI_PASSED);
    assert_false(p.store_chosen);
    in.now = T0 + 2 * DAY;  /* the end itself is outside the window */
    assert_int_equal(plan(&in).reason, RENEW_REASON_ARI_PASSED);
}

/* ARI overrides the lifetime rule in both directions. */
static void test_ari_overrides_lifetime(void **state)
{
    struct renew_input in = with_window(T0 + 80 * DAY, T0 + 81 * DAY);

    (void)state;
    in.now = T0 + 70 * DAY;  /* past the lifetime mark, before the window */
    assert_false(plan(&in).due);
}

/* RFC 9773 §4.2: a time before the caller's next run is taken now. */
static void test_check_interval(void **state)
{
    struct renew_input in = with_window(T0 + 50 * DAY, T0 + 52 * DAY);
    struct renew_plan p;

    (void)state;
    in.now = T0 + 50 * DAY - 12 * HOUR;
    in.random = 0;
    in.check_interval_s = DAY;
    p = plan(&in);
    assert_true(p.due);
    assert_int_equal(p.at, in.now);
    assert_int_equal(p.chosen, T0 + 50 * DAY);  /* the stored choice stays the real one */
    in.check_interval_s = 6 * HOUR;
    assert_false(plan(&in).due);
    in = cert(90);
    in.now = T0 + 60 * DAY - HOUR;
    in.check_interval_s = 2 * HOUR;
    assert_true(plan(&in).due);
    in.check_interval_s = HOUR / 2;
    assert_false(plan(&in).due);
}

static void test_forced(void **state)
{
    static const struct {
        enum renew_force f;
        enum renew_reason r;
        const char *text;
    } cases[] = {
        {RENEW_FORCE_NAMES, RENEW_REASON_FORCED_NAMES, "forced: names changed"},
        {RENEW_FORCE_KEY_TYPE, RENEW_REASON_FORCED_KEY_TYPE, "forced: key type changed"},
        {RENEW_FORCE_BROKEN, RENEW_REASON_FORCED_BROKEN, "forced: current version missing or broken"},
        {RENEW_FORCE_REVOKED, RENEW_REASON_FORCED_REVOKED, "forced: revoked"},
        {RENEW_FORCE_USER, RENEW_REASON_FORCED_USER, "forced: requested"},
    };
    struct renew_input in = with_window(T0 + 50 * DAY, T0 + 52 * DAY);
    struct renew_plan p;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        in.force = cases[i].f;
        p = plan(&in);
        assert_true(p.due);
        assert_int_equal(p.at, in.now);
        assert_int_equal(p.reason, cases[i].r);
        assert_string_equal(renew_reason_text(p.reason), cases[i].text);
    }
}

/* A missing or broken certificate has no dates: forcing must not look at them. */
static void test_forced_without_dates(void **state)
{
    struct renew_input in;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.now = T0;
    in.force = RENEW_FORCE_BROKEN;
    assert_true(plan(&in).due);
}

static void test_invalid_dates(void **state)
{
    struct renew_input in = cert(90);
    struct renew_plan p;
    struct err err = {0};

    (void)state;
    in.not_after = in.not_before;
    assert_int_equal(renew_schedule(&in, &p, &err), CP_EINVALID);
    assert_string_equal(err.msg, "certificate validity ends (1767225600) before it starts (1767225600)");
    in = with_window(T0 + 5 * DAY, T0 + 5 * DAY);
    assert_int_equal(renew_schedule(&in, &p, &err), CP_EINVALID);
    assert_string_equal(err.msg, "ARI window ends (1767657600) before it starts (1767657600)");
    assert_int_equal(renew_schedule(&in, &p, NULL), CP_EINVALID);
}

static void test_names_differ(void **state)
{
    const char *a[] = {"www.example.org", "example.org"};
    const char *b[] = {"EXAMPLE.org", "www.example.org", "example.org"};
    const char *c[] = {"example.org"};
    const char *d[] = {"example.org", "*.example.org"};

    (void)state;
    assert_false(renew_names_differ(a, 2, b, 3));
    assert_false(renew_names_differ(b, 3, a, 2));
    assert_true(renew_names_differ(a, 2, c, 1));  /* a name dropped */
    assert_true(renew_names_differ(c, 1, a, 2));  /* a name added */
    assert_true(renew_names_differ(c, 1, d, 2));  /* a wildcard is a name of its own */
    assert_true(renew_names_differ(c, 1, NULL, 0));
    assert_false(renew_names_differ(NULL, 0, NULL, 0));
    /* an address in another spelling is the same address; another one is not */
    assert_false(renew_names_differ((const char *[]){"2001:DB8:0::1"}, 1, (const char *[]){"2001:db8::1"}, 1));
    assert_true(renew_names_differ((const char *[]){"2001:db8::2"}, 1, (const char *[]){"2001:db8::1"}, 1));
}

static void test_reason_text_unknown(void **state)
{
    (void)state;
    assert_string_equal(renew_reason_text((enum renew_reason)99), "unknown reason");
}

/* renew_before replaces the third of the lifetime, capped at the lifetime. */
static void test_renew_before(void **state)
{
    struct renew_input in = {.not_before = 0, .not_after = 90 * 86400, .renew_before_s = 30 * 86400,
                             .random = 0};
    struct renew_plan p;

    (void)state;
    in.now = 59 * 86400;
    assert_int_equal(renew_schedule(&in, &p, NULL), CP_OK);
    assert_false(p.due);
    assert_int_equal(p.at, 60 * 86400);
    assert_int_equal(p.reason, RENEW_REASON_BEFORE_EXPIRY);
    in.now = 60 * 86400;
    assert_int_equal(renew_schedule(&in, &p, NULL), CP_OK);
    assert_true(p.due);
    in.renew_before_s = 365 * 86400;  /* longer than the lifetime: due from the start */
    in.now = 1;
    assert_int_equal(renew_schedule(&in, &p, NULL), CP_OK);
    assert_true(p.due);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_renew_before),
        cmocka_unit_test(test_lifetime_90_days),
        cmocka_unit_test(test_lifetime_6_days),
        cmocka_unit_test(test_lifetime_expired_is_due),
        cmocka_unit_test(test_lifetime_30_second_cert),
        cmocka_unit_test(test_ari_future_window),
        cmocka_unit_test(test_ari_choice_is_stable),
        cmocka_unit_test(test_ari_window_moved),
        cmocka_unit_test(test_ari_window_open_now),
        cmocka_unit_test(test_ari_window_in_the_past),
        cmocka_unit_test(test_ari_overrides_lifetime),
        cmocka_unit_test(test_check_interval),
        cmocka_unit_test(test_forced),
        cmocka_unit_test(test_forced_without_dates),
        cmocka_unit_test(test_invalid_dates),
        cmocka_unit_test(test_names_differ),
        cmocka_unit_test(test_reason_text_unknown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
