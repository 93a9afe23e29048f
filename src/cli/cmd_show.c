/*
 * cli/cmd_show — `certpilot show NAME [--json]`: the object manage_cert_show
 * makes, printed as it is or as one line per fact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static const char show_usage[] =
    "usage: certpilot show NAME [--json]\n"
    "\n"
    "Prints everything about stored certificate NAME, without asking the CA: its live\n"
    "files, names, key type, issuer, serial, validity, CA, account, how its challenges\n"
    "are answered, its deploy targets and their last results, when it renews next and\n"
    "why (as renew and list decide it), its ARI state and a revocation.\n"
    "\n"
    "  --json   one JSON object with the same facts (fields in certpilot(1))\n";

enum { OPT_JSON = OPT_FIRST_COMMAND_OPT };

/* A field that is there and not null. */
static const json_t *field(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_null(v) ? NULL : v;
}

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "-";
}

static void print_list(const char *label, const json_t *arr)
{
    size_t i;
    json_t *v;

    printf("%-12s", label);
    json_array_foreach(arr, i, v)
        printf("%s%s", i ? ", " : "", json_string_value(v));
    putchar('\n');
}

static void print_solver(const json_t *solver)
{
    size_t i;
    json_t *pair;

    printf("%-12s%s (%s", "method:", str_of(solver, "name"), str_of(solver, "challenge"));
    json_array_foreach(json_object_get(solver, "settings"), i, pair)
        printf(", %s=%s", json_string_value(json_array_get(pair, 0)), json_string_value(json_array_get(pair, 1)));
    printf(")\n");
}

static void print_deploy(const json_t *list)
{
    size_t i;
    json_t *e;

    if (json_array_size(list) == 0)
        printf("%-12snone\n", "deploy:");
    json_array_foreach(list, i, e) {
        const json_t *last = json_object_get(e, "last");
        printf("%-12s%s: ", "deploy:", str_of(e, "target"));
        if (last == NULL)
            printf("never run\n");
        else if (json_is_true(json_object_get(last, "ok")))
            printf("ok %s (serial %s)\n", str_of(last, "time"), str_of(last, "serial"));
        else
            printf("failed %s (serial %s): %s\n", str_of(last, "time"), str_of(last, "serial"),
                   str_of(last, "error"));
    }
}

static void print_renewal(const json_t *r)
{
    if (json_object_get(r, "error") != NULL)
        printf("%-12sunknown: %s\n", "renewal:", str_of(r, "error"));
    else if (json_is_true(json_object_get(r, "due")))
        printf("%-12sdue now (%s)\n", "renewal:", str_of(r, "why"));
    else
        printf("%-12snot due until %s (%s)\n", "renewal:", str_of(r, "at"), str_of(r, "why"));
    if (field(r, "explanation_url") != NULL)
        printf("%-12s%s\n", "", str_of(r, "explanation_url"));
}

static void print_ari(const json_t *a, const json_t *revoked)
{
    if (a == NULL)
        printf("%-12snone (the CA gave no renewal window)\n", "ARI:");
    else
        printf("%-12swindow %s to %s, chosen %s, next check %s\n", "ARI:", str_of(a, "window_start"),
               str_of(a, "window_end"), str_of(a, "chosen"), str_of(a, "next_check"));
    if (revoked != NULL)
        printf("%-12sserial %s, %s, %s\n", "revoked:", str_of(revoked, "serial"), str_of(revoked, "reason"),
               str_of(revoked, "time"));
}

static void print_text(const json_t *o)
{
    const json_t *files = json_object_get(o, "files");

    printf("%-12s%s%s\n", "name:", str_of(o, "name"),
           json_is_true(json_object_get(o, "configured")) ? " (in the config file)" : "");
    printf("%-12s%s\n", "version:", str_of(o, "version"));
    printf("%-12s%s\n%-12s%s\n%-12s%s\n", "cert:", str_of(files, "cert"), "chain:", str_of(files, "chain"),
           "fullchain:", str_of(files, "fullchain"));
    printf("%-12s%s\n", "privkey:", json_is_null(json_object_get(files, "privkey"))
                                        ? "none (issued for a CSR; its key was never here)" : str_of(files, "privkey"));
    print_list("names:", json_object_get(o, "names"));
    printf("%-12s%s\n%-12s%s\n%-12s%s\n", "key type:", str_of(o, "key_type"), "issuer:", str_of(o, "issuer"),
           "serial:", str_of(o, "serial"));
    printf("%-12s%s\n%-12s%s\n", "not before:", str_of(o, "not_before"), "not after:", str_of(o, "not_after"));
    printf("%-12s%s\n%-12s%s\n", "CA:", str_of(o, "server"), "account:", str_of(o, "account"));
    print_solver(json_object_get(o, "solver"));
    print_deploy(json_object_get(o, "deploy"));
    print_renewal(json_object_get(o, "renewal"));
    print_ari(field(o, "ari"), field(o, "revoked"));
}

static int show_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    (void)arg;
    if (opt != OPT_JSON)
        return cli_bad_option("show", argv, err);
    *(bool *)ctx = true;
    return CP_OK;
}

const struct option cli_show_opts[] = {
    CLI_GLOBAL_LONGOPTS, {"json", no_argument, NULL, OPT_JSON}, {NULL, 0, NULL, 0}};

int cmd_show(struct cli *cli, int argc, char **argv)
{
    struct manage_opts mo = cli_manage_opts(cli);
    struct err err = {0};
    struct manage *m = NULL;
    const char *name = NULL;
    json_t *o = NULL;
    char *text = NULL;
    bool as_json = false;
    int rc = cli_parse_options_name(cli, "show", argc, argv, CLI_GLOBAL_SHORTOPTS, cli_show_opts, show_usage, show_opt,
                                    &as_json, &name, &err);

    if (rc == 1)
        return 0;
    if (rc == CP_OK && name == NULL)
        rc = err_set(&err, CP_EUSAGE, "show: which certificate? (certpilot show NAME)");
    mo = cli_manage_opts(cli);  /* after the options: the config may have set the root */
    mo.read_only = true;
    if (rc == CP_OK)
        rc = manage_open(&mo, &m, &err);
    if (rc == CP_OK)
        rc = manage_cert_show(m, cli->config, name, time(NULL), &o, &err);
    if (rc == CP_OK && as_json && (text = json_dumps(o, JSON_INDENT(2))) != NULL)
        puts(text);
    else if (rc == CP_OK)
        print_text(o);
    free(text);
    json_decref(o);
    manage_free(m);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
