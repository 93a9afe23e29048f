/*
 * cli/cmd_check — `certpilot check`, like `nginx -t`: the config file and
 * every stored meta.json checked offline (manage_check), one line per
 * certificate; exit status 2 when anything is invalid.
 */
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "config/config.h"

static const char check_usage[] =
    "usage: certpilot check [GLOBAL OPTIONS]\n"
    "\n"
    "Reads the config file and every stored meta.json and checks each certificate's\n"
    "settings, solver, DNS provider and deploy targets as issue and renew would, without\n"
    "the network (nothing is sent, bound, run or written); then says what renew would do\n"
    "now with each: not due until TIME (why), due now (why) or would be issued (new in the\n"
    "configuration). Exit status 0 when everything is valid, 2 when anything is not (one\n"
    "line per problem, with file:line where there is one).\n";


static void print_item(void *user, const struct manage_check_item *it)
{
    (void)user;
    if (it->rc != CP_OK)
        fprintf(stderr, "certpilot: %s: %s\n", it->name, it->problem);
    else
        printf("%s: ok, %s\n", it->name, it->plan);
}

static int no_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    (void)ctx;
    (void)opt;
    (void)arg;
    return cli_bad_option("check", argv, err);
}

const struct option cli_check_opts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};

int cmd_check(struct cli *cli, int argc, char **argv)
{
    struct manage_opts mo;
    struct err err = {0};
    struct manage *m = NULL;
    unsigned bad = 0;
    int rc = cli_parse_options(cli, "check", argc, argv, CLI_GLOBAL_SHORTOPTS, cli_check_opts, check_usage, no_opt, NULL,
                               &err);

    if (rc == 1)
        return 0;
    mo = cli_manage_opts(cli);
    mo.read_only = true;
    if (rc == CP_OK)
        rc = manage_open(&mo, &m, &err);
    if (rc == CP_OK)
        rc = manage_check(m, cli->config, time(NULL), print_item, NULL, &bad, &err);
    if (rc == CP_OK && bad > 0)
        rc = err_set(&err, CP_EUSAGE, "%u certificate(s) invalid", bad);
    else if (rc == CP_OK)
        fprintf(stderr, "certpilot: %s and the stored certificates are valid\n",
                cli->config ? cli->config->path : "(no config file)");
    manage_free(m);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
