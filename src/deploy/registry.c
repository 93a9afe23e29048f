/*
 * deploy/registry — target names to their types. A new target adds one
 * line to the table (and its declaration to deploy/common.h).
 */
#include <string.h>

#include "deploy/common.h"

static const struct deploy_type *const types[] = {
    &deploy_files_type,
    &deploy_pkcs12_type,
    &deploy_exec_type,
    &deploy_alicdn_type,
    &deploy_aliapigw_type,
    &deploy_alicas_type,
    &deploy_alidcdn_type,
    &deploy_alilive_type,
    &deploy_alivod_type,
    &deploy_aliclb_type,
    /* by CAS certificate id, or ROA-style (issue 27) */
    &deploy_alialb_type,
    &deploy_alinlb_type,
    &deploy_aliwaf_type,
    &deploy_aliapig_type,
    &deploy_alifc_type,
    &deploy_aliesa_type,  /* ESA sites (issue 27) */
    /* OSS's own XML API, V4-signed (issue 27) */
    &deploy_alioss_type,
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

const struct deploy_type *deploy_type_at(size_t i)
{
    return i < NTYPES ? types[i] : NULL;
}

const struct deploy_type *deploy_type_find(const char *name)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (strcmp(types[i]->name, name) == 0)
            return types[i];
    return NULL;
}

int deploy_unknown_type(const char *name, struct err *err)
{
    char known[256] = "";

    for (size_t i = 0; i < NTYPES; i++)
        if (strlen(known) + strlen(types[i]->name) + 3 < sizeof(known))
            strcat(strcat(known, i ? ", " : ""), types[i]->name);
    return err_set(err, CP_EUSAGE, "unknown deploy target \"%s\" (known: %s)", name, known);
}

struct deploy_target *deploy_target_new(const char *type, const struct kvlist *settings,
                                        const struct deploy_opts *opts, struct err *err)
{
    static const struct deploy_opts none = {NULL, NULL, NULL};
    const struct deploy_type *t = deploy_type_find(type);

    if (t == NULL) {
        deploy_unknown_type(type, err);
        return NULL;
    }
    return t->make(settings, opts != NULL ? opts : &none, err);
}

int deploy_target_run(struct deploy_target *t, const struct deploy_cert *c, bool *changed,
                      struct err *err)
{
    *changed = false;
    /* files writes only what it is told, exec hands over paths: the others install the key */
    if (c->key_pem == NULL && strcmp(t->type, "files") != 0 && strcmp(t->type, "exec") != 0)
        return err_set(err, CP_EUSAGE, "%s: certificate %s has no private key here (it was issued for a CSR)",
                       t->type, c->name);
    return t->run(t, c, changed, err);
}
