/*
 * cli/cmd_import — `certpilot import certbot [--from DIR] [--cert-name NAME]... [--dry-run]`:
 * take over certbot's accounts and certificates (manage/certbot.h), one line per item.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "manage/certbot.h"
#include "util/str.h"

#define MAX_NAMES 256

static const char import_usage[] =
    "usage: certpilot import certbot [--from DIR] [--cert-name NAME]... [--dry-run]\n"
    "\n"
    "Takes over what certbot looks after: each certificate of DIR/renewal/ with its\n"
    "account (its URL kept: no new account is made at the CA) becomes a\n"
    "stored certificate with the names, key type, CA, challenge method, renew_before\n"
    "and deploy hook certbot renews it with, so `certpilot renew` takes over.\n"
    "DIR is only read. A certificate imports whole or is skipped with the reason.\n"
    "  --from DIR        certbot's directory (default " MANAGE_CERTBOT_DIR ")\n"
    "  --cert-name NAME  only this certificate (repeatable)\n"
    "  --dry-run         check and say what would be imported; write nothing\n"
    "Exit status 1 when a certificate was skipped.\n";

enum { OPT_FROM = OPT_FIRST_COMMAND_OPT, OPT_CERTNAME, OPT_DRYRUN };

struct import_args {
    const char *names[MAX_NAMES];
    struct manage_certbot_opts o;
};

static int parse_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    struct import_args *a = ctx;

    switch (opt) {
    case OPT_FROM: a->o.from = arg; return CP_OK;
    case OPT_DRYRUN: a->o.dry_run = true; return CP_OK;
    case OPT_CERTNAME:
        if (a->o.nnames == MAX_NAMES)
            return err_set(err, CP_EUSAGE, "--cert-name: at most %d names", MAX_NAMES);
        a->names[a->o.nnames++] = arg;
        return CP_OK;
    default: return cli_bad_option("import", argv, err);
    }
}

/* Paths and names from certbot's files: sanitised before they reach the terminal. */
static void print_item(void *user, const struct manage_import_item *it)
{
    static const char *const verb[] = {"imported", "present", "skipped"};
    char line[1536];

    (void)user;
    snprintf(line, sizeof(line), "%s %s %s: %s", verb[it->state], it->kind, it->name, it->detail);
    str_sanitize(line);
    printf("%s\n", line);
    if (it->warning != NULL) {
        snprintf(line, sizeof(line), "%s %s: %s", it->kind, it->name, it->warning);
        str_sanitize(line);
        fprintf(stderr, "certpilot: warning: %s\n", line);
    }
    fflush(stdout);
}

const struct option cli_import_opts[] = {
    CLI_GLOBAL_LONGOPTS, {"from", required_argument, NULL, OPT_FROM},
    {"cert-name", required_argument, NULL, OPT_CERTNAME}, {"dry-run", no_argument, NULL, OPT_DRYRUN},
    {NULL, 0, NULL, 0}};

int cmd_import(struct cli *cli, int argc, char **argv)
{
    struct import_args a = {.o = {.cb = print_item}};
    struct err err = {0};
    struct manage *m = NULL;
    const char *source = NULL;
    size_t skipped = 0;
    int rc = cli_parse_options_name(cli, "import", argc, argv, CLI_GLOBAL_SHORTOPTS, cli_import_opts, import_usage,
                                    parse_opt, &a, &source, &err);

    if (rc == 1)
        return 0;
    a.o.names = a.names;
    if (rc == CP_OK && (source == NULL || strcmp(source, "certbot") != 0))
        rc = err_set(&err, CP_EUSAGE, "import: say what to import from: certpilot import certbot (see --help)");
    if (rc == CP_OK)
        rc = cli_manage_open(cli, &m, &err);
    if (rc == CP_OK)
        rc = manage_import_certbot(m, &a.o, &skipped, &err);
    if (rc == CP_OK && skipped > 0)
        rc = err_set(&err, CP_EIO, "%zu certificate(s) skipped (the reasons are above)", skipped);
    manage_free(m);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
