/*
 * cli/cmd_delete — `certpilot delete NAME [--purge]`: stop managing a
 * certificate (manage_cert_delete); asks nothing, so scripts can run it.
 */
#include <stdio.h>

#include "cli/cli.h"

static const char delete_usage[] =
    "usage: certpilot delete NAME [--purge]\n"
    "\n"
    "Stops managing certificate NAME: it leaves the store (its live files, current and\n"
    "meta.json; renew and list forget it) in one rename, and its whole directory (every\n"
    "version with its key) is kept in ROOT/deleted/NAME-TIME. A certificate of the config\n"
    "file is refused: remove its [cert:NAME] section first.\n"
    "\n"
    "  --purge   remove everything instead, keys included\n";

enum { OPT_PURGE = OPT_FIRST_COMMAND_OPT };

static int delete_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    (void)arg;
    if (opt != OPT_PURGE)
        return cli_bad_option("delete", argv, err);
    *(bool *)ctx = true;
    return CP_OK;
}

const struct option cli_delete_opts[] = {
    CLI_GLOBAL_LONGOPTS, {"purge", no_argument, NULL, OPT_PURGE}, {NULL, 0, NULL, 0}};

int cmd_delete(struct cli *cli, int argc, char **argv)
{
    struct err err = {0};
    struct manage *m = NULL;
    struct manage_deleted d = {0};
    const char *name = NULL;
    bool purge = false;
    int rc = cli_parse_options_name(cli, "delete", argc, argv, CLI_GLOBAL_SHORTOPTS, cli_delete_opts, delete_usage,
                                    delete_opt, &purge, &name, &err);

    if (rc == 1)
        return 0;
    if (rc == CP_OK && name == NULL)
        rc = err_set(&err, CP_EUSAGE, "delete: which certificate? (certpilot delete NAME)");
    if (rc == CP_OK)
        rc = cli_manage_open(cli, &m, &err);
    if (rc == CP_OK)
        rc = manage_cert_delete(m, cli->config, name, purge, &d, &err);
    if (rc == CP_OK && purge)
        printf("purged %s: its %zu version(s) and their keys are removed\n", name, d.nversions);
    else if (rc == CP_OK)
        printf("deleted %s: no longer managed; its %zu version(s) are kept in %s\n", name, d.nversions, d.kept);
    manage_deleted_free(&d);
    manage_free(m);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
