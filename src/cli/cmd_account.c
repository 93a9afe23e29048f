/*
 * cli/cmd_account — `certpilot account new|show|update|key-change|deactivate|list`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/jsonout.h"
#include "util/str.h"

static const char account_usage[] =
    "usage: certpilot account new [--account NAME] [--email ADDR]... --agree-tos\n"
    "                             [--key-type ec256|ec384|rsa2048|rsa3072|rsa4096]\n"
    "                             [--key FILE] [--eab-kid KID --eab-hmac-key KEY]\n"
    "       certpilot account show [--account NAME] [--json]\n"
    "       certpilot account update [--account NAME] (--email ADDR... | --no-email)\n"
    "       certpilot account key-change [--account NAME] [--key-type T | --key FILE]\n"
    "       certpilot account deactivate [--account NAME] [--yes]\n"
    "       certpilot account list [--json]\n"
    "\n"
    "  --account NAME   local name of the account (default \"default\")\n"
    "  --email ADDR     contact address (repeatable)\n"
    "  --agree-tos      agree to the CA's terms of service (or agree_tos = yes in the config)\n"
    "  --key-type T     account key type (default ec256)\n"
    "  --key FILE       use this existing account key (PEM); its account is found if it has one\n"
    "  --eab-kid, --eab-hmac-key  External Account Binding from the CA (base64url key; the key\n"
    "                   may come from $CERTPILOT_EAB_HMAC_KEY instead, to keep it out of ps)\n"
    "  --json           (show) print the account object as JSON; (list) one JSON object a line\n"
    "  --no-email       (update) remove every contact address\n"
    "  --yes            (deactivate) do not ask; needed without a terminal\n"
    "\n"
    "update replaces the contacts; key-change moves the account to a new key (of the\n"
    "current type unless --key-type or --key), keeping the old one in the account's\n"
    "archive/; deactivate ends the account for good; list shows every stored account.\n";

enum {
    OPT_ACCOUNT = OPT_FIRST_COMMAND_OPT, OPT_EMAIL, OPT_AGREE, OPT_KEYTYPE, OPT_KEYFILE,
    OPT_EABKID, OPT_EABKEY, OPT_JSON, OPT_NOEMAIL, OPT_YES,
};

struct account_args {
    struct manage_account_new nopts;
    const char *emails[MANAGE_MAX_CONTACTS];
    bool json, no_email, yes;
};

static int parse_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    struct account_args *a = ctx;

    switch (opt) {
    case OPT_ACCOUNT:
        a->nopts.name = arg;
        return CP_OK;
    case OPT_EMAIL:
        if (a->nopts.nemails == MANAGE_MAX_CONTACTS)
            return err_set(err, CP_EUSAGE, "--email: at most %d addresses", MANAGE_MAX_CONTACTS);
        a->emails[a->nopts.nemails++] = arg;
        return CP_OK;
    case OPT_AGREE:
        a->nopts.agree_tos = true;
        return CP_OK;
    case OPT_KEYTYPE:
        a->nopts.key_type = arg;
        return CP_OK;
    case OPT_KEYFILE:
        a->nopts.key_file = arg;
        return CP_OK;
    case OPT_EABKID:
        a->nopts.eab_kid = arg;
        return CP_OK;
    case OPT_EABKEY:
        a->nopts.eab_hmac_key = arg;
        return CP_OK;
    case OPT_JSON:
        a->json = true;
        return CP_OK;
    case OPT_NOEMAIL:
        a->no_email = true;
        return CP_OK;
    case OPT_YES:
        a->yes = true;
        return CP_OK;
    default:
        return cli_bad_option("account", argv, err);
    }
}

/* The flags of External Account Binding go together; the key may come from
 * the environment, to keep it out of the process list. */
static int check_eab(const struct manage_account_new *o, struct err *err)
{
    if (o->eab_kid != NULL && o->eab_hmac_key == NULL)
        return err_set(err, CP_EUSAGE, "--eab-kid needs --eab-hmac-key (or $CERTPILOT_EAB_HMAC_KEY)");
    if (o->eab_kid == NULL && o->eab_hmac_key != NULL && getenv("CERTPILOT_EAB_HMAC_KEY") == NULL)
        return err_set(err, CP_EUSAGE, "--eab-hmac-key needs --eab-kid");
    return CP_OK;
}

/* The parser's table, and the completion's (cli/completion.c). */
const struct option cli_account_opts[] = {
    CLI_GLOBAL_LONGOPTS,
    {"account", required_argument, NULL, OPT_ACCOUNT},
    {"email", required_argument, NULL, OPT_EMAIL},
    {"agree-tos", no_argument, NULL, OPT_AGREE},
    {"key-type", required_argument, NULL, OPT_KEYTYPE},
    {"key", required_argument, NULL, OPT_KEYFILE},
    {"eab-kid", required_argument, NULL, OPT_EABKID},
    {"eab-hmac-key", required_argument, NULL, OPT_EABKEY},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-email", no_argument, NULL, OPT_NOEMAIL},
    {"yes", no_argument, NULL, OPT_YES},
    {NULL, 0, NULL, 0},
};

/* 1: help printed; 0: parsed; <0: error. */
static int parse_args(struct cli *cli, struct account_args *a, int argc, char **argv, struct err *err)
{
    int rc;

    a->nopts.name = "default";
    a->nopts.emails = a->emails;
    a->nopts.eab_hmac_key = getenv("CERTPILOT_EAB_HMAC_KEY");
    rc = cli_parse_options(cli, "account", argc, argv, CLI_GLOBAL_SHORTOPTS, cli_account_opts, account_usage,
                           parse_opt, a, err);
    if (rc != CP_OK)
        return rc;
    if (!store_name_valid(a->nopts.name))
        return err_set(err, CP_EUSAGE, "--account: \"%s\" is not a valid name "
                       "(letters, digits, '.', '_', '-')", a->nopts.name);
    if (a->nopts.key_file != NULL && a->nopts.key_type != NULL)
        return err_set(err, CP_EUSAGE, "--key-type and --key exclude each other (the key has its type)");
    if ((rc = check_eab(&a->nopts, err)) != CP_OK)
        return rc;
    if (a->nopts.eab_kid == NULL)
        a->nopts.eab_hmac_key = NULL;  /* only from the environment, and unused */
    return CP_OK;
}

/* [certpilot] agree_tos = yes agrees as --agree-tos does; its email serves when no --email is given. */
static int config_account(const struct cli *cli, struct account_args *a, struct err *err)
{
    struct manage_config_account ca;
    int rc = cli->config ? manage_account_from_config(cli->config, NULL, &ca, err) : CP_OK;

    if (rc != CP_OK || cli->config == NULL)
        return rc;
    a->nopts.agree_tos = a->nopts.agree_tos || ca.agree;
    for (size_t i = 0; a->nopts.nemails == 0 && i < ca.create.nemails; i++)
        a->emails[i] = ca.emails[i];
    if (a->nopts.nemails == 0)
        a->nopts.nemails = ca.create.nemails;
    return CP_OK;
}

static int account_new(struct cli *cli, struct account_args *a, struct err *err)
{
    struct manage *m = NULL;
    const char *how = NULL;
    int rc = config_account(cli, a, err);

    if (rc == CP_OK)
        rc = cli_manage_open(cli, &m, err);

    if (rc == CP_OK)
        rc = manage_account_create(m, &a->nopts, &how, err);
    if (rc == CP_OK) {
        log_info(&cli->log, "account %s %s at %s", manage_account_url(m), how, cli->server);
        printf("account: %s\n", manage_account_url(m));
    }
    manage_free(m);
    return rc;
}

static void print_account(struct acme_account *acct, const enum key_type *kt, const char *server)
{
    char *text = NULL;
    size_t i;
    json_t *c;

    str_sanitize(acct->url);
    str_sanitize(acct->status);
    printf("account: %s\nserver: %s\nstatus: %s\n", acct->url, server, acct->status);
    json_array_foreach(json_object_get(acct->object, "contact"), i, c) {
        text = str_dup(json_string_value(c) ? json_string_value(c) : "?");
        if (text != NULL)
            str_sanitize(text);
        printf("contact: %s\n", text ? text : "?");
        str_free(&text);
    }
    if (kt != NULL)
        printf("key type: %s\n", key_type_name(*kt));
}

static int account_show(struct cli *cli, struct account_args *a, struct err *err)
{
    struct manage *m = NULL;
    struct acme_account acct = {0};
    enum key_type kt = KEY_EC_P256;
    char *text = NULL;
    int rc = cli_manage_open(cli, &m, err);

    if (rc == CP_OK)
        rc = manage_account_open(m, a->nopts.name, err);
    if (rc == CP_OK)
        rc = manage_account_fetch(m, &acct, &kt, err);
    if (rc == CP_OK && a->json) {
        json_object_set_new(acct.object, "url", json_string(acct.url));
        /* JSON escapes control characters, so the CA's text cannot steer a terminal */
        text = json_dumps(acct.object, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
        if (text != NULL)
            puts(text);
    } else if (rc == CP_OK) {
        print_account(&acct, &kt, cli->server);
    }
    free(text);
    acme_account_free(&acct);
    manage_free(m);
    return rc;
}

static int account_update(struct cli *cli, struct account_args *a, struct err *err)
{
    struct manage *m = NULL;
    struct acme_account acct = {0};
    int rc = CP_OK;

    if (a->nopts.nemails == 0 && !a->no_email)
        return err_set(err, CP_EUSAGE, "account update: give --email ADDR (repeatable), or --no-email "
                       "to remove every address");
    if (a->nopts.nemails > 0 && a->no_email)
        return err_set(err, CP_EUSAGE, "account update: --email and --no-email exclude each other");
    if ((rc = cli_manage_open(cli, &m, err)) == CP_OK)
        rc = manage_account_update(m, a->nopts.name, a->emails, a->nopts.nemails, &acct, err);
    if (rc == CP_OK)
        print_account(&acct, NULL, cli->server);
    acme_account_free(&acct);
    manage_free(m);
    return rc;
}

static int account_key_change(struct cli *cli, struct account_args *a, struct err *err)
{
    struct manage *m = NULL;
    char *archived = NULL;
    int rc = cli_manage_open(cli, &m, err);

    if (rc == CP_OK)
        rc = manage_account_key_change(m, a->nopts.name, a->nopts.key_type, a->nopts.key_file, &archived, err);
    if (rc == CP_OK) {
        printf("account: %s\nkey changed; the old key is kept in %s\n", manage_account_url(m),
               archived ? archived : "the account's archive/");
    }
    free(archived);
    manage_free(m);
    return rc;
}

/* Deactivation cannot be undone: a person says yes on a terminal, a script says --yes. */
static int confirm(const char *name, const char *server, struct err *err)
{
    char line[16] = "";

    if (!isatty(STDIN_FILENO))
        return err_set(err, CP_EUSAGE, "account deactivate: no terminal to confirm on; add --yes "
                       "(deactivation cannot be undone)");
    fprintf(stderr, "Deactivate account \"%s\" at %s for good? It cannot be undone. Type \"yes\": ", name,
            server);
    fflush(stderr);
    if (fgets(line, sizeof(line), stdin) == NULL || strcmp(line, "yes\n") != 0)
        return err_set(err, CP_EDECLINED, "account deactivate: not confirmed; nothing changed");
    return CP_OK;
}

static int account_deactivate(struct cli *cli, struct account_args *a, struct err *err)
{
    struct manage *m = NULL;
    int rc = a->yes ? CP_OK : confirm(a->nopts.name, cli->server, err);

    if (rc == CP_OK)
        rc = cli_manage_open(cli, &m, err);
    if (rc == CP_OK)
        rc = manage_account_deactivate(m, a->nopts.name, err);
    if (rc == CP_OK)
        printf("account: %s\nstatus: deactivated\n", manage_account_url(m));
    manage_free(m);
    return rc;
}

/* What account.json holds came from a CA: never let it steer the terminal. */
static const char *clean(char *s)
{
    if (s == NULL)
        return "-";
    str_sanitize(s);
    return s;
}

/* --json: {"ca", "name", "status", "key_type", "url", "server"}, a line per account. */
static void print_entry_json(const struct manage_account_entry *e)
{
    cli_json_line(json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?}", "ca", e->ca_id, "name", e->name, "status",
                            e->status, "key_type", e->key_type, "url", e->url, "server", e->server));
}

static int account_list(struct cli *cli, bool json, struct err *err)
{
    struct manage *m = NULL;
    struct manage_account_entry *e = NULL;
    size_t n = 0;
    int rc = cli_manage_open_read(cli, &m, err);

    if (rc == CP_OK)
        rc = manage_account_list(m, &e, &n, err);
    for (size_t i = 0; rc == CP_OK && json && i < n; i++)
        print_entry_json(&e[i]);
    if (rc == CP_OK && n > 0 && !json)
        printf("%-28s %-16s %-12s %-8s %s\n", "CA", "NAME", "STATUS", "KEY", "URL");
    for (size_t i = 0; rc == CP_OK && !json && i < n; i++)
        printf("%-28s %-16s %-12s %-8s %s\n", e[i].ca_id, e[i].name, clean(e[i].status), e[i].key_type,
               clean(e[i].url));
    if (rc == CP_OK && n == 0)
        fprintf(stderr, "certpilot: no accounts in %s\n", cli->root);
    manage_account_list_free(e, n);
    manage_free(m);
    return rc;
}

static int dispatch(struct cli *cli, const char *sub, struct account_args *a, struct err *err)
{
    /* a --json that would be ignored is refused, as an unknown option is */
    if (a->json && strcmp(sub, "show") != 0 && strcmp(sub, "list") != 0)
        return err_set(err, CP_EUSAGE, "account %s: --json goes with account show and account list", sub);
    if (strcmp(sub, "new") == 0)
        return account_new(cli, a, err);
    if (strcmp(sub, "show") == 0)
        return account_show(cli, a, err);
    if (strcmp(sub, "update") == 0)
        return account_update(cli, a, err);
    if (strcmp(sub, "key-change") == 0)
        return account_key_change(cli, a, err);
    if (strcmp(sub, "deactivate") == 0)
        return account_deactivate(cli, a, err);
    if (strcmp(sub, "list") == 0)
        return account_list(cli, a->json, err);
    return err_set(err, CP_EUSAGE, "account: unknown subcommand \"%s\" (new, show, update, key-change, "
                   "deactivate, list)", sub);
}

int cmd_account(struct cli *cli, int argc, char **argv)
{
    struct account_args a = {0};
    struct err err = {0};
    int rc;

    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
            fputs(account_usage, stdout);
            return 0;
        }
        err_set(&err, CP_EUSAGE, "account: say new, show, update, key-change, deactivate or list (see certpilot account --help)");
        return cli_fail(&err);
    }
    rc = parse_args(cli, &a, argc - 1, argv + 1, &err);
    if (rc == 1)
        return 0;
    if (rc == CP_OK)
        rc = dispatch(cli, argv[1], &a, &err);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
