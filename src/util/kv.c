#include "util/kv.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"

const char *kv_get(const struct kvlist *l, const char *key)
{
    const char *v = NULL;

    for (size_t i = 0; l != NULL && i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            v = l->items[i].value;
    return v;
}

/* Levenshtein distance, bounded: keys are short, so a small table suffices. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[65], cur[65];

    if (la > 64 || lb > 64)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(size_t) * (lb + 1));
    }
    return prev[lb];
}

const char *kv_nearest(const char *s, const char *const *known)
{
    const char *best = NULL;
    size_t best_d = 4;

    for (size_t i = 0; known[i] != NULL; i++) {
        size_t d = edit_distance(s, known[i]);
        if (d < best_d) {
            best_d = d;
            best = known[i];
        }
    }
    return best;
}

int kv_check_known(const struct kvlist *l, const char *const *known, const char *what,
                   struct err *err)
{
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        const char *k = l->items[i].key, *near;
        size_t j = 0;

        while (known[j] != NULL && strcmp(known[j], k) != 0)
            j++;
        if (known[j] != NULL)
            continue;
        near = kv_nearest(k, known);
        if (near != NULL)
            return err_set(err, CP_EUSAGE, "%s: unknown setting \"%s\" (did you mean \"%s\"?)",
                           what, k, near);
        return err_set(err, CP_EUSAGE, "%s: unknown setting \"%s\"", what, k);
    }
    return CP_OK;
}

int kv_get_long(const struct kvlist *l, const char *key, long min, long max, long *out,
                const char *what, struct err *err)
{
    const char *v = kv_get(l, key);

    if (v != NULL && !str_to_long(v, min, max, out))
        return err_set(err, CP_EUSAGE, "%s: %s \"%s\" is not a number from %ld to %ld", what, key,
                       v, min, max);
    return CP_OK;
}
