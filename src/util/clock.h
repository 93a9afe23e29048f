/*
 * util/clock — the three things about time every module needs, once: a
 * monotonic millisecond clock, a sleep that finishes its time even when a
 * signal interrupts it, and UTC time as RFC 3339 text.
 */
#ifndef CP_UTIL_CLOCK_H
#define CP_UTIL_CLOCK_H

#include <stddef.h>
#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC (from any fixed point). */
long long clock_mono_ms(void);

/* Sleep ms milliseconds, resumed after a signal. */
void clock_sleep_ms(long ms);

/* t as "2026-11-25T10:15:00Z" into buf (at least 21 bytes); "?" when it cannot be formatted.
 * Returns buf. */
char *clock_format_utc(time_t t, char *buf, size_t len);

#endif
