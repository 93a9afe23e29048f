#include "cli/issue_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISSUE_USAGE_BODY \
    "\n" \
    "Methods (exactly one):\n" \
    "  --hook PROG          run PROG begin|done|failed TYPE IDENT TOKEN AUTH (uacme's contract)\n" \
    "  --challenge TYPE     with --hook: dns-01 (default) or http-01\n" \
    "  --webroot DIR        http-01: write DIR/.well-known/acme-challenge/TOKEN\n" \
    "  --standalone         http-01: answer on a built-in HTTP server\n" \
    "  --listen ADDR:PORT   with --standalone (repeatable; default [::]:80 and 0.0.0.0:80);\n" \
    "                       PORT or :PORT alone is every address on that port\n" \
    "  --dns PROVIDER       dns-01 built in: alidns (Alibaba Cloud DNS) or rfc2136 (BIND, Knot, ...)\n" \
    "  --dns-set KEY=VALUE  a provider setting (repeatable), e.g. key_file=/etc/certpilot/tsig.key;\n" \
    "                       secrets come from the environment or files, never from here\n" \
    "  --dns-resolver ADDR[:PORT]  resolver for zone, CNAME and name server lookups (default: system)\n" \
    "  --propagation-timeout S  wait this long for every authoritative server (default 120)\n" \
    "  --no-propagation-check   answer the challenges without asking the name servers first\n" \
    "\n" \
    "Options:\n" \
    "  -d, --domain NAME    a name for the certificate (repeatable; \"*.example.com\" for a wildcard)\n" \
    "  --cert-name NAME     local name (default: the first name, \"*.\" becoming \"_.\")\n" \
    "  --force              issue even when NAME is stored, valid and not due with the same\n" \
    "                       names and key type (else: nothing to do), or when the stored one\n" \
    "                       holds names this request drops (else refused)\n" \
    "  --csr FILE           issue for this CSR (PEM or DER): its names and its key, which stays\n" \
    "                       yours (no privkey.pem is stored); no -d then\n" \
    "  --key-type T         certificate key: ec256 (default), ec384, rsa2048, rsa3072, rsa4096\n" \
    "  --account NAME       account to use (default \"default\")\n" \
    "  --agree-tos          create the account if it does not exist yet (with --email; or\n" \
    "                       agree_tos = yes and email in the config's [certpilot])\n" \
    "  --email ADDR         contact address for a new account (repeatable)\n" \
    "  --profile NAME       ask the CA for this certificate profile (e.g. shortlived)\n" \
    "  --preferred-chain CN take the CA's alternate chain that leads to the root named CN\n" \
    "  --timeout SECONDS    give up waiting for the CA after this long (default 300)\n" \
    "  --deploy TARGET      install the certificate there after every issue and renewal\n" \
    "                       (repeatable; TARGET as for `certpilot deploy --to`)\n" \
    "  --json               print the result as JSON, one object a certificate (certpilot(1))\n" \
    "  --pre-hook CMD       run CMD once before the first order (e.g. stop a web server for\n" \
    "                       --standalone); if it fails, nothing is ordered (config: pre_hook)\n" \
    "  --post-hook CMD      run CMD once after the run, also when ordering failed (post_hook)\n" \
    "\n" \
    "From the acme.ini of the \"Let's Encrypt ACME on Alibaba Cloud\" Python examples\n" \
    "(`certpilot run --acme-ini FILE` is the same command):\n" \
    "  --acme-ini FILE      ACMEDirectory, AccountKeyFile (its account is found or created),\n" \
    "                       CSRFile, ChainFile (the full chain is written there), Contacts,\n" \
    "                       UserAgent, Language; give the challenge method as above\n" \
    "  --section NAME       the section to read (default: the file's only one)\n" \
    "\n" \
    "Many certificates in one run:\n" \
    "  --batch FILE         one certificate a line: its names separated by spaces, and\n" \
    "                       optionally cert-name=NAME; '#' starts a comment; - reads stdin\n" \
    "  --jobs N             certificates issued at once (default 8, at most 64)\n" \
    "  --orders-limit N     new orders the CA allows an account per 3 hours (default 300 for\n" \
    "                       Let's Encrypt, none otherwise): a longer batch says so and stops there\n" \
    "\n" \
    "  --dry-run            order from the CA's staging twin (Let's Encrypt's staging; another CA as it\n" \
    "                       is) and store nothing: no certificate, account, meta.json; no deploy target\n"

static const char issue_usage[] = "usage: certpilot issue -d NAME [-d NAME]... METHOD [OPTIONS]\n" ISSUE_USAGE_BODY;

/* `certpilot run` is issue under the name the acme.ini examples use. */
static const char run_usage[] =
    "usage: certpilot run --acme-ini FILE [--section NAME] METHOD [OPTIONS]\n"
    "       (the same command as certpilot issue --acme-ini FILE)\n" ISSUE_USAGE_BODY;

enum {
    OPT_CERTNAME = OPT_FIRST_COMMAND_OPT, OPT_KEYTYPE, OPT_ACCOUNT, OPT_AGREE, OPT_EMAIL,
    OPT_HOOK, OPT_CHALLENGE, OPT_WEBROOT, OPT_STANDALONE, OPT_LISTEN, OPT_TIMEOUT, OPT_PROFILE,
    OPT_PREFERRED_CHAIN, OPT_BATCH, OPT_JOBS, OPT_DNS, OPT_DNS_SET, OPT_DNS_RESOLVER, OPT_PROP_TIMEOUT,
    OPT_NO_PROP, OPT_DEPLOY, OPT_CSR, OPT_ACME_INI, OPT_SECTION, OPT_ORDERS_LIMIT, OPT_JSON,
    OPT_DRY_RUN, OPT_PRE_HOOK, OPT_POST_HOOK, OPT_FORCE,
};

static int add_name(struct issue_args *a, const char *arg, struct err *err)
{
    if (a->req.nnames == MANAGE_MAX_NAMES)
        return err_set(err, CP_EUSAGE, "-d: at most %d names per certificate", MANAGE_MAX_NAMES);
    a->names[a->req.nnames++] = arg;
    return CP_OK;
}

static int add_setting(struct issue_args *a, const char *flag, const char *key, const char *value,
                       struct err *err)
{
    if (a->nsettings == ISSUE_MAX_SETTINGS)
        return err_set(err, CP_EUSAGE, "%s: too many settings", flag);
    a->settings[a->nsettings++] = (struct kv){key, value};
    return CP_OK;
}

/* Each method flag names the solver and carries its one setting. */
static int set_solver(struct issue_args *a, const char *solver, const char *key, const char *value,
                      struct err *err)
{
    if (a->req.solver != NULL && strcmp(a->req.solver, solver) != 0)
        return err_set(err, CP_EUSAGE, "issue: give only one of --hook, --dns, --webroot and --standalone");
    a->req.solver = solver;
    if (key == NULL)
        return CP_OK;
    return add_setting(a, "issue", key, value, err);
}

/* --dns-set KEY=VALUE, split in place (argv strings are ours to change). */
static int add_dns_setting(struct issue_args *a, char *arg, struct err *err)
{
    char *eq = strchr(arg, '=');

    if (eq == NULL || eq == arg)
        return err_set(err, CP_EUSAGE, "--dns-set \"%s\": expected KEY=VALUE", arg);
    *eq = '\0';
    a->dns_settings++;
    return add_setting(a, "--dns-set", arg, eq + 1, err);
}

static int add_listen(struct issue_args *a, const char *arg, struct err *err)
{
    if (a->nlisten == SOLVER_MAX_LISTEN)
        return err_set(err, CP_EUSAGE, "--listen: at most %d addresses", SOLVER_MAX_LISTEN);
    a->nlisten++;
    return add_setting(a, "--listen", "listen", arg, err);
}

static int parse_jobs(struct issue_args *a, const char *arg, struct err *err)
{
    long v = 0;
    int rc = cli_number("--jobs", arg, 1, MANAGE_BATCH_MAX_JOBS, &v, err);

    a->jobs = (unsigned)v;
    return rc;
}

static int parse_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    struct issue_args *a = ctx;

    switch (opt) {
    case 'd': return add_name(a, arg, err);
    case OPT_CERTNAME: a->req.cert_name = arg; return CP_OK;
    case OPT_KEYTYPE: a->req.key_type = arg; return CP_OK;
    case OPT_ACCOUNT: a->req.account = arg; return CP_OK;
    case OPT_AGREE: a->agree_tos = true; return CP_OK;
    case OPT_EMAIL:
        if (a->account.nemails == MANAGE_MAX_CONTACTS)
            return err_set(err, CP_EUSAGE, "--email: at most %d addresses", MANAGE_MAX_CONTACTS);
        a->emails[a->account.nemails++] = arg;
        return CP_OK;
    case OPT_HOOK: return set_solver(a, "hook", "program", arg, err);
    case OPT_CHALLENGE: a->challenge = arg; return CP_OK;
    case OPT_WEBROOT: return set_solver(a, "webroot", "path", arg, err);
    case OPT_STANDALONE: return set_solver(a, "standalone", NULL, NULL, err);
    case OPT_LISTEN: return add_listen(a, arg, err);
    case OPT_TIMEOUT: return cli_number("--timeout", arg, 1, 86400, &a->req.timeout_s, err);
    case OPT_PROFILE: a->req.profile = arg; return CP_OK;
    case OPT_PREFERRED_CHAIN: a->req.preferred_chain = arg; return CP_OK;
    case OPT_BATCH: a->batch = arg; return CP_OK;
    case OPT_CSR: a->req.csr_file = arg; return CP_OK;
    case OPT_ACME_INI: a->acme_ini = arg; return CP_OK;
    case OPT_ORDERS_LIMIT: return cli_number("--orders-limit", arg, 1, 1000000, &a->orders_limit, err);
    case OPT_SECTION: a->section = arg; return CP_OK;
    case OPT_DRY_RUN: a->req.dry_run = true; return CP_OK;
    case OPT_PRE_HOOK: a->pre_hook = arg; return CP_OK;
    case OPT_POST_HOOK: a->post_hook = arg; return CP_OK;
    case OPT_FORCE: a->req.force = true; return CP_OK;
    case OPT_DEPLOY:
        if (a->req.ndeploy == sizeof(a->deploy) / sizeof(a->deploy[0]) - 1)
            return err_set(err, CP_EUSAGE, "--deploy: at most %zu targets", sizeof(a->deploy) / sizeof(a->deploy[0]) - 1);
        a->deploy[a->req.ndeploy++] = (struct manage_target){.spec = arg};
        return CP_OK;
    case OPT_DNS: return set_solver(a, "dns", "provider", arg, err);
    case OPT_DNS_SET: return add_dns_setting(a, optarg, err);
    case OPT_DNS_RESOLVER: a->dns_settings++; return add_setting(a, "--dns-resolver", "resolver", arg, err);
    case OPT_PROP_TIMEOUT:
        a->dns_settings++;
        return add_setting(a, "--propagation-timeout", "propagation_timeout", arg, err);
    case OPT_NO_PROP: a->dns_settings++; return add_setting(a, "--no-propagation-check", "propagation_check", "no", err);
    case OPT_JOBS: return parse_jobs(a, arg, err);
    case OPT_JSON: a->json = true; return CP_OK;
    default: return cli_bad_option("issue", argv, err);
    }
}

/* Flag combinations that cannot work are refused here; the library checks
 * the values (names, key type, certificate name) before any network traffic. */
static int check_args(struct issue_args *a, struct err *err)
{
    const char *solver = a->req.solver;

    if (a->batch != NULL && (a->req.nnames > 0 || a->req.cert_name != NULL))
        return err_set(err, CP_EUSAGE, "issue: --batch takes the names from its file (no -d, no --cert-name)");
    if (a->batch == NULL && a->jobs > 0)
        return err_set(err, CP_EUSAGE, "--jobs goes with --batch");
    if (a->batch != NULL && a->jobs != 1 && strcmp(solver ? solver : "", "standalone") == 0)
        return err_set(err, CP_EUSAGE, "--standalone in a --batch needs --jobs 1 (one responder per port)");
    if (a->acme_ini != NULL && (a->req.nnames > 0 || a->req.csr_file != NULL || a->batch != NULL))
        return err_set(err, CP_EUSAGE, "--acme-ini gives the CSR: no -d, --csr or --batch with it");
    if (a->section != NULL && a->acme_ini == NULL)
        return err_set(err, CP_EUSAGE, "--section goes with --acme-ini");
    if (a->req.dry_run && a->batch != NULL)
        return err_set(err, CP_EUSAGE, "issue: --dry-run takes one certificate, not a --batch");
    if (a->req.csr_file != NULL && (a->req.nnames > 0 || a->req.key_type != NULL || a->batch != NULL))
        return err_set(err, CP_EUSAGE, "--csr gives the names and the key: no -d, --key-type or --batch with it");
    if (a->req.nnames == 0 && a->batch == NULL && a->req.csr_file == NULL && a->acme_ini == NULL)
        return err_set(err, CP_EUSAGE, "issue: give at least one name with -d (or --csr FILE)");
    if (solver == NULL)
        return err_set(err, CP_EUSAGE, "issue: give one of --hook PROG, --dns PROVIDER, --webroot DIR or --standalone");
    if (a->challenge != NULL && strcmp(solver, "hook") != 0)
        return err_set(err, CP_EUSAGE, "--challenge goes with --hook (--webroot and --standalone are http-01)");
    if (a->nlisten > 0 && strcmp(solver, "standalone") != 0)
        return err_set(err, CP_EUSAGE, "--listen goes with --standalone");
    if (a->dns_settings > 0 && strcmp(solver, "dns") != 0)
        return err_set(err, CP_EUSAGE, "--dns-set, --dns-resolver and the propagation options go with --dns");
    if (a->challenge != NULL && strcmp(a->challenge, "dns-01") != 0 && strcmp(a->challenge, "http-01") != 0)
        return err_set(err, CP_EUSAGE, "--challenge: \"%s\" is not dns-01 or http-01", a->challenge);
    if (a->challenge != NULL && add_setting(a, "--challenge", "challenge", a->challenge, err) != CP_OK)
        return CP_EUSAGE;
    a->req.settings = (struct kvlist){a->settings, a->nsettings};
    return CP_OK;
}

/* --agree-tos, or [certpilot] agree_tos = yes, creates a missing account (with
 * the config's email when no --email is given). */
static int account_create(const struct cli *cli, struct issue_args *a, struct err *err)
{
    int rc = cli->config ? manage_account_from_config(cli->config, NULL, &a->cfg_account, err) : CP_OK;

    if (rc != CP_OK)
        return rc;
    if (a->account.nemails == 0) {
        a->account.emails = a->cfg_account.emails;
        a->account.nemails = a->cfg_account.create.nemails;
    }
    if (a->agree_tos || a->cfg_account.agree) {
        a->account.agree_tos = true;
        a->req.create = &a->account;
    }
    return CP_OK;
}

/* The parser's table, and the completion's (cli/completion.c). */
const struct option cli_issue_opts[] = {
    CLI_GLOBAL_LONGOPTS,
    {"domain", required_argument, NULL, 'd'},
    {"cert-name", required_argument, NULL, OPT_CERTNAME},
    {"key-type", required_argument, NULL, OPT_KEYTYPE},
    {"account", required_argument, NULL, OPT_ACCOUNT},
    {"agree-tos", no_argument, NULL, OPT_AGREE},
    {"email", required_argument, NULL, OPT_EMAIL},
    {"hook", required_argument, NULL, OPT_HOOK},
    {"challenge", required_argument, NULL, OPT_CHALLENGE},
    {"webroot", required_argument, NULL, OPT_WEBROOT},
    {"standalone", no_argument, NULL, OPT_STANDALONE},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"preferred-chain", required_argument, NULL, OPT_PREFERRED_CHAIN},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"dns", required_argument, NULL, OPT_DNS},
    {"dns-set", required_argument, NULL, OPT_DNS_SET},
    {"dns-resolver", required_argument, NULL, OPT_DNS_RESOLVER},
    {"propagation-timeout", required_argument, NULL, OPT_PROP_TIMEOUT},
    {"no-propagation-check", no_argument, NULL, OPT_NO_PROP},
    {"deploy", required_argument, NULL, OPT_DEPLOY},
    {"csr", required_argument, NULL, OPT_CSR},
    {"acme-ini", required_argument, NULL, OPT_ACME_INI},
    {"section", required_argument, NULL, OPT_SECTION},
    {"orders-limit", required_argument, NULL, OPT_ORDERS_LIMIT},
    {"json", no_argument, NULL, OPT_JSON},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"pre-hook", required_argument, NULL, OPT_PRE_HOOK},
    {"post-hook", required_argument, NULL, OPT_POST_HOOK},
    {"force", no_argument, NULL, OPT_FORCE},
    {NULL, 0, NULL, 0},
};

int issue_args_parse(struct cli *cli, struct issue_args *a, int argc, char **argv, struct err *err)
{
    int rc;

    memset(a, 0, sizeof(*a));
    a->req.names = a->names;
    a->req.deploy = a->deploy;
    a->account.emails = a->emails;
    rc = cli_parse_options(cli, "issue", argc, argv, CLI_GLOBAL_SHORTOPTS "d:", cli_issue_opts,
                           strcmp(argv[0], "run") == 0 ? run_usage : issue_usage, parse_opt, a, err);
    if (rc != CP_OK || (rc = check_args(a, err)) != CP_OK)
        return rc;
    return account_create(cli, a, err);
}
