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

/* Replace control characters (and DEL) with '?' in place, so server text cannot steer a terminal. */
void str_sanitize(char *s);

bool str_has_prefix(const char *s, const char *prefix);

/* Free and NULL a pointer: `str_free(&p)`. */
void str_free(char **p);

/* Zero then free a secret buffer of len bytes (accepts NULL). */
void secret_free(void *p, size_t len);

#endif
