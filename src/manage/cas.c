/*
 * manage/cas — the CAs certpilot knows by name: their directory URLs, their
 * staging twins (what a dry run orders from) and their limit on new orders.
 * Every decision about a CA is made from this table, by its host and port,
 * never from a URL's or an error's text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manage/internal.h"

#define LE_PROD "https://acme-v02.api.letsencrypt.org/directory"
#define LE_STAGING "https://acme-staging-v02.api.letsencrypt.org/directory"
#define LE_ORDERS 300          /* new orders per account ... */
#define LE_WINDOW_S (3 * 3600) /* ... and 3 hours */

/* staging: the test twin a dry run orders from (NULL: none known, or it is one). */
static const struct manage_known_ca {
    const char *name, *url, *staging;
    long orders_limit, orders_window_s;  /* 0: no limit known */
} known_cas[] = {
    {"letsencrypt", LE_PROD, LE_STAGING, LE_ORDERS, LE_WINDOW_S},
    {"letsencrypt-staging", LE_STAGING, NULL, LE_ORDERS, LE_WINDOW_S},
};
#define NCAS (sizeof(known_cas) / sizeof(known_cas[0]))

/* The known CA at server's host and port (any path of it), or NULL. */
static const struct manage_known_ca *known_at(const char *server)
{
    const struct manage_known_ca *found = NULL;
    char *id = NULL, *kid = NULL;

    if (server == NULL || manage_ca_id(server, &id, NULL) != CP_OK)
        return NULL;
    for (size_t i = 0; found == NULL && i < NCAS; i++) {
        if (manage_ca_id(known_cas[i].url, &kid, NULL) == CP_OK && strcmp(kid, id) == 0)
            found = &known_cas[i];
        free(kid);
        kid = NULL;
    }
    free(id);
    return found;
}

const char *manage_ca_url(const char *name)
{
    for (size_t i = 0; i < NCAS; i++)
        if (strcmp(known_cas[i].name, name) == 0)
            return known_cas[i].url;
    return NULL;
}

size_t manage_ca_names(char *out, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < NCAS && len > 0; i++)
        n += (size_t)snprintf(out + (n < len ? n : len - 1), n < len ? len - n : 1, "%s%s", i ? ", " : "",
                              known_cas[i].name);
    return n;
}

const char *manage_ca_dry_run(const char *server, const char **why)
{
    for (size_t i = 0; i < NCAS; i++) {
        if (strcmp(known_cas[i].url, server) != 0)
            continue;
        *why = known_cas[i].staging != NULL ? "the staging twin of the CA given"
                                            : "the CA given is itself a staging CA";
        return known_cas[i].staging != NULL ? known_cas[i].staging : server;
    }
    *why = "the CA given (no staging twin of it is known)";
    return server;
}

const char *manage_ca_nearest(const char *name)
{
    const char *names[NCAS + 1];

    for (size_t i = 0; i < NCAS; i++)
        names[i] = known_cas[i].name;
    names[NCAS] = NULL;
    return kv_nearest(name, names);
}

void manage_ca_order_limit(const char *server, long *limit, long *window_s)
{
    const struct manage_known_ca *ca = known_at(server);

    *limit = ca != NULL ? ca->orders_limit : 0;
    *window_s = ca != NULL ? ca->orders_window_s : LE_WINDOW_S;
}

int manage_server_check(const char *server, struct err *err)
{
    char *id = NULL;
    int rc = manage_ca_id(server, &id, err);

    free(id);
    return rc;
}

int manage_orders_budget(const struct manage_opts *mo, long limit, struct manage_orders *out, struct err *err)
{
    struct manage *m = NULL;
    long known = 0, window = 0;
    int rc;

    manage_ca_order_limit(mo->server, &known, &window);
    *out = (struct manage_orders){limit != 0 ? limit : known, window, 0, (unsigned long)-1};
    if (out->limit == 0)
        return CP_OK;
    if ((rc = manage_open(mo, &m, err)) == CP_OK)
        rc = manage_recent_issues(m, time(NULL) - window, &out->recent, err);
    manage_free(m);
    if (rc == CP_OK)
        out->left = out->recent >= (unsigned long)out->limit ? 0 : (unsigned long)out->limit - out->recent;
    return rc;
}
