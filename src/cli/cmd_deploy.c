/*
 * cli/cmd_deploy — `certpilot deploy NAME [--to TARGET]... [--remove TARGET]... [--force]`:
 * install the stored certificate with its targets (those given are added to
 * it, those removed are dropped), and print each target's result. For a
 * certificate of the config file, the config's deploy list is the list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/jsonout.h"
#include "config/config.h"

#define MAX_TARGETS 32

static const char deploy_usage[] =
    "usage: certpilot deploy NAME [--to TARGET]... [--remove TARGET]... [--force] [--json]\n"
    "       (or --cert-name NAME)\n"
    "\n"
    "Installs the current version of certificate NAME with its deploy targets: those\n"
    "given with --to (checked, then added to the certificate, so renewals deploy there\n"
    "too) and those stored with it. A target that already has the current serial is\n"
    "skipped unless --force; one that failed is tried again. --json prints one object\n"
    "with every target's result (certpilot(1)).\n"
    "--remove TARGET drops a stored target (as `certpilot list --json` shows it, or by\n"
    "TYPE:ITEM, such as files:/etc/nginx/tls); alone, it installs nothing.\n"
    "A certificate of the config file has the targets of its deploy = lines; change\n"
    "them there.\n"
    "\n"
    "TARGET is TYPE:ITEM,ITEM,... (an item is key=value, the type's main value, or a flag).\n"
    "See certpilot(1) for every type and setting.\n"
    "\n"
    "Examples:\n"
    "  $ certpilot deploy example.com --to 'files:/etc/nginx/tls,reload=/usr/sbin/nginx -s reload'\n"
    "  $ certpilot deploy example.com --to files:combined=/etc/haproxy/site.pem,group=haproxy,key_mode=0640\n"
    "  $ certpilot deploy example.com --to pkcs12:/srv/iis/site.pfx:legacy,password_file=/etc/certpilot/pfx.pass\n"
    "  $ certpilot deploy example.com --to exec:/usr/local/bin/on-deploy\n";

enum { OPT_CERTNAME = OPT_FIRST_COMMAND_OPT, OPT_TO, OPT_REMOVE, OPT_FORCE, OPT_JSON };

struct deploy_args {
    const char *name;
    struct manage_target to[MAX_TARGETS];
    const char *remove[MAX_TARGETS];
    struct manage_deploy_opts o;
    struct manage_config_req cfg;  /* the certificate's config section, when it has one */
    bool json;
    json_t *results;  /* --json: every target's result */
};

static int parse_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    struct deploy_args *a = ctx;

    switch (opt) {
    case OPT_CERTNAME: a->name = arg; return CP_OK;
    case OPT_FORCE: a->o.force = true; return CP_OK;
    case OPT_JSON: a->json = true; return CP_OK;
    case OPT_TO:
        if (a->o.nadd == MAX_TARGETS)
            return err_set(err, CP_EUSAGE, "--to: at most %d targets", MAX_TARGETS);
        a->to[a->o.nadd++] = (struct manage_target){.spec = arg};
        return CP_OK;
    case OPT_REMOVE:
        if (a->o.nremove == MAX_TARGETS)
            return err_set(err, CP_EUSAGE, "--remove: at most %d targets", MAX_TARGETS);
        a->remove[a->o.nremove++] = arg;
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

/* The targets to change: the flags', or, for a certificate of the config file, its section's list. */
static int targets(struct cli *cli, struct deploy_args *a, struct err *err)
{
    const struct config_cert *c = cli->config ? config_cert_find(cli->config, a->name) : NULL;
    int rc;

    a->o.add = a->to;
    a->o.remove = a->remove;
    a->o.cb = a->json ? cli_json_deploy : cli_print_deploy;
    a->o.user = a->results;
    if (c == NULL)
        return CP_OK;
    if (a->o.nadd > 0 || a->o.nremove > 0)
        return err_set(err, CP_EUSAGE, "deploy: certificate %s is configured in %s: change its deploy = lines "
                       "there", a->name, cli->config->path);
    if ((rc = manage_request_from_config(cli->config, c, &a->cfg, err)) != CP_OK)
        return rc;
    a->o.add = a->cfg.req.deploy;
    a->o.nadd = a->cfg.req.ndeploy;
    a->o.exact = true;
    return CP_OK;
}

/* The parser's table, and the completion's (cli/completion.c). */
const struct option cli_deploy_opts[] = {
    CLI_GLOBAL_LONGOPTS,
    {"cert-name", required_argument, NULL, OPT_CERTNAME},
    {"to", required_argument, NULL, OPT_TO},
    {"remove", required_argument, NULL, OPT_REMOVE},
    {"force", no_argument, NULL, OPT_FORCE},
    {"json", no_argument, NULL, OPT_JSON},
    {NULL, 0, NULL, 0},
};

/* The removed targets (when the run succeeded); with --json, {"name", "deploy": [...]} with
 * every target's result, also when one failed (the error line follows on stderr). */
static void print_results(const struct deploy_args *a, bool ok)
{
    for (size_t i = 0; ok && a->json && i < a->o.nremove; i++)
        json_array_append_new(a->results, json_pack("{s:s, s:s}", "target", a->remove[i], "status", "removed"));
    for (size_t i = 0; ok && !a->json && i < a->o.nremove; i++)
        printf("deploy %s: removed\n", a->remove[i]);
    if (a->json && a->results != NULL && (ok || json_array_size(a->results) > 0))
        cli_json_line(json_pack("{s:s, s:O}", "name", a->name, "deploy", a->results));
}

int cmd_deploy(struct cli *cli, int argc, char **argv)
{
    struct deploy_args a = {0};
    struct manage *m = NULL;
    struct err err = {0};
    const char *positional = NULL;
    int rc = cli_parse_options_name(cli, "deploy", argc, argv, CLI_GLOBAL_SHORTOPTS, cli_deploy_opts, deploy_usage,
                                    parse_opt, &a, &positional, &err);

    if (rc == 1)
        return 0;
    if (rc == CP_OK && positional != NULL && a.name != NULL && strcmp(positional, a.name) != 0)
        rc = err_set(&err, CP_EUSAGE, "deploy: two certificate names (%s and %s)", positional, a.name);
    if (rc == CP_OK && positional != NULL)
        a.name = positional;
    if (rc == CP_OK && a.name == NULL)
        rc = err_set(&err, CP_EUSAGE, "deploy: say which certificate (certpilot deploy NAME)");
    if (rc == CP_OK && (a.results = json_array()) == NULL)
        rc = err_nomem(&err);
    if (rc == CP_OK)
        rc = targets(cli, &a, &err);
    if (rc == CP_OK)
        rc = cli_manage_open(cli, &m, &err);
    if (rc == CP_OK)
        rc = manage_deploy(m, a.name, &a.o, &err);
    if (m != NULL)
        print_results(&a, rc == CP_OK);
    manage_free(m);
    json_decref(a.results);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
