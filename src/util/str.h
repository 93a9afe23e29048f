/*
 * util/str — small string helpers: owned formatting, sanitising text that
 * came from outside before it reaches a terminal or a log.
 * Every returned char * belongs to the caller (free()).
 */
#ifndef CP_UTIL_STR_H
#define CP_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* malloc'd formatted string, or NULL when out of memory. */
char *str_printf(const char *fmt, ...) CP_PRINTF(1, 2);

/* strdup that accepts NULL (returns NULL). */
char *str_dup(const char *s);

/* The one sanitiser for text from outside (CA replies, problem documents) before
 * it reaches a terminal or a log, in place: drops C0 controls (tab, CR and LF
 * become a space), DEL, C1 controls (U+0080-U+009F) and the bidi controls
 * U+202A-U+202E and U+2066-U+2069; each byte that is not well-formed UTF-8
 * becomes '?'. The result is never longer than the input. NULL is allowed. */
void str_sanitize(char *s);

/* The first len bytes of s, safe to quote in a message: each byte of a malformed
 * UTF-8 sequence, of a code point str_sanitize would drop, and '"' and '\\' become
 * "\\xNN"; well-formed text (U+00A0 and up included) stays as it is. s is NUL-terminated
 * (at or after len). Caller frees; NULL when out of memory. */
char *str_escape(const char *s, size_t len);

bool str_has_prefix(const char *s, const char *prefix);

/* s is a whole decimal number from min to max (no sign games, no overflow, nothing after it). */
bool str_to_long(const char *s, long min, long max, long *out);

/* Free and NULL a pointer: `str_free(&p)`. */
void str_free(char **p);

/* Zero then free a secret buffer of len bytes (accepts NULL). */
void secret_free(void *p, size_t len);

#endif
