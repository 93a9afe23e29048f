/*
 * solve/registry — solvers by name and settings, so the command line, a
 * config file and other C programs all choose them the same way. A new
 * solver adds one row to the table.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/provider.h"
#include "solve/solve.h"
#include "util/listen.h"
#include "util/str.h"

/* Settings lists split in two: the dns solver's own and its provider's. */
#define MAX_PROVIDER_SETTINGS 32

typedef struct solver *(*solver_ctor)(const struct kvlist *s, const struct solver_env *env, struct err *err);

/* 0: uacme's contract, 1: certbot's, or CP_EUSAGE. */
static int hook_contract(const char *contract, const char *cleanup, struct err *err)
{
    if (contract != NULL && strcmp(contract, "certbot") != 0 && strcmp(contract, "uacme") != 0)
        return err_set(err, CP_EUSAGE, "hook solver: contract \"%s\" is not uacme or certbot", contract);
    if (contract != NULL && strcmp(contract, "certbot") == 0)
        return 1;
    if (cleanup != NULL)
        return err_set(err, CP_EUSAGE, "hook solver: cleanup is only for contract=certbot");
    return 0;
}

static struct solver *make_hook(const struct kvlist *s, const struct solver_env *env, struct err *err)
{
    static const char *const known[] = {"program", "challenge", "timeout", "contract", "cleanup", NULL};
    const char *type = solver_challenge_type("hook", s), *contract = kv_get(s, "contract");
    long timeout = env->timeout_s;  /* a hook gets the bound unless told otherwise */
    struct solver *h;
    int rc;

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
    if ((rc = hook_contract(contract, kv_get(s, "cleanup"), err)) < 0)
        return NULL;
    h = solver_hook_new(kv_get(s, "program"), type, timeout, env->log, err);
    if (h != NULL && rc == 1 && solver_hook_certbot(h, kv_get(s, "cleanup"), err) != CP_OK) {
        solver_free(h);
        return NULL;
    }
    if (h != NULL) {
        solver_hook_strip_env(h, env->strip_env);
        solver_hook_cancel(h, env->cancel);
    }
    return h;
}

static struct solver *make_webroot(const struct kvlist *s, const struct solver_env *env, struct err *err)
{
    static const char *const known[] = {"path", NULL};

    if (kv_check_known(s, known, "webroot solver", err) != CP_OK)
        return NULL;
    return solver_webroot_new(kv_get(s, "path"), env->log, err);
}

static struct solver *make_standalone(const struct kvlist *s, const struct solver_env *env, struct err *err)
{
    static const char *const known[] = {"listen", NULL};
    struct listen_addrs la[SOLVER_MAX_LISTEN + 1];
    const char *listen[2 * (SOLVER_MAX_LISTEN + 1)];
    size_t n = 0;

    if (kv_check_known(s, known, "standalone solver", err) != CP_OK)
        return NULL;
    /* "PORT" and ":PORT" are every address: two of them (util/listen.c) */
    for (size_t i = 0; s != NULL && i < s->n && i < SOLVER_MAX_LISTEN + 1; i++) {
        if (listen_parse(s->items[i].value, &la[i], err) != CP_OK)
            return NULL;
        for (size_t k = 0; k < la[i].n; k++)
            listen[n++] = la[i].addr[k];
    }
    return solver_standalone_new(listen, n, env->log, err);
}

static bool dns_own_key(const char *k)
{
    return strcmp(k, "provider") == 0 || strcmp(k, "resolver") == 0 ||
           strcmp(k, "propagation_timeout") == 0 || strcmp(k, "propagation_check") == 0;
}

/* The dns solver's options from its own settings; the rest go to the provider. */
static int dns_options(const struct kvlist *s, struct solver_dns_opts *o, struct kv *rest, size_t *nrest,
                       struct err *err)
{
    const char *check = kv_get(s, "propagation_check");

    *nrest = 0;
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        if (dns_own_key(s->items[i].key))
            continue;
        if (*nrest == MAX_PROVIDER_SETTINGS)
            return err_set(err, CP_EUSAGE, "dns solver: more than %d provider settings", MAX_PROVIDER_SETTINGS);
        rest[(*nrest)++] = s->items[i];
    }
    if (kv_get(s, "provider") == NULL)
        return err_set(err, CP_EUSAGE, "dns solver: no provider given");
    if (check != NULL && strcmp(check, "yes") != 0 && strcmp(check, "no") != 0)
        return err_set(err, CP_EUSAGE, "dns solver: propagation_check \"%s\" is not yes or no", check);
    o->resolver = kv_get(s, "resolver");
    o->skip_propagation = check != NULL && strcmp(check, "no") == 0;
    return kv_get_long(s, "propagation_timeout", 1, 86400, &o->propagation_timeout_s, "dns solver", err);
}

/* Solvers made with equal settings may publish each other's records: the
 * settings, in order, are their round's key (kept in memory only). */
static char *round_key(const struct kvlist *s)
{
    char *key = str_dup(""), *longer;

    for (size_t i = 0; key != NULL && s != NULL && i < s->n; i++) {
        longer = str_printf("%s%s=%s\n", key, s->items[i].key, s->items[i].value);
        free(key);
        key = longer;
    }
    return key;
}

static struct solver *make_dns(const struct kvlist *s, const struct solver_env *env, struct err *err)
{
    struct kv rest[MAX_PROVIDER_SETTINGS];
    struct kvlist prest;
    size_t nrest = 0;
    struct solver_dns_opts o = {.state_dir = env->state_dir, .cancel = env->cancel, .log = env->log};
    struct dns_provider_opts po = {&prest, env->log, NULL, env->state_dir};
    struct solver *sol;
    size_t removed = 0;
    struct err rerr = {0};
    char *key = NULL;

    if (dns_options(s, &o, rest, &nrest, err) != CP_OK)
        return NULL;
    prest = (struct kvlist){rest, nrest};
    po.resolver = o.resolver;
    if ((o.provider = dns_provider_new(kv_get(s, "provider"), &po, err)) == NULL)
        return NULL;
    /* what a run that died left published with this provider goes first */
    if (o.state_dir != NULL && solver_dns_recover(&o, &removed, &rerr) != CP_OK)
        log_warn(env->log, "dns-01: could not clean up after an earlier run: %s", rerr.msg);
    else if (removed > 0)
        log_info(env->log, "dns-01: removed %zu record(s) an earlier run left behind", removed);
    o.owns_provider = true;
    o.rounds = env->rounds;
    if (o.rounds != NULL && (o.round_key = key = round_key(s)) == NULL) {
        dns_provider_free(o.provider);
        err_nomem(err);
        return NULL;
    }
    if ((sol = solver_dns_new(&o, err)) == NULL)
        dns_provider_free(o.provider);
    free(key);
    return sol;
}

static const struct {
    const char *name;
    solver_ctor make;
} solvers[] = {
    {"hook", make_hook},
    {"webroot", make_webroot},
    {"standalone", make_standalone},
    {"dns", make_dns},
};

const char *solver_challenge_type(const char *name, const struct kvlist *settings)
{
    const char *c = kv_get(settings, "challenge");

    if (strcmp(name, "webroot") == 0 || strcmp(name, "standalone") == 0)
        return "http-01";
    if (strcmp(name, "dns") == 0)
        return "dns-01";
    if (strcmp(name, "hook") != 0)
        return NULL;
    if (c == NULL || strcmp(c, "dns-01") == 0)
        return "dns-01";
    return strcmp(c, "http-01") == 0 ? "http-01" : NULL;
}

struct solver *solver_new(const char *name, const struct kvlist *settings, const struct solver_env *env,
                          struct err *err)
{
    static const struct solver_env none = {0};

    for (size_t i = 0; i < sizeof(solvers) / sizeof(solvers[0]); i++)
        if (strcmp(solvers[i].name, name) == 0)
            return solvers[i].make(settings, env ? env : &none, err);
    err_set(err, CP_EUSAGE, "unknown challenge solver \"%s\" (hook, webroot, standalone, dns)", name);
    return NULL;
}

/* Like make_standalone, but nothing listens. */
static int check_standalone(const struct kvlist *s, struct err *err)
{
    static const char *const known[] = {"listen", NULL};
    const char *listen[SOLVER_MAX_LISTEN + 1];
    size_t n = 0;

    if (kv_check_known(s, known, "standalone solver", err) != CP_OK)
        return err->code;
    for (size_t i = 0; s != NULL && i < s->n && n < SOLVER_MAX_LISTEN + 1; i++)
        listen[n++] = s->items[i].value;
    return solver_standalone_check(listen, n, err);
}

int solver_check(const char *name, const struct kvlist *settings, struct err *err)
{
    static const struct solver_env quiet = {0};  /* no state dir: nothing recovered; no rounds */
    struct solver *s;

    if (name != NULL && strcmp(name, "standalone") == 0)
        return check_standalone(settings, err);
    if (name == NULL)
        return err_set(err, CP_EUSAGE, "no challenge solver given");
    if ((s = solver_new(name, settings, &quiet, err)) == NULL)
        return err->code;
    solver_free(s);
    return CP_OK;
}
