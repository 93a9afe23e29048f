/*
 * fuzz/common — what the libFuzzer harnesses share: a transport that answers
 * the directory and newNonce with fixed replies and then each request with
 * the fuzzer's bytes, and a client with an account key on it.
 */
#ifndef CP_FUZZ_COMMON_H
#define CP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "acme/client.h"

#define FUZZ_DIR_URL "https://ca.test/dir"

struct fuzz_transport {
    struct http_transport t;
    const uint8_t *data;        /* the body every non-directory, non-nonce request gets */
    size_t len;
    const char *content_type;   /* of that body */
    const char *link;           /* a Link header for it, or NULL */
};

/* A client on ft (directory fetched), signing with a key made once. NULL on failure. */
struct acme_client *fuzz_client(struct fuzz_transport *ft);

/* A NUL-terminated copy of data (malloc'd), or NULL. */
char *fuzz_cstr(const uint8_t *data, size_t len);

/* A copy of text (malloc'd) whose letters and digits in [at, at + n) are
 * each replaced by the next one (a->b, z->a, 9->0): the same shape to any
 * parser, other content. For checking that a message does not depend on a
 * secret's value. abort()s when out of memory. */
char *fuzz_rotate(const char *text, size_t at, size_t n);

/* abort() unless e holds what a failure with code rc must leave: that code
 * and one non-empty line without control characters. */
void fuzz_check_failure(const struct err *e, int rc);

#endif
