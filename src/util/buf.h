/*
 * util/buf — a growable byte buffer. data is NUL-terminated whenever it is
 * non-NULL, so text bodies can be used as C strings. The struct owns data.
 */
#ifndef CP_UTIL_BUF_H
#define CP_UTIL_BUF_H

#include <stddef.h>

#include "util/err.h"

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

/* Append len bytes; returns 0 or CP_ENOMEM (buffer unchanged then). */
int buf_append(struct buf *b, const void *data, size_t len) CP_WUR;
int buf_append_str(struct buf *b, const char *s) CP_WUR;

/* Release the buffer and reset it to empty. */
void buf_free(struct buf *b);

/* Take ownership of data (NUL-terminated, may be NULL when empty); buffer is reset. */
char *buf_steal(struct buf *b);

#endif
