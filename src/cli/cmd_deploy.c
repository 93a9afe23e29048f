/*
 * cli/cmd_deploy — `certpilot deploy NAME [--to TARGET]... [--force]`:
 * install the stored certificate with its targets (those given are added to
 * it), and print each target's result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define MAX_TARGETS 32

static const char deploy_usage[] =
    "usage: certpilot deploy NAME [--to TARGET]... [--force]   (or --cert-name NAME)\n"
    "\n"
    "Installs the current version of certificate NAME with its deploy targets: those\n"
    "given with --to (added to the certificate, so renewals deploy there too) and those\n"
    "stored with it. A target that already has the current serial is skipped unless\n"
    "--force; one that failed is tried again.\n"
    "\n"
    "TARGET is TYPE:ITEM,ITEM,... (an item is key=value, the type's main value, or a flag):\n"
    "  files:/etc/nginx/tls,reload=/usr/sbin/nginx -s reload\n"
    "  files:combined=/etc/haproxy/site.pem,group=haproxy,key_mode=0640\n"
    "  pkcs12:/srv/iis/site.pfx:legacy,password_file=/etc/certpilot/pfx.pass\n"
    "  exec:/usr/local/bin/on-deploy\n"
    "See certpilot(1) for every type and setting.\n";

enum { OPT_CERTNAME = OPT_FIRST_COMMAND_OPT, OPT_TO, OPT_FORCE };

struct deploy_args {
    const char *name;
    const char *to[MAX_TARGETS];
    size_t nto;
    bool force;
};

static int parse_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    struct deploy_args *a = ctx;

    switch (opt) {
    case OPT_CERTNAME: a->name = arg; return CP_OK;
    case OPT_FORCE: a->force = true; return CP_OK;
    case OPT_TO:
        if (a->nto == MAX_TARGETS)
            return err_set(err, CP_EUSAGE, "--to: at most %d targets", MAX_TARGETS);
        a->to[a->nto++] = arg;
        return CP_OK;
    default: return cli_bad_option("deploy", argv, err);
    }
}

void cli_print_deploy(void *user, const struct manage_deploy_report *r)
{
    (void)user;
    if (r->skipped)
        printf("deploy %s: up to date\n", r->spec);
    else if (r->rc == CP_OK)
        printf("deploy %s: %s\n", r->spec, r->changed ? "installed" : "unchanged");
    else
        printf("deploy %s: failed: %s\n", r->spec, r->message ? r->message : cp_strerror(r->rc));
    fflush(stdout);
}

int cmd_deploy(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_GLOBAL_LONGOPTS,
        {"cert-name", required_argument, NULL, OPT_CERTNAME},
        {"to", required_argument, NULL, OPT_TO},
        {"force", no_argument, NULL, OPT_FORCE},
        {NULL, 0, NULL, 0},
    };
    struct deploy_args a = {0};
    struct manage *m = NULL;
    struct err err = {0};
    const char *positional = NULL;
    int rc = cli_parse_options_name(cli, "deploy", argc, argv, CLI_GLOBAL_SHORTOPTS, opts, deploy_usage,
                                    parse_opt, &a, &positional, &err);

    if (rc == 1)
        return 0;
    if (rc == CP_OK && positional != NULL && a.name != NULL && strcmp(positional, a.name) != 0)
        rc = err_set(&err, CP_EUSAGE, "deploy: two certificate names (%s and %s)", positional, a.name);
    if (rc == CP_OK && positional != NULL)
        a.name = positional;
    if (rc == CP_OK && a.name == NULL)
        rc = err_set(&err, CP_EUSAGE, "deploy: say which certificate (certpilot deploy NAME)");
    if (rc == CP_OK)
        rc = cli_manage_open(cli, &m, &err);
    if (rc == CP_OK)
        rc = manage_deploy(m, a.name, a.to, a.nto, a.force, cli_print_deploy, NULL, &err);
    manage_free(m);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
