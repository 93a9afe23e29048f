/*
 * solve/registry — solvers by name and settings, so the command line, a
 * config file and other C programs all choose them the same way. A new
 * solver adds one row to the table.
 */
#include <string.h>

#include "solve/solve.h"

typedef struct solver *(*solver_ctor)(const struct kvlist *s, long timeout_s, const struct logger *log,
                                      struct err *err);

static struct solver *make_hook(const struct kvlist *s, long timeout_s, const struct logger *log,
                                struct err *err)
{
    static const char *const known[] = {"program", "challenge", "timeout", NULL};
    const char *type = solver_challenge_type("hook", s);
    long timeout = timeout_s;  /* a hook gets the bound unless told otherwise */

    if (kv_check_known(s, known, "hook solver", err) != CP_OK ||
        kv_get_long(s, "timeout", 1, 86400, &timeout, "hook solver", err) != CP_OK)
        return NULL;
    if (type == NULL) {
        err_set(err, CP_EUSAGE, "hook solver: challenge \"%s\" is not dns-01 or http-01",
                kv_get(s, "challenge"));
        return NULL;
    }
    if (kv_get(s, "program") == NULL) {
        err_set(err, CP_EUSAGE, "hook solver: no program given");
        return NULL;
    }
    return solver_hook_new(kv_get(s, "program"), type, timeout, log, err);
}

static struct solver *make_webroot(const struct kvlist *s, long timeout_s, const struct logger *log,
                                   struct err *err)
{
    static const char *const known[] = {"path", NULL};

    (void)timeout_s;
    if (kv_check_known(s, known, "webroot solver", err) != CP_OK)
        return NULL;
    return solver_webroot_new(kv_get(s, "path"), log, err);
}

static struct solver *make_standalone(const struct kvlist *s, long timeout_s, const struct logger *log,
                                      struct err *err)
{
    static const char *const known[] = {"listen", NULL};
    const char *listen[SOLVER_MAX_LISTEN + 1];
    size_t n = 0;

    (void)timeout_s;
    if (kv_check_known(s, known, "standalone solver", err) != CP_OK)
        return NULL;
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        if (n == SOLVER_MAX_LISTEN + 1)
            break;
        listen[n++] = s->items[i].value;
    }
    return solver_standalone_new(listen, n, log, err);
}

static const struct {
    const char *name;
    solver_ctor make;
} solvers[] = {
    {"hook", make_hook},
    {"webroot", make_webroot},
    {"standalone", make_standalone},
};

const char *solver_challenge_type(const char *name, const struct kvlist *settings)
{
    const char *c = kv_get(settings, "challenge");

    if (strcmp(name, "webroot") == 0 || strcmp(name, "standalone") == 0)
        return "http-01";
    if (strcmp(name, "hook") != 0)
        return NULL;
    if (c == NULL || strcmp(c, "dns-01") == 0)
        return "dns-01";
    return strcmp(c, "http-01") == 0 ? "http-01" : NULL;
}

struct solver *solver_new(const char *name, const struct kvlist *settings, long timeout_s,
                          const struct logger *log, struct err *err)
{
    for (size_t i = 0; i < sizeof(solvers) / sizeof(solvers[0]); i++)
        if (strcmp(solvers[i].name, name) == 0)
            return solvers[i].make(settings, timeout_s, log, err);
    err_set(err, CP_EUSAGE, "unknown challenge solver \"%s\" (hook, webroot, standalone)", name);
    return NULL;
}
