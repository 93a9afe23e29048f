/*
 * cli/cmd_revoke — `certpilot revoke NAME | --cert FILE`: revoke a
 * certificate at the CA that issued it (the server meta.json names, for a
 * stored one) and say that the next `certpilot renew` replaces it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/jsonout.h"
#include "util/clock.h"

static const char revoke_usage[] =
    "usage: certpilot revoke NAME [--reason R] [--by-cert-key] [--account NAME]\n"
    "       certpilot revoke --cert FILE [--key FILE] [--reason R] [--account NAME]\n"
    "\n"
    "Revokes the current version of stored certificate NAME (or the certificate in FILE).\n"
    "The version stays in the archive, marked revoked in meta.json; the next\n"
    "`certpilot renew` replaces it.\n"
    "\n"
    "  --reason R       unspecified (default), keyCompromise, superseded,\n"
    "                   cessationOfOperation, affiliationChanged\n"
    "  --by-cert-key    sign with the certificate's own key from the store (no account needed)\n"
    "  --cert FILE      the certificate to revoke (PEM)\n"
    "  --key FILE       with --cert: sign with this certificate key (a lost account)\n"
    "  --account NAME   the account that signs (default: the one that issued it, else \"default\")\n"
    "  --json           print the result as one JSON object (certpilot(1))\n";

enum { OPT_REASON = OPT_FIRST_COMMAND_OPT, OPT_BYKEY, OPT_CERT, OPT_KEY, OPT_ACCOUNT, OPT_JSON };

struct revoke_args {
    struct manage_revoke_req r;
    bool json;
};

static int parse_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    struct revoke_args *ra = ctx;
    struct manage_revoke_req *r = &ra->r;

    switch (opt) {
    case OPT_JSON: ra->json = true; return CP_OK;
    case OPT_REASON: r->reason = arg; return CP_OK;
    case OPT_BYKEY: r->by_cert_key = true; return CP_OK;
    case OPT_CERT: r->cert_file = arg; return CP_OK;
    case OPT_KEY: r->key_file = arg; return CP_OK;
    case OPT_ACCOUNT: r->account = arg; return CP_OK;
    default: return cli_bad_option("revoke", argv, err);
    }
}

static int check_args(const struct manage_revoke_req *r, struct err *err)
{
    if ((r->cert_name == NULL) == (r->cert_file == NULL))
        return err_set(err, CP_EUSAGE, "revoke: give a certificate NAME or --cert FILE (not both)");
    if (r->key_file != NULL && r->cert_file == NULL)
        return err_set(err, CP_EUSAGE, "revoke: --key goes with --cert FILE (for NAME use --by-cert-key)");
    if (r->by_cert_key && r->cert_name == NULL)
        return err_set(err, CP_EUSAGE, "revoke: --by-cert-key takes the key from the store: give NAME "
                       "(for --cert use --key FILE)");
    if ((r->by_cert_key || r->key_file != NULL) && r->account != NULL)
        return err_set(err, CP_EUSAGE, "revoke: --account and signing with the certificate's key "
                       "exclude each other");
    return CP_OK;
}

/* The CA that issued a stored certificate is the one that can revoke it. */
static int open_for(struct cli *cli, const struct manage_revoke_req *r, struct manage **m, struct err *err)
{
    struct manage_opts o = cli_manage_opts(cli);
    int rc = cli_server_check(cli, err);

    return rc == CP_OK ? manage_open_for_cert(&o, r->cert_name, m, err) : rc;
}

/* --json: {"name", "cert_file", "serial", "reason", "revoked_at"}. */
static void print_json(const struct manage_revoke_req *r, const struct manage_revoked *out)
{
    cli_json_line(json_pack("{s:s*, s:s*, s:s, s:s, s:o}", "name", out->cert_name, "cert_file", r->cert_file,
                            "serial", out->serial, "reason", out->reason, "revoked_at", cli_json_time(out->at)));
}

static int revoke(struct cli *cli, const struct revoke_args *a, struct err *err)
{
    const struct manage_revoke_req *r = &a->r;
    struct manage *m = NULL;
    struct manage_revoked out = {0};
    char when[32];
    int rc = open_for(cli, r, &m, err);

    if (rc == CP_OK)
        rc = manage_revoke(m, r, &out, err);
    if (rc == CP_OK && a->json) {
        print_json(r, &out);
    } else if (rc == CP_OK) {
        clock_format_utc(out.at, when, sizeof(when));
        printf("revoked %s (serial %s, %s) at %s\n", out.cert_name ? out.cert_name : r->cert_file,
               out.serial, out.reason, when);
        if (out.cert_name != NULL)
            printf("the version stays in the archive, marked revoked; the next `certpilot renew` "
                   "replaces it\n");
    }
    manage_revoked_free(&out);
    manage_free(m);
    return rc;
}

/* The parser's table, and the completion's (cli/completion.c). */
const struct option cli_revoke_opts[] = {
    CLI_GLOBAL_LONGOPTS,
    {"reason", required_argument, NULL, OPT_REASON},
    {"by-cert-key", no_argument, NULL, OPT_BYKEY},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"account", required_argument, NULL, OPT_ACCOUNT},
    {"json", no_argument, NULL, OPT_JSON},
    {NULL, 0, NULL, 0},
};

int cmd_revoke(struct cli *cli, int argc, char **argv)
{
    struct revoke_args a = {0};
    struct err err = {0};
    int rc;

    rc = cli_parse_options_name(cli, "revoke", argc, argv, CLI_GLOBAL_SHORTOPTS, cli_revoke_opts, revoke_usage,
                                parse_opt, &a, &a.r.cert_name, &err);
    if (rc == 1)
        return 0;
    if (rc == CP_OK)
        rc = check_args(&a.r, &err);
    if (rc == CP_OK)
        rc = revoke(cli, &a, &err);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
