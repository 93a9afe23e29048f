/*
 * util/kv — settings as an ordered list of "key" = "value" pairs, the one
 * shape in which the command line, the config file and the environment
 * hand settings to solvers, DNS providers and deploy targets. Names are
 * chosen by the module that reads them; each module rejects keys it does
 * not know (kv_check_known) so a typo never passes silently.
 */
#ifndef CP_UTIL_KV_H
#define CP_UTIL_KV_H

#include <stddef.h>

#include "util/err.h"

struct kv {
    const char *key;
    const char *value;
};

/* A borrowed view of settings: the pairs outlive every call that receives it. */
struct kvlist {
    const struct kv *items;
    size_t n;
};

/* The value of the last pair named key, or NULL. */
const char *kv_get(const struct kvlist *l, const char *key);

/* CP_EUSAGE "<what>: unknown setting \"x\" (did you mean \"y\"?)" for the first
 * key not in known (a NULL-terminated list). */
int kv_check_known(const struct kvlist *l, const char *const *known, const char *what,
                   struct err *err) CP_WUR;

/* Parse a decimal long in [min, max]; CP_EUSAGE "<what>: <key> ..." otherwise.
 * A missing key leaves *out unchanged and returns 0. */
int kv_get_long(const struct kvlist *l, const char *key, long min, long max, long *out,
                const char *what, struct err *err) CP_WUR;

/* The known key nearest to s by edit distance (at most 3 edits), or NULL. */
const char *kv_nearest(const char *s, const char *const *known);

#endif
