/*
 * jose/b64url — base64url without padding (RFC 7515 §2, RFC 4648 §5).
 * No I/O. Returned buffers belong to the caller (free()).
 */
#ifndef CP_JOSE_B64URL_H
#define CP_JOSE_B64URL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Is s non-empty and made only of base64url characters (no padding)? */
bool b64url_alphabet_only(const char *s);

/* Encode len bytes; returns a NUL-terminated string or NULL when out of memory. */
char *b64url_encode(const void *data, size_t len);

/*
 * Decode slen characters of s (padding '=' and characters outside the
 * base64url alphabet are rejected, as are impossible lengths). On success
 * *out is malloc'd (NUL-terminated for convenience, not counted in *outlen).
 * Returns 0, CP_EINVALID or CP_ENOMEM.
 */
int b64url_decode(const char *s, size_t slen, unsigned char **out, size_t *outlen) CP_WUR;

#endif
