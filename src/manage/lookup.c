/*
 * manage/lookup — a certificate named by a user: stored, or the stored name
 * nearest to what was typed ("did you mean"), as git and systemctl do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manage/internal.h"

#define MAX_COMPARED 256  /* longer names are never near anything */

size_t manage_name_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[MAX_COMPARED + 1];

    if (la > MAX_COMPARED || lb > MAX_COMPARED)
        return (size_t)-1;
    /* Levenshtein, one row at a time */
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

const char *manage_name_suggest(const char *name, char *const *names, size_t n)
{
    size_t limit = strlen(name) / 3 > 2 ? strlen(name) / 3 : 2, best = (size_t)-1;
    const char *pick = NULL;

    for (size_t i = 0; i < n; i++) {
        size_t d = manage_name_distance(name, names[i]);
        if (d <= limit && d < best) {
            best = d;
            pick = names[i];
        }
    }
    return pick;
}

int manage_cert_lookup(struct manage *m, const char *name, struct err *err)
{
    char **names = NULL;
    size_t n = 0;
    const char *near;
    int rc = store_cert_list(m->store, &names, &n, err);

    for (size_t i = 0; rc == CP_OK && i < n; i++)
        if (strcmp(names[i], name) == 0)
            goto out;
    near = rc == CP_OK ? manage_name_suggest(name, names, n) : NULL;
    if (rc == CP_OK && near != NULL)
        rc = err_set(err, CP_EUSAGE, "no certificate named %s (did you mean %s?)", name, near);
    else if (rc == CP_OK)
        rc = err_set(err, CP_EUSAGE, "no certificate named %s (%zu stored; certpilot list shows them)", name, n);
out:
    store_names_free(names, n);
    return rc;
}
