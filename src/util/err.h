/*
 * util/err — the one error convention of certpilot.
 *
 * Functions return 0 or a negative CP_E* code (include/certpilot/certpilot.h)
 * and, when given a struct err, leave one line there that a user can act on:
 * it names the thing that is wrong ("account key /x/key.pem: not a PEM key").
 * A NULL struct err is allowed everywhere and means "caller wants only the code".
 */
#ifndef CP_UTIL_ERR_H
#define CP_UTIL_ERR_H

#include <stddef.h>

#include "certpilot/certpilot.h"

#define CP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define CP_WUR __attribute__((warn_unused_result))

struct err {
    int code;        /* CP_OK or a CP_E* code */
    char msg[1024];  /* one line, sanitised; empty when code is CP_OK */
};

void err_clear(struct err *e);

/* Record code and message; returns code so callers can `return err_set(...)`. */
int err_set(struct err *e, int code, const char *fmt, ...) CP_PRINTF(3, 4);

/* Prepend context to the message already held ("issue www.example.com: " + msg).
 * Returns nothing on purpose: the caller returns the code it already holds. */
void err_prefix(struct err *e, const char *fmt, ...) CP_PRINTF(2, 3);

/* Like err_set, then append OpenSSL's first queued error reason (and clear the queue). */
int err_ssl(struct err *e, int code, const char *fmt, ...) CP_PRINTF(3, 4);

/* Like err_set for an allocation failure. */
int err_nomem(struct err *e);

#endif
