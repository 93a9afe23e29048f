/*
 * dnstool — drive one dns-01 provider from the integration tests, without
 * ACME: publish or remove TXT values and print the provider's ids.
 *
 * usage: dnstool PROVIDER add    [-v] [-s key=value]... FQDN=VALUE...
 *        dnstool PROVIDER remove [-v] [-s key=value]... FQDN=VALUE@ID...
 * add prints one line per record, "FQDN=VALUE@ID" (what remove takes back).
 * Secrets come from the environment, as for certpilot itself.
 * exit: 0 ok, 2 usage or settings, 1 any other failure (one line on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/provider.h"
#include "util/str.h"

#define MAX_ITEMS 64

struct args {
    const char *provider, *verb;
    struct kv settings[MAX_ITEMS];
    struct dns_txt recs[MAX_ITEMS];
    char *owned[2 * MAX_ITEMS];
    size_t nset, nrec, nowned;
    int verbose;
};

static void to_stderr(void *ud, int level, const char *line)
{
    (void)ud;
    (void)level;
    fprintf(stderr, "dnstool: %s\n", line);
}

static int usage(void)
{
    fprintf(stderr, "usage: dnstool PROVIDER add|remove [-v] [-s key=value]... FQDN=VALUE[@ID]...\n");
    return 2;
}

/* "key=value" into a setting (pointing into argv). */
static int add_setting(struct args *a, char *s)
{
    char *eq = strchr(s, '=');

    if (eq == NULL || a->nset == MAX_ITEMS)
        return -1;
    *eq = '\0';
    a->settings[a->nset++] = (struct kv){s, eq + 1};
    return 0;
}

/* "FQDN=VALUE[@ID]": the name gets its trailing dot; the id goes back into the record. */
static int add_record(struct args *a, char *s)
{
    char *eq = strchr(s, '='), *at = NULL, *fqdn = NULL;
    struct dns_txt *r = &a->recs[a->nrec];

    if (eq == NULL || a->nrec == MAX_ITEMS)
        return -1;
    *eq = '\0';
    if ((at = strrchr(eq + 1, '@')) != NULL)
        *at++ = '\0';
    fqdn = s[strlen(s) - 1] == '.' ? strdup(s) : str_printf("%s.", s);
    if (fqdn == NULL)
        return -1;
    a->owned[a->nowned++] = fqdn;
    *r = (struct dns_txt){.fqdn = fqdn, .value = eq + 1};
    if (at != NULL) {
        r->id = strdup(at);
        r->added = true;
    }
    a->nrec++;
    return 0;
}

static int parse(struct args *a, int argc, char **argv)
{
    if (argc < 4)
        return -1;
    a->provider = argv[1];
    a->verb = argv[2];
    if (strcmp(a->verb, "add") != 0 && strcmp(a->verb, "remove") != 0)
        return -1;
    for (int i = 3; i < argc; i++) {
        int bad;

        if (strcmp(argv[i], "-v") == 0) {
            a->verbose = 1;
            continue;
        }
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            bad = add_setting(a, argv[++i]);
        else
            bad = add_record(a, argv[i]);
        if (bad != 0)
            return -1;
    }
    return a->nrec > 0 ? 0 : -1;
}

static int run(struct args *a, struct dns_provider *p, struct err *err)
{
    int rc;

    if (strcmp(a->verb, "remove") == 0)
        return p->remove(p, a->recs, a->nrec, err);
    rc = p->add(p, a->recs, a->nrec, err);
    for (size_t i = 0; i < a->nrec; i++)
        if (a->recs[i].added)
            printf("%s=%s@%s\n", a->recs[i].fqdn, a->recs[i].value, a->recs[i].id ? a->recs[i].id : "");
    return rc;
}

int main(int argc, char **argv)
{
    struct args *a = calloc(1, sizeof(*a));
    struct logger lg = {CP_LOG_INFO, to_stderr, NULL};
    struct kvlist kl;
    struct dns_provider_opts o = {.log = &lg};
    struct dns_provider *p = NULL;
    struct err err;
    int rc;

    err_clear(&err);
    if (a == NULL || parse(a, argc, argv) != 0) {
        free(a);
        return usage();
    }
    lg.level = a->verbose ? CP_LOG_DEBUG : CP_LOG_WARN;
    kl = (struct kvlist){a->settings, a->nset};
    o.settings = &kl;
    if ((p = dns_provider_new(a->provider, &o, &err)) == NULL)
        rc = err.code;
    else
        rc = run(a, p, &err);
    if (rc != CP_OK)
        fprintf(stderr, "dnstool: %s\n", err.msg);
    dns_provider_free(p);
    for (size_t i = 0; i < a->nrec; i++)
        dns_txt_clear(&a->recs[i]);
    for (size_t i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a);
    return cp_exit_code(rc);
}
