/*
 * dns/registry — provider names to constructors. A new provider adds one
 * line to the table.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/aliesa.h"
#include "dns/alidns.h"
#include "dns/provider.h"
#include "dns/rfc2136.h"

typedef struct dns_provider *(*dns_ctor)(const struct dns_provider_opts *opts, struct err *err);

static const struct {
    const char *name;
    dns_ctor make;
} providers[] = {
    {"alidns", dns_alidns_new},
    {"rfc2136", dns_rfc2136_new},
    {"aliesa", dns_aliesa_new},  /* issue 27: ESA-hosted sites */
    {NULL, NULL},
};

const char *dns_provider_name(size_t i)
{
    return i < sizeof(providers) / sizeof(providers[0]) ? providers[i].name : NULL;
}

struct dns_provider *dns_provider_new(const char *name, const struct dns_provider_opts *opts,
                                      struct err *err)
{
    char known[256] = "";

    for (size_t i = 0; providers[i].name != NULL; i++) {
        if (strcmp(providers[i].name, name) == 0)
            return providers[i].make(opts, err);
        if (strlen(known) + strlen(providers[i].name) + 3 < sizeof(known))
            strcat(strcat(known, i ? ", " : ""), providers[i].name);
    }
    err_set(err, CP_EUSAGE, "unknown DNS provider \"%s\" (known: %s)", name, known);
    return NULL;
}

void dns_txt_clear(struct dns_txt *r)
{
    free(r->zone);
    free(r->id);
    r->zone = NULL;
    r->id = NULL;
    r->added = false;
}
